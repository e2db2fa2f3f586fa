"""Loading config files and directories: the shipped configs, merging, overrides, missing paths."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, FerryConfig, check_config, config_files, load_config
from bot.models import Visibility

CONFIG_DIR = Path(__file__).resolve().parents[3] / "config"

COMMUNITY = """
[[communities]]
slug = "{slug}"
name = "Community {slug}"
discord_guild_ids = [{guild}]
"""


def test_example_config_loads_without_problems() -> None:
    example = CONFIG_DIR / "ferry.example.toml"
    assert check_config(example) == []
    config = load_config(example)
    community = config.community("tiktok-refugees")
    assert config.is_configured("tiktok-refugees")
    assert config.default_community_slug == "tiktok-refugees"
    assert [link.platform for link in community.links] == ["rednote", "bluesky", "lemon8"]
    assert "spoutible" in {spec.key for spec in config.enabled_platforms(community)}
    assert community.deadline is not None
    assert community.deadline.utcoffset() == timedelta(hours=-5)


def test_example_config_documents_every_key() -> None:
    text = (CONFIG_DIR / "ferry.example.toml").read_text(encoding="utf-8")
    keys = [
        "community", "display_name", "aliases", "kind", "pattern", "case_insensitive", "ascii_only",
        "max_length", "url_hosts", "url_path_pattern", "reserved", "profile_url", "example", "slug",
        "name", "discord_guild_ids", "admin_role_ids", "default_visibility", "platforms", "deadline",
        "announcements", "new_arrivals", "label", "platform", "url", "note",
    ]  # fmt: skip
    for key in keys:
        assert f"# {key} (" in text or f"#   {key} " in text, f"{key} is not explained"
    assert "SECRETS NEVER GO HERE" in text


def test_demo_config_loads() -> None:
    config = load_config(CONFIG_DIR)  # the directory, as the bot loads it: the example is skipped
    assert config.source_files == (CONFIG_DIR / "ferry.toml",)
    demo = config.community("demo")
    assert config.default_community_slug == "demo"
    assert demo.default_visibility is Visibility.COMMUNITY
    assert len(demo.links) >= 2
    assert all(link.url.startswith("https://") for link in demo.links)
    assert [spec.key for spec in config.enabled_platforms(demo)] == ["rednote", "lemon8", "bluesky"]


def test_missing_path_gives_the_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nowhere")
    assert config.communities == {}
    assert config.source_files == ()
    assert config.default_community_slug == "demo"
    assert {spec.key for spec in config.catalogue.specs} == {
        spec.key for spec in FerryConfig.empty().catalogue.specs
    }


def test_check_config_reports_a_missing_path_and_an_empty_directory(tmp_path: Path) -> None:
    [missing] = check_config(tmp_path / "nowhere.toml")
    assert "does not exist" in missing.message
    assert missing.hint
    [empty] = check_config(tmp_path)
    assert "no *.toml" in empty.message


def test_directory_loads_every_toml_in_order_and_skips_examples(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text(COMMUNITY.format(slug="bravo", guild=2), encoding="utf-8")
    (tmp_path / "a.toml").write_text(COMMUNITY.format(slug="alpha", guild=1), encoding="utf-8")
    (tmp_path / "c.example.toml").write_text("this is = not even TOML", encoding="utf-8")
    (tmp_path / ".#a.toml").write_text("editor lock file", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")

    assert config_files(tmp_path) == [tmp_path / "a.toml", tmp_path / "b.toml"]
    config = load_config(tmp_path)
    assert list(config.communities) == ["alpha", "bravo"]
    assert config.community_for_guild(2).slug == "bravo"
    assert config.source_files == (tmp_path / "a.toml", tmp_path / "b.toml")


def test_an_example_file_named_explicitly_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "x.example.toml"
    path.write_text(COMMUNITY.format(slug="ex", guild=3), encoding="utf-8")
    assert load_config(path).is_configured("ex")


def test_duplicates_across_files_name_both_places(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        COMMUNITY.format(slug="same", guild=10) + '[platforms.rednote]\nexample = "1"\n'
        '[defaults]\ncommunity = "same"\n',
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text(
        COMMUNITY.format(slug="same", guild=11)
        + COMMUNITY.format(slug="other", guild=10)
        + '[platforms.rednote]\nexample = "2"\n[defaults]\ncommunity = "same"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    problems = {p.key_path: p for p in caught.value.problems}
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"

    slug = problems["communities[0].slug"]
    assert slug.file == b
    assert f"{a}:communities[0]" in slug.message
    guild = problems["communities[other].discord_guild_ids[0]"]
    assert guild.file == b
    assert f"{a}:communities[same].discord_guild_ids[0]" in guild.message
    platform = problems["platforms.rednote"]
    assert platform.file == b
    assert f"{a}:platforms.rednote" in platform.message
    default = problems["defaults.community"]
    assert default.file == b
    assert f"{a}:defaults.community" in default.hint
    assert len(caught.value.problems) == 4


def test_duplicates_within_one_file(write) -> None:
    path = write(COMMUNITY.format(slug="twin", guild=5) + COMMUNITY.format(slug="twin", guild=5))
    problems = check_config(path)
    assert [p.key_path for p in problems] == ["communities[1].slug", "communities[twin].discord_guild_ids[0]"]
    assert f"{path}:communities[0]" in problems[0].message


def test_platform_overrides_and_new_platforms_apply(write) -> None:
    path = write(
        """
        [platforms.rednote]
        aliases = ["xhs", "小红书", "red"]
        display_name = "RedNote (小红书)"

        [platforms.spoutible]
        display_name = "Spoutible"
        example = "alice_spouts"
        profile_url = "https://spoutible.com/{handle}"

        [[communities]]
        slug = "movers"
        name = "Movers"
        platforms = ["spoutible", "rednote"]

        [[communities.links]]
        label = "Spoutible"
        platform = "spoutible"
        url = "https://spoutible.com/movers"
        """
    )
    config = load_config(path)
    rednote = config.catalogue.get("rednote")
    assert rednote is not None
    assert rednote.display_name == "RedNote (小红书)"
    assert "red" in rednote.aliases
    spoutible = config.catalogue.get("spoutible")
    assert spoutible is not None
    assert spoutible.example == "alice_spouts"
    # Catalogue order, whatever order the community lists them in.
    keys = [spec.key for spec in config.enabled_platforms(config.community("movers"))]
    assert sorted(keys) == ["rednote", "spoutible"]
    assert keys == [spec.key for spec in config.catalogue.specs if spec.key in keys]


def test_a_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + COMMUNITY.format(slug="bom", guild=4).encode())
    assert load_config(path).is_configured("bom")


def test_the_config_is_immutable(write) -> None:
    config = load_config(write(COMMUNITY.format(slug="still", guild=6)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.source_files = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.communities["new"] = config.community("still")  # type: ignore[index]
    with pytest.raises(ValueError, match="frozen"):
        config.community("still").name = "changed"  # type: ignore[misc]


def test_without_defaults_the_first_configured_community_answers_not_an_unconfigured_demo(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.toml").write_text(COMMUNITY.format(slug="alpha", guild=1), encoding="utf-8")
    (tmp_path / "b.toml").write_text(COMMUNITY.format(slug="bravo", guild=2), encoding="utf-8")
    assert load_config(tmp_path).default_community_slug == "alpha"
    (tmp_path / "c.toml").write_text('[defaults]\ncommunity = "bravo"\n', encoding="utf-8")
    assert load_config(tmp_path).default_community_slug == "bravo"

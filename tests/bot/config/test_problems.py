"""Every kind of config mistake is reported with its file, key path and a hint, all at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, ConfigProblem, check_config, format_problems, load_config
from bot.config import checks as checks_module

VALID = """
[[communities]]
slug = "demo"
name = "Demo"
"""


def only(problems: list[ConfigProblem]) -> ConfigProblem:
    assert len(problems) == 1, format_problems(problems)
    return problems[0]


def problem_at(path: Path, key_path: str) -> ConfigProblem:
    found = [p for p in check_config(path) if p.key_path == key_path]
    assert found, format_problems(check_config(path))
    return only(found)


def test_five_mistakes_give_five_problems(write) -> None:
    path = write(
        """
        [[communities]]
        slug = "Demo Community"                      # 1. bad slug
        nmae = "Demo"                                # 2. unknown key (and so name is missing: 3.)
        default_visibility = "everyone"              # 4. not a choice
        [[communities.links]]
        label = "Our RedNote group"
        platform = "tiktok-ish"                      # 5. not in the catalogue
        url = "https://www.xiaohongshu.com/user/profile/1"
        """
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert {p.key_path for p in problems} == {
        "communities[0].slug",
        "communities[0].nmae",
        "communities[0].name",
        "communities[0].default_visibility",
        "communities[0].links[0].platform",
    }
    assert all(p.file == path and p.hint for p in problems)
    assert "5 problem(s)" in str(caught.value)


def test_toml_syntax_error_has_line_and_column(write) -> None:
    path = write('[[communities]]\nslug = "demo\nname = "x"\n')
    problem = only(check_config(path))
    assert problem.file == path
    assert problem.key_path == ""
    assert "line 2" in problem.message
    assert "column" in problem.message
    assert problem.hint


def test_a_syntax_error_in_one_file_does_not_hide_another_files_problems(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("[[communities]\n", encoding="utf-8")
    (tmp_path / "b.toml").write_text('[defaults]\ncommunity = "-x"\n', encoding="utf-8")
    assert [p.file.name for p in check_config(tmp_path)] == ["a.toml", "b.toml"]


def test_unknown_key_hint_lists_allowed_keys_and_a_close_match(write) -> None:
    problem = problem_at(
        write(VALID + "default_visiblity = 'public'\n"), "communities[demo].default_visiblity"
    )
    assert problem.message == 'unknown key "default_visiblity"'
    assert "did you mean 'default_visibility'?" in problem.hint
    assert "slug, name, discord_guild_ids" in problem.hint


def test_unknown_top_level_table(write) -> None:
    problem = only(check_config(write("[bluesky_bot]\nhandle = 'x'\n")))
    assert problem.key_path == "bluesky_bot"
    assert "defaults, bluesky, web, limits, platforms, communities" in problem.hint


def test_unknown_key_in_a_platform_override(write) -> None:
    problem = problem_at(write("[platforms.rednote]\nalias = ['xhs']\n"), "platforms.rednote.alias")
    assert "did you mean 'aliases'?" in problem.hint


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ("discord_guild_ids = ['123']", "discord_guild_ids[0]", "without quotes"),
        ("discord_guild_ids = [0]", "discord_guild_ids[0]", "positive"),
        (f"discord_guild_ids = [{2**64}]", "discord_guild_ids[0]", "below 2**64"),
        ("admin_role_ids = [true]", "admin_role_ids[0]", "Copy ID"),
        ("name = 5", "name", "quotes"),
        ("platforms = 'rednote'", "platforms", "["),
        ("channels = 5", "channels", "table"),
        ("deadline = 'soon'", "deadline", "offset"),
    ],
)
def test_wrong_types_are_explained(write, line: str, key: str, words: str) -> None:
    name = "" if line.startswith("name") else 'name = "Demo"\n'
    problem = problem_at(write(f'[[communities]]\nslug = "demo"\n{name}{line}\n'), f"communities[demo].{key}")
    assert words in problem.hint


def test_missing_required_keys(write) -> None:
    problems = check_config(write("[[communities]]\n[[communities.links]]\nlabel = 'x'\n"))
    assert {p.key_path for p in problems} == {
        "communities[0].slug",
        "communities[0].name",
        "communities[0].links[0].platform",
        "communities[0].links[0].url",
    }
    slug = next(p for p in problems if p.key_path.endswith("slug"))
    assert 'slug = "demo"' in slug.hint


@pytest.mark.parametrize("slug", ["a", "-demo", "Demo", "demo_1", "x" * 33, "démo"])
def test_bad_slugs(write, slug: str) -> None:
    problem = only(check_config(write(f'[[communities]]\nslug = "{slug}"\nname = "x"\n')))
    assert problem.key_path == "communities[0].slug"
    assert "a-z" in problem.hint


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/x", "https://"),
        ("https://user:pw@example.com/x", "user name or password"),
        ("https://example.com/" + "a" * 600, "512"),
        ("https://exa mple.com/", "spaces"),
        ("https:///path-only", "host"),
        ("javascript:alert(1)", "https://"),
    ],
)
def test_bad_link_urls(write, url: str, message: str) -> None:
    link = f'[[communities.links]]\nlabel = "x"\nplatform = "rednote"\nurl = "{url}"\n'
    problem = only(check_config(write(VALID + link)))
    assert problem.key_path == "communities[demo].links[0].url"
    assert message in problem.message
    assert "pw" not in str(problem)  # the URL itself is never repeated


@pytest.mark.parametrize(
    "text", ["Our\u202eRedNote", "zero\u200bwidth", "bell\x07", "joiner\u200d", "isolate\u2066x", "bom\ufeff"]
)
def test_invisible_characters_in_labels_are_rejected(write, text: str) -> None:
    link = '[[communities.links]]\nlabel = "{}"\nplatform = "rednote"\nurl = "https://bsky.app/x"\n'
    escaped = "".join(c if c.isascii() and c.isprintable() else f"\\u{ord(c):04X}" for c in text)
    problem = only(check_config(write(VALID + link.format(escaped))))
    assert problem.key_path == "communities[demo].links[0].label"
    assert "U+" in problem.message
    assert problem.hint


def test_invisible_characters_in_names_notes_and_platform_text(write) -> None:
    path = write(
        """
        [platforms.rednote]
        display_name = "Red\\u200bNote"
        aliases = ["x\\u202eh"]
        [[communities]]
        slug = "demo"
        name = "De\\u200emo"
        [[communities.links]]
        label = "ok"
        platform = "rednote"
        url = "https://bsky.app/x"
        note = "\\u2067hidden"
        """
    )
    assert {p.key_path for p in check_config(path)} == {
        "platforms.rednote.display_name",
        "platforms.rednote.aliases",
        "communities[demo].name",
        "communities[demo].links[0].note",
    }


def test_text_limits_and_plain_unicode(write) -> None:
    long_label = "x" * 81
    link = (
        f'[[communities.links]]\nlabel = "{long_label}"\nplatform = "rednote"\nurl = "https://bsky.app/x"\n'
    )
    assert "80 characters" in only(check_config(write(VALID + link))).message
    fine = (
        '[[communities.links]]\nlabel = "  小红书群 🏠 "\nplatform = "rednote"\nurl = "https://bsky.app/x"\n'
    )
    config = load_config(write(VALID + fine))
    assert config.community("demo").links[0].label == "小红书群 🏠"


def test_naive_deadlines_are_rejected(write) -> None:
    for value in ["2025-01-19T00:00:00", "2025-01-19", "00:00:00"]:
        problem = only(check_config(write(VALID + f"deadline = {value}\n")))
        assert problem.key_path == "communities[demo].deadline"
        assert "-05:00" in problem.hint


def test_deadline_offset_is_kept(write) -> None:
    config = load_config(write(VALID + "deadline = 2025-01-19T00:00:00+08:00\n"))
    deadline = config.community("demo").deadline
    assert deadline is not None
    assert deadline.utcoffset() == timedelta(hours=8)
    assert deadline.isoformat() == "2025-01-19T00:00:00+08:00"


def test_unknown_platforms_in_links_and_enabled_lists(write) -> None:
    path = write(
        """
        [platforms.rednote]
        aliases = ["xhs"]
        [[communities]]
        slug = "demo"
        name = "Demo"
        platforms = ["xhs", "blusky", "rednote", "rednote"]
        [[communities.links]]
        label = "x"
        platform = "nowhere"
        url = "https://bsky.app/x"
        """
    )
    problems = {p.key_path: p for p in check_config(path)}
    assert "write the platform's key 'rednote'" in problems["communities[demo].platforms[0]"].hint
    assert "did you mean 'bluesky'?" in problems["communities[demo].platforms[1]"].hint
    assert "listed twice" in problems["communities[demo].platforms[3]"].message
    assert "known platforms: " in problems["communities[demo].links[0].platform"].hint
    assert "lemon8" in problems["communities[demo].links[0].platform"].hint
    assert len(problems) == 4


def test_an_empty_platform_list_is_a_problem(write) -> None:
    problem = only(check_config(write(VALID + "platforms = []\n")))
    assert problem.key_path == "communities[demo].platforms"


def test_discord_slugs_are_reserved_for_their_server(write) -> None:
    path = write('[[communities]]\nslug = "discord-42"\nname = "x"\n')
    assert "reserved" in only(check_config(path)).message
    path = write('[[communities]]\nslug = "discord-42"\nname = "x"\ndiscord_guild_ids = [42]\n')
    assert load_config(path).community_for_guild(42).name == "x"


def test_default_community_must_be_configured_once_any_is(write) -> None:
    problem = only(check_config(write(VALID + '[defaults]\ncommunity = "dmeo"\n')))
    assert problem.key_path == "defaults.community"
    assert "did you mean 'demo'?" in problem.hint


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[defaults]\ncommunity = "open"\n', "defaults.community"),
        ('[bluesky]\ncommunity = "open"\n', "bluesky.community"),
        ('[web]\ncommunities = ["demo", "open"]\n', "web.communities[1]"),
    ],
)
def test_every_key_that_names_a_community_must_name_a_configured_one(write, text: str, where: str) -> None:
    # Otherwise answers come from a default community nobody configured, or a page publishes nothing.
    problem = only(check_config(write(VALID + text)))
    assert (problem.key_path, problem.message) == (where, "no community has the slug 'open'")
    assert problem.hint == "configured: demo"
    assert (
        check_config(write(VALID + text.replace('"open"', '"demo"').replace('["demo", "demo"]', '["demo"]')))
        == []
    )


def test_a_named_community_without_any_configured_says_what_to_add(write) -> None:
    problem = only(check_config(write('[bluesky]\ncommunity = "movers"\n')))
    assert problem.key_path == "bluesky.community"
    assert problem.hint.startswith('add a [[communities]] entry with slug = "movers"')


def test_secret_keys_are_rejected_without_echoing_the_value(write) -> None:
    path = write(
        VALID
        + 'discord_token = "MTA-super-secret-value"\n'
        + '[communities.channels]\nwebhook_secret = "hunter2"\n'
        + '[defaults]\napi_key = "k3y-value"\n'
    )
    problems = check_config(path)
    assert {p.key_path for p in problems} == {
        "communities[demo].discord_token",
        "communities[demo].channels.webhook_secret",
        "defaults.api_key",
    }
    text = format_problems(problems)
    assert "environment" in problems[0].hint
    for value in ["super-secret", "hunter2", "k3y-value"]:
        assert value not in text


def test_catalogue_problems_map_to_platform_keys(write, monkeypatch) -> None:
    @dataclass
    class Problem:
        key: str
        field: str
        message: str

    class RejectedError(checks_module.PlatformConfigError):
        def __init__(self) -> None:
            Exception.__init__(self, "rejected")
            self.problems = [Problem("clapper", "example", "a new platform needs an example")]

    def reject(self, overrides):
        assert "clapper" in overrides
        raise RejectedError

    monkeypatch.setattr(checks_module.Catalogue, "with_overrides", reject)
    path = write('[platforms.clapper]\ndisplay_name = "Clapper"\n')
    problem = only(check_config(path))
    assert (problem.file, problem.key_path) == (path, "platforms.clapper.example")
    assert problem.message == "a new platform needs an example"


def test_a_new_platform_the_catalogue_refuses_is_reported_under_its_key(write) -> None:
    problems = check_config(write('[platforms.clapper]\npattern = "^[a-z]+$"\n'))
    assert problems
    assert all(p.key_path.startswith("platforms.clapper") for p in problems)


def test_format_problems() -> None:
    problems = [
        ConfigProblem(
            Path("config/ferry.toml"),
            "communities[demo].links[2].url",
            "URL must start with https://",
            "use https",
        ),
        ConfigProblem(
            Path("config/ferry.toml"), "", "TOML syntax error: Invalid value (at line 3, column 9)"
        ),
    ]
    assert format_problems(problems).splitlines() == [
        "config/ferry.toml:communities[demo].links[2].url: URL must start with https:// (hint: use https)",
        "config/ferry.toml: TOML syntax error: Invalid value (at line 3, column 9)",
    ]

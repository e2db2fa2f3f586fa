"""The ``[bluesky]`` section: defaults, merging across files, and refusing bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Bluesky, ConfigError, check_config, load_config


def test_defaults_without_a_section(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml")
    assert config.bluesky == Bluesky()
    assert config.bluesky.max_thread_posts == 4
    assert config.bluesky.starter_pack is False
    assert config.bluesky.web_url is None
    # A first-time user waits about half an interval for an answer (README: the rate-limit arithmetic).
    assert config.bluesky.poll_interval_seconds <= 5


def test_keys_merge_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("[bluesky]\nmax_thread_posts = 3\n", encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        '[bluesky]\nweb_url = "https://ferry.example.org/{community}"\nstarter_pack = true\n'
        "poll_interval_seconds = 15\n",
        encoding="utf-8",
    )
    section = load_config(tmp_path).bluesky
    assert section.max_thread_posts == 3
    assert section.web_url == "https://ferry.example.org/{community}"
    assert section.starter_pack is True
    assert section.poll_interval_seconds == 15


def test_a_key_set_in_two_files_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("[bluesky]\nmax_thread_posts = 3\n", encoding="utf-8")
    (tmp_path / "b.toml").write_text("[bluesky]\nmax_thread_posts = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert [p.key_path for p in caught.value.problems] == ["bluesky.max_thread_posts"]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("max_thread_posts = 0", "bluesky.max_thread_posts"),
        ("poll_interval_seconds = 0.5", "bluesky.poll_interval_seconds"),
        ('web_url = "http://insecure.example.org"', "bluesky.web_url"),
        ("write_points_per_hour = 9000", "bluesky.write_points_per_hour"),
        ('list_name = ""', "bluesky.list_name"),
        ("unknown = 1", "bluesky.unknown"),
    ],
)
def test_bad_values_are_reported(tmp_path: Path, line: str, key: str) -> None:
    path = tmp_path / "ferry.toml"
    path.write_text(f"[bluesky]\n{line}\n", encoding="utf-8")
    assert [p.key_path for p in check_config(path)] == [key]


def test_app_password_in_the_section_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ferry.toml"
    path.write_text('[bluesky]\napp_password = "abcd-efgh-ijkl-mnop"\n', encoding="utf-8")
    problems = check_config(path)
    assert [p.key_path for p in problems] == ["bluesky.app_password"]
    assert "abcd" not in str(problems[0])


def test_registration_communities_default_to_the_bluesky_community(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        '[defaults]\ncommunity = "one"\n[[communities]]\nslug = "one"\nname = "One"\n'
        '[[communities]]\nslug = "two"\nname = "Two"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.bluesky.registers(config.default_community_slug) == {"one"}
    (tmp_path / "b.toml").write_text(
        '[bluesky]\nregistration_communities = ["one", "two"]\n', encoding="utf-8"
    )
    config = load_config(tmp_path)
    assert config.bluesky.registers(config.default_community_slug) == {"one", "two"}


def test_registration_communities_must_be_configured(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        '[bluesky]\nregistration_communities = ["one", "tow"]\n'
        '[[communities]]\nslug = "one"\nname = "One"\n[[communities]]\nslug = "two"\nname = "Two"\n',
        encoding="utf-8",
    )
    [problem] = check_config(tmp_path)
    assert problem.key_path == "bluesky.registration_communities[1]"
    assert "did you mean 'two'?" in problem.hint

"""Reloading the config while running: applied when valid, rejected with every problem otherwise."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import ConfigHolder
from bot.config import FerryConfig, load_config
from bot.config.reload import RESTART_KEYS, Reloader, ReloadTrigger, diff

COMMUNITY = """
[[communities]]
slug = "{slug}"
name = "Community {slug}"
discord_guild_ids = [{guild}]
"""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def reloader_for(path: Path, clock: Clock | None = None) -> tuple[Reloader, ConfigHolder]:
    holder = ConfigHolder(load_config(path))
    return Reloader(holder, path, clock=clock or Clock()), holder


def test_diff_names_communities_and_keys_and_what_needs_a_restart(write) -> None:
    old = load_config(
        write(COMMUNITY.format(slug="alpha", guild=1) + COMMUNITY.format(slug="bravo", guild=2))
    )
    new = load_config(
        write(
            """
            [bluesky]
            list_name = "Movers"
            poll_interval_seconds = 60

            [web]
            port = 9000

            [platforms.rednote]
            display_name = "Little Red Book"
            """
            + COMMUNITY.format(slug="alpha", guild=7)
            + COMMUNITY.format(slug="charlie", guild=3)
        )
    )
    changes = diff(old, new)
    assert changes.added == ("charlie",)
    assert changes.removed == ("bravo",)
    assert changes.changed == ("alpha",)
    assert set(changes.keys) == {
        "communities[alpha].discord_guild_ids",
        "platforms",
        "bluesky.list_name",
        "bluesky.poll_interval_seconds",
        "web.port",
    }
    assert set(changes.needs_restart) == {"bluesky.poll_interval_seconds", "web.port"}
    assert not diff(new, load_config(new.source_files[0]))


async def test_a_valid_change_is_applied_and_logged(write, caplog: pytest.LogCaptureFixture) -> None:
    path = write(COMMUNITY.format(slug="alpha", guild=1))
    reloader, holder = reloader_for(path)
    before = holder()
    write(COMMUNITY.format(slug="alpha", guild=1) + COMMUNITY.format(slug="bravo", guild=2))
    with caplog.at_level(logging.INFO, logger="bot.config.reload"):
        outcome = await reloader.reload(ReloadTrigger.WATCH)
    assert outcome.ok and outcome.changes.added == ("bravo",) and outcome.communities == 2
    assert holder() is not before and holder().is_configured("bravo")
    assert reloader.applied is outcome and reloader.last_failure is None
    [record] = [r for r in caplog.records if r.getMessage() == "config reloaded"]
    assert record.communities_added == ["bravo"] and record.trigger == "watch"  # type: ignore[attr-defined]


async def test_an_invalid_change_keeps_the_running_config_and_logs_every_problem(
    write, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    path = write(COMMUNITY.format(slug="alpha", guild=1))
    reloader, holder = reloader_for(path, clock)
    before = holder()
    write(COMMUNITY.format(slug="alpha", guild=1) + 'colour = "red"\ndefault_visibility = "everyone"\n')
    with caplog.at_level(logging.WARNING, logger="bot.config.reload"):
        first = await reloader.reload(ReloadTrigger.WATCH)
    assert not first.ok and holder() is before
    assert {p.key_path for p in first.problems} == {
        "communities[alpha].colour",
        "communities[alpha].default_visibility",
    }
    logged = [r for r in caplog.records if r.getMessage() == "config problem"]
    assert {r.key_path for r in logged} == {p.key_path for p in first.problems}  # type: ignore[attr-defined]
    assert all(r.file == str(path) and r.hint for r in logged)  # type: ignore[attr-defined]
    assert "everyone" not in caplog.text  # a value from the file is never repeated

    clock.now += timedelta(minutes=5)
    second = await reloader.reload(ReloadTrigger.COMMAND)
    assert reloader.last_failure is second and second.at > first.at
    assert reloader.last_automatic_failure is first  # what the admin asked for, they have seen

    write(COMMUNITY.format(slug="alpha", guild=1))
    fixed = await reloader.reload(ReloadTrigger.SIGNAL)
    assert fixed.ok and not fixed.changes  # the same as the config in force
    assert reloader.last_failure is None
    assert reloader.last_automatic_failure is None


async def test_a_removed_config_file_keeps_the_running_config_until_it_is_back(write) -> None:
    path = write(COMMUNITY.format(slug="alpha", guild=1))
    reloader, holder = reloader_for(path)
    before = holder()
    moved = path.rename(path.with_suffix(".bak"))
    outcome = await reloader.reload(ReloadTrigger.WATCH)
    [problem] = outcome.problems
    assert problem.file == path and problem.message == "does not exist" and "restore" in problem.hint
    assert holder() is before
    moved.rename(path)
    assert (await reloader.reload(ReloadTrigger.WATCH)).ok


async def test_a_directory_follows_its_files_but_never_becomes_empty(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(COMMUNITY.format(slug="alpha", guild=1), encoding="utf-8")
    (tmp_path / "b.toml").write_text(COMMUNITY.format(slug="bravo", guild=2), encoding="utf-8")
    reloader, holder = reloader_for(tmp_path)

    (tmp_path / "b.toml").rename(tmp_path / "c.toml")  # renamed: same communities, other file
    renamed = await reloader.reload(ReloadTrigger.WATCH)
    assert renamed.ok and not renamed.changes
    assert holder().source_files == (tmp_path / "a.toml", tmp_path / "c.toml")

    (tmp_path / "c.toml").rename(tmp_path / "c.toml.off")  # removed: its community goes
    removed = await reloader.reload(ReloadTrigger.WATCH)
    assert removed.ok and removed.changes.removed == ("bravo",)

    (tmp_path / "a.toml").unlink()
    emptied = await reloader.reload(ReloadTrigger.WATCH)
    assert [p.message for p in emptied.problems] == ["holds no *.toml config file"]
    assert holder().is_configured("alpha")


async def test_no_config_at_start_and_none_now_is_no_problem(tmp_path: Path) -> None:
    reloader, holder = reloader_for(tmp_path / "ferry.toml")
    outcome = await reloader.reload(ReloadTrigger.COMMAND)
    assert outcome.ok and not outcome.changes and holder().communities == {}


def test_restart_keys_name_real_sections_and_keys() -> None:
    config = FerryConfig.empty()
    for section, names in RESTART_KEYS.items():
        model = getattr(config, section)
        assert set(names or ()) <= set(type(model).model_fields), section

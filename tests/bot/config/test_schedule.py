"""``[[communities.schedules]]``: what loads, and a precise problem with a hint for what does not."""

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.config import check_config, load_config, schedule
from bot.services import announcements

HEAD = """
[[communities]]
slug = "demo"
name = "Demo"
deadline = 2026-01-19T00:00:00-05:00
"""


def problems(write: Callable[..., Path], body: str) -> dict[str, str]:
    return {p.key_path: f"{p.message} | {p.hint}" for p in check_config(write(HEAD + body))}


def test_daily_and_at_schedules_load(write: Callable[..., Path]) -> None:
    path = write(
        HEAD
        + """
        [[communities.schedules]]
        name = "evening"
        daily = "18:00"
        timezone = "America/New_York"
        message = "Add your handles!"

        [[communities.schedules]]
        name = "early"
        daily = 07:30:00
        timezone = "Europe/Berlin"
        grace_minutes = 0

        [[communities.schedules]]
        name = "last-call"
        at = [2026-01-18T23:00:00-05:00, 2026-01-18T12:00:00Z]
        """
    )
    evening, early, last_call = load_config(path).communities["demo"].schedules
    assert (evening.daily, evening.zone.key, evening.grace_minutes) == (time(18), "America/New_York", 60)
    assert evening.message == "Add your handles!"
    assert (early.daily, early.grace_minutes) == (time(7, 30), 0)
    assert last_call.times == (datetime(2026, 1, 18, 12, tzinfo=UTC), datetime(2026, 1, 19, 4, tzinfo=UTC))


def test_no_schedules_by_default(write: Callable[..., Path]) -> None:
    assert load_config(write(HEAD)).communities["demo"].schedules == ()


def test_field_problems_name_the_key_and_say_how_to_fix_it(write: Callable[..., Path]) -> None:
    found = problems(
        write,
        """
        [[communities.schedules]]
        name = "Evening Post"
        daily = "6pm"
        timezone = "America/New_Yrok"
        grace_minutes = -5

        [[communities.schedules]]
        name = "naive"
        at = [2026-01-18T18:00:00]
        """,
    )
    base = "communities[demo].schedules"
    assert found[f"{base}[0].name"].startswith("is not a valid schedule name | 1-32 characters")
    assert found[f"{base}[0].daily"] == (
        'is not a time of day | write HH:MM on a 24-hour clock, e.g. daily = "18:00"'
    )
    assert found[f"{base}[0].timezone"].startswith(
        "is not a known time zone | did you mean 'America/New_York'?"
    )
    assert found[f"{base}[0].grace_minutes"].startswith("must be between 0 and 1440 minutes")
    assert found[f"{base}[1].at[0]"].startswith("date-time has no UTC offset")


def test_combination_problems(write: Callable[..., Path]) -> None:
    daily = 'daily = "18:00"\ntimezone = "UTC"'
    cases = {
        "": "says neither when (daily) nor at which times (at)",
        'daily = "18:00"': "daily needs a timezone",
        daily + "\nat = [2026-01-01T00:00:00Z]": "has both daily and at",
        'at = [2026-01-01T00:00:00Z]\ntimezone = "UTC"': "timezone only apply to a daily schedule",
        "at = [2026-01-01T05:00:00Z, 2026-01-01T00:00:00-05:00]": "at lists the same moment twice",
        daily + "\nstart = 2026-01-02T00:00:00Z\nuntil = 2026-01-01T00:00:00Z": "until is before start",
    }
    for body, message in cases.items():
        found = problems(write, '[[communities.schedules]]\nname = "a"\n' + body + "\n")
        assert list(found) == ["communities[demo].schedules[0]"], body
        assert found["communities[demo].schedules[0]"].startswith(message + " | "), body


def test_a_name_used_twice_in_one_community(write: Callable[..., Path]) -> None:
    found = problems(
        write,
        """
        [[communities.schedules]]
        name = "evening"
        at = [2026-01-01T00:00:00Z]

        [[communities.schedules]]
        name = "evening"
        at = [2026-01-02T00:00:00Z]
        """,
    )
    assert found == {
        "communities[demo].schedules": (
            "schedule name 'evening' is used twice | give each schedule of a community its own name"
        )
    }


def test_message_and_template_are_checked_like_an_announcement(write: Callable[..., Path]) -> None:
    found = problems(
        write,
        """
        [[communities.schedules]]
        name = "a"
        at = [2026-01-01T00:00:00Z]
        template = "Hello {community}\\n{when}"
        message = "two\\nlines are fine, but not \\u202e"
        """,
    )
    assert found["communities[demo].schedules[0].template"].startswith("has an unknown placeholder {when}")
    assert found["communities[demo].schedules[0].message"].startswith(
        "contains an invisible or direction-changing character (U+202E"
    )


def test_message_cap_matches_the_announcement_service() -> None:
    assert schedule.MAX_MESSAGE_LENGTH == announcements.MAX_MESSAGE_LENGTH


def test_without_a_time_zone_database_the_problem_says_what_to_install(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(key: str) -> zoneinfo.ZoneInfo:
        raise zoneinfo.ZoneInfoNotFoundError(key)

    monkeypatch.setattr(schedule.zoneinfo, "ZoneInfo", missing)
    monkeypatch.setattr(schedule, "_zone_names", frozenset)
    found = problems(write, '[[communities.schedules]]\nname = "a"\ndaily = "18:00"\ntimezone = "UTC"\n')
    assert found["communities[demo].schedules[0].timezone"] == (
        "cannot be checked: this system has no time zone database"
        " | install it (Debian: apt-get install tzdata; or pip install tzdata)"
    )


def test_a_missing_name_hints_at_a_valid_schedule_name(write: Callable[..., Path]) -> None:
    body = '[[communities.schedules]]\ndaily = "18:00"\ntimezone = "UTC"\n'
    found = check_config(write(HEAD + body))
    assert [(p.key_path, p.message) for p in found] == [
        ("communities[demo].schedules[0].name", "required key 'name' is missing")
    ]
    # Following the hint to the letter gives a config that loads.
    suggested = found[0].hint.removeprefix("add ").removesuffix(" to this table")
    assert check_config(write(HEAD + body + suggested + "\n")) == []
    # A community still gets a title as its example name.
    [community] = check_config(write('[[communities]]\nslug = "demo"\n'))
    assert community.hint == 'add name = "Demo Community" to this table'


def test_the_readme_schedule_example_loads(write: Callable[..., Path]) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```toml\n")[1:]]
    [example] = [b for b in blocks if "[[communities.schedules]]" in b]
    config = load_config(write(HEAD + example))
    assert [s.name for s in config.community("demo").schedules] == ["evening-reminder", "last-call"]

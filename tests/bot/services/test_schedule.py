"""Occurrence math: wall-clock times in a zone to UTC, across daylight-saving changes and ends."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config.schedule import Schedule
from bot.services.schedule import Plan, wall_to_utc

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def daily(at: str, zone: str = "America/New_York", **kw: object) -> Schedule:
    return Schedule.model_validate({"name": "s", "daily": at, "timezone": zone, **kw})


def test_18_00_stays_18_00_local_across_spring_forward_in_new_york() -> None:
    plan = Plan.of(daily("18:00"), deadline=None)
    got = plan.upcoming(utc(2026, 3, 6, 12), 4)
    assert got == [utc(2026, 3, 6, 23), utc(2026, 3, 7, 23), utc(2026, 3, 8, 22), utc(2026, 3, 9, 22)]
    assert {t.astimezone(NEW_YORK).time() for t in got} == {time(18)}


def test_18_00_stays_18_00_local_across_fall_back_in_new_york() -> None:
    got = Plan.of(daily("18:00"), deadline=None).upcoming(utc(2026, 10, 31, 12), 3)
    assert got == [utc(2026, 10, 31, 22), utc(2026, 11, 1, 23), utc(2026, 11, 2, 23)]


def test_berlin_changes_on_its_own_dates() -> None:
    plan = Plan.of(daily("09:00", "Europe/Berlin"), deadline=None)
    # Europe moves its clocks on the last Sundays of March and October 2026.
    assert plan.upcoming(utc(2026, 3, 28, 12), 2) == [utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)]
    assert plan.upcoming(utc(2026, 10, 24, 12), 2) == [utc(2026, 10, 25, 8), utc(2026, 10, 26, 8)]


def test_a_skipped_wall_time_is_due_at_the_first_instant_after_the_gap() -> None:
    # 02:30 does not exist in New York on 2026-03-08: 02:00 EST is followed by 03:00 EDT (07:00Z).
    assert wall_to_utc(date(2026, 3, 8), time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7)
    assert wall_to_utc(date(2026, 3, 8), time(2, 0), NEW_YORK) == utc(2026, 3, 8, 7)
    assert wall_to_utc(date(2026, 3, 29), time(2, 15), BERLIN) == utc(2026, 3, 29, 1)
    got = Plan.of(daily("02:30"), deadline=None).upcoming(utc(2026, 3, 7), 3)
    assert got == [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]
    assert len(set(got)) == 3


def test_an_ambiguous_wall_time_happens_once_the_first_time() -> None:
    # 01:30 happens twice in New York on 2026-11-01 (05:30Z in EDT, then 06:30Z in EST).
    assert wall_to_utc(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    got = Plan.of(daily("01:30"), deadline=None).upcoming(utc(2026, 10, 31), 3)
    assert got == [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]
    assert Plan.of(daily("02:30", "Europe/Berlin"), deadline=None).upcoming(utc(2026, 10, 24, 12), 2) == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]


def test_until_is_inclusive_and_start_is_inclusive() -> None:
    schedule = daily("18:00", start="2026-01-10T18:00:00-05:00", until="2026-01-12T18:00:00-05:00")
    plan = Plan.of(schedule, deadline=utc(2026, 1, 11))  # an explicit until wins over the deadline
    assert plan.upcoming(utc(2026, 1, 1), 10) == [
        utc(2026, 1, 10, 23),
        utc(2026, 1, 11, 23),
        utc(2026, 1, 12, 23),
    ]
    assert plan.between(None, utc(2026, 2, 1), 10) == plan.upcoming(utc(2026, 1, 1), 10)
    assert plan.finished(utc(2026, 1, 12, 23)) and not plan.finished(utc(2026, 1, 12, 22, 59))


def test_without_until_the_deadline_ends_it_exclusively() -> None:
    deadline = datetime(2026, 1, 19, 18, tzinfo=NEW_YORK)  # exactly at an occurrence: not posted
    plan = Plan.of(daily("18:00"), deadline=deadline)
    assert plan.upcoming(utc(2026, 1, 17), 10) == [utc(2026, 1, 17, 23), utc(2026, 1, 18, 23)]
    assert plan.between(None, utc(2026, 3, 1), 2) == [utc(2026, 1, 17, 23), utc(2026, 1, 18, 23)]
    assert Plan.of(daily("18:00"), deadline=None).upcoming(utc(2026, 1, 19), 1) == [utc(2026, 1, 19, 23)]


def test_explicit_times_ignore_the_deadline_and_come_in_order() -> None:
    schedule = Schedule.model_validate(
        {"name": "s", "at": ["2026-01-20T09:00:00+01:00", "2026-01-18T12:00:00-05:00"]}
    )
    plan = Plan.of(schedule, deadline=utc(2026, 1, 19))
    assert plan.upcoming(utc(2026, 1, 1), 5) == [utc(2026, 1, 18, 17), utc(2026, 1, 20, 8)]
    assert plan.upcoming(utc(2026, 1, 18, 17), 5) == [utc(2026, 1, 20, 8)]
    assert plan.between(utc(2026, 1, 18, 17), utc(2026, 1, 21), 5) == [utc(2026, 1, 20, 8)]
    assert plan.between(None, utc(2026, 1, 21), 1) == [utc(2026, 1, 20, 8)]
    assert plan.finished(utc(2026, 1, 20, 8))


def test_between_gives_the_most_recent_ones_within_bounds() -> None:
    plan = Plan.of(daily("18:00"), deadline=None)
    now = utc(2026, 3, 10, 12)
    assert plan.between(None, now, 3) == [utc(2026, 3, 7, 23), utc(2026, 3, 8, 22), utc(2026, 3, 9, 22)]
    assert plan.between(utc(2026, 3, 8, 22), now, 10) == [utc(2026, 3, 9, 22)]
    assert plan.between(utc(2026, 3, 9, 22), now, 10) == []
    assert plan.between(None, utc(2026, 3, 9, 22), 1) == [utc(2026, 3, 9, 22)]  # upto is inclusive


def test_a_year_of_days_is_one_occurrence_a_day_at_the_wall_time() -> None:
    plan = Plan.of(daily("02:30"), deadline=None)
    got = plan.upcoming(utc(2026, 1, 1, 12), 365)
    days = [t.astimezone(NEW_YORK).date() for t in got]
    assert days == [date(2026, 1, 2) + timedelta(days=n) for n in range(365)]
    off = [t for t in got if t.astimezone(NEW_YORK).time() != time(2, 30)]
    assert off == [utc(2026, 3, 8, 7)]  # only the day the clock skips 02:30

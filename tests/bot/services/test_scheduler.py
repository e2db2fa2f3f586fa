"""The scheduler with time travel: on time across DST, never twice, restarts, races and ends."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.config import FerryConfig, load_config
from bot.models import RunState
from bot.services.scheduler import run_key
from bot.storage.database import Database
from bot.storage.repository import Repository
from tests.bot.services.scheduler_fakes import (
    EVENING_NY,
    FakeAnnouncer,
    TimeMachine,
    config,
    keys,
    run_until,
    scheduler,
    utc,
)


async def states(repository: Repository) -> dict[datetime, RunState]:
    return {run.due_at: run.state for run in await repository.recent_runs(community="demo", limit=100)}


@pytest.mark.parametrize(
    ("zone", "at", "start", "expected"),
    [
        # New York springs forward on 2026-03-08: 18:00 local is 23:00Z before, 22:00Z after.
        ("America/New_York", "18:00", utc(2026, 3, 6, 12), [(3, 6, 23), (3, 7, 23), (3, 8, 22), (3, 9, 22)]),
        # ... and falls back on 2026-11-01.
        (
            "America/New_York",
            "18:00",
            utc(2026, 10, 30, 12),
            [(10, 30, 22), (10, 31, 22), (11, 1, 23), (11, 2, 23)],
        ),
        # Berlin changes on the last Sundays of March and October.
        ("Europe/Berlin", "09:00", utc(2026, 3, 27, 12), [(3, 28, 8), (3, 29, 7), (3, 30, 7), (3, 31, 7)]),
        (
            "Europe/Berlin",
            "09:00",
            utc(2026, 10, 23, 12),
            [(10, 24, 7), (10, 25, 8), (10, 26, 8), (10, 27, 8)],
        ),
    ],
)
async def test_daily_posts_on_time_across_a_dst_change(
    repository: Repository,
    tmp_path: Path,
    zone: str,
    at: str,
    start: datetime,
    expected: list[tuple[int, ...]],
) -> None:
    clock = TimeMachine(start)
    announcer = FakeAnnouncer(clock)
    cfg = config(
        tmp_path, f'[[communities.schedules]]\nname = "evening"\ndaily = "{at}"\ntimezone = "{zone}"\n'
    )
    await run_until(scheduler(repository, announcer, clock, cfg), clock, start + timedelta(days=4))

    dues = [utc(2026, *when) for when in expected]
    assert announcer.keys == keys(*dues)
    assert [p.at for p in announcer.posted] == dues  # slept until exactly the due instant
    assert await states(repository) == dict.fromkeys(dues, RunState.POSTED)
    assert max(clock.naps) <= 30.0  # the config is re-read at least every half minute


async def test_a_restart_after_posting_does_not_post_again(repository: Repository, tmp_path: Path) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    first = FakeAnnouncer(clock)
    await run_until(scheduler(repository, first, clock, cfg), clock, utc(2026, 1, 10, 23, 5))
    assert first.keys == keys(utc(2026, 1, 10, 23))

    second = FakeAnnouncer(clock)  # a new process on the same database, five minutes later
    await run_until(scheduler(repository, second, clock, cfg), clock, utc(2026, 1, 10, 23, 30))
    assert second.posted == []


async def test_a_miss_inside_the_grace_window_is_posted_once_on_start(
    repository: Repository, tmp_path: Path
) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 0))
    await run_until(scheduler(repository, FakeAnnouncer(clock), clock, cfg), clock, utc(2026, 1, 10, 22, 50))
    clock.now = utc(2026, 1, 10, 23, 59)  # down across 18:00 local; back 59 minutes late
    announcer = FakeAnnouncer(clock)
    await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 11, 1))
    assert announcer.keys == keys(utc(2026, 1, 10, 23))
    assert announcer.posted[0].at == utc(2026, 1, 10, 23, 59)
    assert await states(repository) == {utc(2026, 1, 10, 23): RunState.POSTED}


async def test_a_miss_outside_the_grace_window_is_skipped_and_logged(
    repository: Repository, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = config(tmp_path, EVENING_NY + "grace_minutes = 30\n")
    clock = TimeMachine(utc(2026, 1, 10, 22))
    await run_until(scheduler(repository, FakeAnnouncer(clock), clock, cfg), clock, utc(2026, 1, 10, 22, 30))
    clock.now = utc(2026, 1, 10, 23, 31)  # down across 18:00 local; back 31 minutes late
    announcer = FakeAnnouncer(clock)
    with caplog.at_level(logging.WARNING, logger="bot.services.scheduler"):
        await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 11, 23, 1))
    assert announcer.keys == keys(utc(2026, 1, 11, 23))  # the next day's is posted as usual
    assert await states(repository) == {
        utc(2026, 1, 10, 23): RunState.SKIPPED,
        utc(2026, 1, 11, 23): RunState.POSTED,
    }
    [skipped] = [r for r in caplog.records if r.getMessage() == "scheduled announcement skipped"]
    assert (skipped.community, skipped.schedule, skipped.due) == (
        "demo",
        "evening",
        "2026-01-10T23:00:00+00:00",
    )
    assert (skipped.reason, skipped.minutes_late) == ("late", 31)
    [run] = [r for r in await repository.recent_runs(community="demo") if r.state is RunState.SKIPPED]
    assert run.detail == {"reason": "late", "minutes_late": 31}


async def test_days_of_backlog_post_only_the_newest(
    repository: Repository, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22))
    await run_until(scheduler(repository, FakeAnnouncer(clock), clock, cfg), clock, utc(2026, 1, 10, 23, 1))
    clock.now = utc(2026, 1, 15, 23, 10)  # down for five days
    announcer = FakeAnnouncer(clock)
    with caplog.at_level(logging.WARNING, logger="bot.services.scheduler"):
        await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 15, 23, 20))
    assert announcer.keys == keys(utc(2026, 1, 15, 23))
    [summary] = [r for r in caplog.records if r.getMessage().startswith("scheduled announcement")]
    assert (summary.getMessage(), summary.count, summary.first_due, summary.last_due) == (
        "scheduled announcements skipped",
        4,
        "2026-01-11T23:00:00+00:00",
        "2026-01-14T23:00:00+00:00",
    )
    got = await states(repository)
    assert got == {
        utc(2026, 1, 10, 23): RunState.POSTED,
        **{utc(2026, 1, day, 23): RunState.SKIPPED for day in range(11, 15)},
        utc(2026, 1, 15, 23): RunState.POSTED,
    }


async def test_two_schedulers_racing_on_one_database_post_once(
    database_url: str, repository: Repository, tmp_path: Path
) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    other = await Database.open(database_url)  # the second process's own connections
    try:
        announcers = [FakeAnnouncer(clock) for _ in range(6)]
        schedulers = [
            scheduler(repo, announcer, clock, cfg)
            for repo, announcer in zip([repository, Repository(other)] * 3, announcers, strict=True)
        ]
        await asyncio.gather(*(s.tick() for s in schedulers))  # all running before it is due
        clock.now = utc(2026, 1, 10, 23, 0, 1)
        await asyncio.gather(*(s.tick() for s in schedulers))
        await asyncio.gather(*(s.tick() for s in schedulers))
    finally:
        await other.close()
    assert [key for a in announcers for key in a.keys] == keys(utc(2026, 1, 10, 23))


async def test_two_communities_with_the_same_schedule_name_post_each_their_own(
    repository: Repository, tmp_path: Path
) -> None:
    path = tmp_path / "two.toml"
    path.write_text(
        "".join(
            f'[[communities]]\nslug = "{slug}"\nname = "{slug}"\n' + EVENING_NY for slug in ("one", "two")
        ),
        encoding="utf-8",
    )
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    announcer = FakeAnnouncer(clock)
    await run_until(
        scheduler(repository, announcer, clock, load_config(path)), clock, utc(2026, 1, 10, 23, 1)
    )
    due = utc(2026, 1, 10, 23)
    assert [(p.community, p.key) for p in announcer.posted] == [
        ("one", run_key("one", "evening", due)),
        ("two", run_key("two", "evening", due)),
    ]


async def test_explicit_times_are_posted_each_once(repository: Repository, tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        """
        [[communities.schedules]]
        name = "last-call"
        at = [2026-01-18T12:00:00-05:00, 2026-01-18T23:00:00-05:00, 2026-01-17T09:30:00+01:00]
        """,
    )
    clock = TimeMachine(utc(2026, 1, 17))
    announcer = FakeAnnouncer(clock)
    await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 20, 12))
    dues = [utc(2026, 1, 17, 8, 30), utc(2026, 1, 18, 17), utc(2026, 1, 19, 4)]
    assert announcer.keys == keys(*dues, name="last-call")
    assert [p.at for p in announcer.posted] == dues


async def test_until_and_the_deadline_end_a_daily_schedule(repository: Repository, tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        EVENING_NY
        + """
        [[communities.schedules]]
        name = "morning"
        daily = "09:00"
        timezone = "America/New_York"
        until = 2026-01-17T09:00:00-05:00
        """,
        deadline="2026-01-19T18:00:00-05:00",
    )
    clock = TimeMachine(utc(2026, 1, 16, 12))
    announcer = FakeAnnouncer(clock)
    await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 20, 12))
    # until is inclusive (09:00 on the 17th is posted); the deadline is not (18:00 on the 19th is not).
    assert sorted(announcer.keys) == sorted(
        keys(utc(2026, 1, 16, 14), utc(2026, 1, 17, 14), name="morning")
        + keys(utc(2026, 1, 16, 23), utc(2026, 1, 17, 23), utc(2026, 1, 18, 23))
    )
    assert clock.naps[-1] == 30.0  # nothing left to wait for: it only re-reads the config


async def test_occurrences_before_a_schedule_existed_are_not_missed(
    repository: Repository, tmp_path: Path
) -> None:
    clock = TimeMachine(utc(2026, 1, 10, 23, 20))  # added 20 minutes after today's 18:00 local
    announcer = FakeAnnouncer(clock)
    await run_until(
        scheduler(repository, announcer, clock, config(tmp_path, EVENING_NY)), clock, utc(2026, 1, 12)
    )
    assert announcer.keys == keys(utc(2026, 1, 11, 23))
    assert await states(repository) == {utc(2026, 1, 11, 23): RunState.POSTED}


async def test_a_claim_left_by_a_crash_is_not_posted_again_and_is_logged_once(
    repository: Repository, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = config(tmp_path, EVENING_NY)
    due = utc(2026, 1, 10, 23)
    await repository.claim_run(community="demo", schedule="evening", due_at=due, now=due)  # then it died
    clock = TimeMachine(due + timedelta(minutes=20))
    announcer = FakeAnnouncer(clock)
    with caplog.at_level(logging.WARNING, logger="bot.services.scheduler"):
        await run_until(scheduler(repository, announcer, clock, cfg), clock, due + timedelta(minutes=30))
    assert announcer.posted == []
    assert await states(repository) == {due: RunState.CLAIMED}
    stale = [r for r in caplog.records if "claimed but never finished" in r.getMessage()]
    assert [(r.schedule, r.due) for r in stale] == [("evening", due.isoformat())]


async def test_failures_are_recorded_with_their_reason(repository: Repository, tmp_path: Path) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22))
    announcer = FakeAnnouncer(clock, fail=True)
    assert await scheduler(repository, announcer, clock, cfg).tick() == []
    clock.now = utc(2026, 1, 10, 23)
    [run] = await scheduler(repository, announcer, clock, cfg).tick()
    assert (run.state, run.detail["error"]) == (RunState.FAILED, "exception")

    stored = await repository.recent_runs(community="demo")
    assert [(r.state, r.detail["error"]) for r in stored] == [(RunState.FAILED, "exception")]


async def test_with_no_publisher_yet_it_waits_within_grace(repository: Repository, tmp_path: Path) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    announcer = FakeAnnouncer(clock, names=())  # the Discord front has not connected yet
    sched = scheduler(repository, announcer, clock, cfg)
    assert await sched.tick() == []
    clock.now = utc(2026, 1, 10, 23)
    assert await sched.tick() == []
    assert await states(repository) == {}
    announcer.names = ("discord",)
    clock.now = utc(2026, 1, 10, 23, 10)
    [run] = await sched.tick()
    assert (run.state, announcer.keys) == (RunState.POSTED, keys(utc(2026, 1, 10, 23)))


async def test_a_reloaded_config_applies_at_the_next_pass(repository: Repository, tmp_path: Path) -> None:
    before, after = config(tmp_path, ""), config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 12))
    announcer = FakeAnnouncer(clock)
    reload_at = utc(2026, 1, 10, 22, 59, 50)  # ten seconds before the new schedule's first post

    def config_in_force() -> FerryConfig:
        return after if clock.now >= reload_at else before

    await run_until(scheduler(repository, announcer, clock, config_in_force), clock, utc(2026, 1, 10, 23, 1))
    assert announcer.keys == keys(utc(2026, 1, 10, 23))
    assert announcer.posted[0].at - utc(2026, 1, 10, 23) < timedelta(seconds=30)


async def test_a_grace_of_zero_posts_although_the_loop_wakes_late(
    repository: Repository, tmp_path: Path
) -> None:
    cfg = config(tmp_path, EVENING_NY + "grace_minutes = 0\n")
    clock = TimeMachine(utc(2026, 1, 10, 22, 50), oversleep=timedelta(milliseconds=7))
    announcer = FakeAnnouncer(clock)
    await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 11, 23, 1))
    assert announcer.keys == keys(utc(2026, 1, 10, 23), utc(2026, 1, 11, 23))


async def test_a_grace_of_zero_still_skips_a_post_missed_by_more_than_a_poll(
    repository: Repository, tmp_path: Path
) -> None:
    cfg = config(tmp_path, EVENING_NY + "grace_minutes = 0\n")
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    await scheduler(repository, FakeAnnouncer(clock), clock, cfg).tick()
    clock.now = utc(2026, 1, 10, 23, 1)
    announcer = FakeAnnouncer(clock)
    [run] = await scheduler(repository, announcer, clock, cfg).tick()
    assert (run.state, run.detail["reason"], announcer.posted) == (RunState.SKIPPED, "late", [])

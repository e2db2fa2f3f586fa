"""Scheduler retries: only passing failures, only the fronts that failed, with the first text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.models import RunState
from bot.services.scheduler import run_key
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


async def test_a_passing_failure_is_retried_with_the_same_key(repository: Repository, tmp_path: Path) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    announcer = FakeAnnouncer(clock, failures=["network", "rate_limited"])
    await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 10, 23, 10))
    due = utc(2026, 1, 10, 23)
    assert announcer.attempts == [
        (run_key("demo", "evening", due), due),
        (run_key("demo", "evening", due), due + timedelta(minutes=1)),
        (run_key("demo", "evening", due), due + timedelta(minutes=2)),
    ]
    assert announcer.keys == keys(due)
    [run] = await repository.recent_runs(community="demo")
    assert (run.state, run.detail["attempt"]) == (RunState.POSTED, 3)


async def test_retries_stop_at_a_lasting_failure_or_after_three_attempts(
    repository: Repository, tmp_path: Path
) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    lasting = FakeAnnouncer(clock, failures=["no_channel"])
    await run_until(scheduler(repository, lasting, clock, cfg), clock, utc(2026, 1, 10, 23, 30))
    assert len(lasting.attempts) == 1
    flaky = FakeAnnouncer(clock, failures=["network"] * 5)
    await run_until(scheduler(repository, flaky, clock, cfg), clock, utc(2026, 1, 11, 23, 30))
    assert len(flaky.attempts) == 3
    runs = await repository.recent_runs(community="demo")
    assert [(r.state, r.detail["attempt"], r.detail["retryable"]) for r in runs] == [
        (RunState.FAILED, 3, True),
        (RunState.FAILED, 1, False),
    ]


async def test_a_front_the_community_does_not_use_does_not_stop_a_retry(
    repository: Repository, tmp_path: Path
) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    announcer = FakeAnnouncer(
        clock, names=("discord", "bluesky"), failing={"discord": ["http"], "bluesky": ["disabled"] * 5}
    )
    await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 10, 23, 10))
    assert announcer.tried == [("discord", "bluesky"), ("discord",)]
    assert [p.publisher for p in announcer.posted] == ["discord"]
    [run] = await repository.recent_runs(community="demo")
    assert (run.state, run.detail["attempt"], run.detail["retryable"]) == (RunState.POSTED, 2, False)


async def test_only_the_front_that_failed_is_retried_with_the_first_text(
    repository: Repository, tmp_path: Path
) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    announcer = FakeAnnouncer(clock, names=("discord", "bluesky"), failing={"bluesky": ["network", "budget"]})
    await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 10, 23, 10))
    assert announcer.tried == [("discord", "bluesky"), ("bluesky",), ("bluesky",)]
    due = utc(2026, 1, 10, 23)
    assert [(p.publisher, p.key, p.text) for p in announcer.posted] == [
        ("discord", run_key("demo", "evening", due), "{message}|hello|1"),
        ("bluesky", run_key("demo", "evening", due), "{message}|hello|1"),
    ]
    assert announcer.composed == 1
    [run] = await repository.recent_runs(community="demo")
    assert (run.state, run.detail["attempt"], run.detail["retryable"]) == (RunState.POSTED, 3, False)
    assert [(d["publisher"], d["ok"]) for d in run.detail["deliveries"]] == [
        ("discord", True),
        ("bluesky", True),
    ]


async def test_a_front_still_failing_after_three_attempts_is_left_recorded(
    repository: Repository, tmp_path: Path
) -> None:
    cfg = config(tmp_path, EVENING_NY)
    clock = TimeMachine(utc(2026, 1, 10, 22, 50))
    announcer = FakeAnnouncer(clock, names=("discord", "bluesky"), failing={"bluesky": ["network"] * 9})
    await run_until(scheduler(repository, announcer, clock, cfg), clock, utc(2026, 1, 10, 23, 30))
    assert announcer.tried == [("discord", "bluesky"), ("bluesky",), ("bluesky",)]
    [run] = await repository.recent_runs(community="demo")
    assert (run.state, run.detail["retry"], run.detail["attempt"]) == (RunState.POSTED, ["bluesky"], 3)

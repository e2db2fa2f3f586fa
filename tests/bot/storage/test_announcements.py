"""Runs of scheduled announcements: one claim per occurrence, even when many callers race for it."""

from __future__ import annotations

import asyncio

from bot.models import RunState
from bot.storage.database import Database
from bot.storage.repository import Repository
from tests.bot.storage._helpers import COMMUNITY, T0, at


async def test_an_occurrence_is_claimed_once_then_finished_once(repository: Repository) -> None:
    key = {"community": COMMUNITY, "schedule": "evening", "due_at": at(0)}
    assert await repository.claim_run(**key, now=at(0))
    assert not await repository.claim_run(**key, now=at(1))
    assert not await repository.claim_run(**key, now=at(1), state=RunState.SKIPPED)
    done = {"deliveries": [{"publisher": "discord", "ok": True, "where": "123", "error": None}]}
    assert await repository.finish_run(**key, state=RunState.POSTED, detail=done, now=at(2))
    assert not await repository.finish_run(**key, state=RunState.FAILED, detail={}, now=at(3))
    [run] = await repository.recent_runs(community=COMMUNITY)
    assert (run.state, run.due_at, run.updated_at, run.detail) == (RunState.POSTED, at(0), at(2), done)


async def test_latest_and_recent_runs(repository: Repository) -> None:
    assert await repository.latest_run(community=COMMUNITY, schedule="evening") is None
    for minutes, state in [(0, RunState.SKIPPED), (60, RunState.CLAIMED), (30, RunState.SKIPPED)]:
        await repository.claim_run(
            community=COMMUNITY, schedule="evening", due_at=at(minutes), now=T0, state=state
        )
    await repository.claim_run(community=COMMUNITY, schedule="other", due_at=at(90), now=T0)
    await repository.claim_run(community="elsewhere", schedule="evening", due_at=at(120), now=T0)

    latest = await repository.latest_run(community=COMMUNITY, schedule="evening")
    assert latest is not None and (latest.due_at, latest.state) == (at(60), RunState.CLAIMED)
    runs = await repository.recent_runs(community=COMMUNITY, limit=3)
    assert [(r.schedule, r.due_at) for r in runs] == [
        ("other", at(90)),
        ("evening", at(60)),
        ("evening", at(30)),
    ]
    skipped = await repository.recent_runs(community=COMMUNITY, state=RunState.SKIPPED)
    assert [r.due_at for r in skipped] == [at(30), at(0)]
    assert skipped[0].detail == {}


async def test_racing_claims_from_two_pools_give_one_owner(database_url: str, repository: Repository) -> None:
    other = await Database.open(database_url)  # a second process's own pool on the same database
    try:
        repos = [repository, Repository(other)] * 10
        won = await asyncio.gather(
            *(r.claim_run(community=COMMUNITY, schedule="evening", due_at=T0, now=T0) for r in repos)
        )
    finally:
        await other.close()
    assert won.count(True) == 1


async def test_only_a_failed_run_is_claimed_again_and_by_one_caller(repository: Repository) -> None:
    key = {"community": COMMUNITY, "schedule": "evening", "due_at": at(0)}
    await repository.claim_run(**key, now=at(0))
    assert not await repository.retry_run(**key, now=at(1))  # still claimed: not failed
    await repository.finish_run(**key, state=RunState.FAILED, detail={"attempt": 1}, now=at(1))
    won = await asyncio.gather(*(repository.retry_run(**key, now=at(2)) for _ in range(5)))
    assert won.count(True) == 1
    latest = await repository.latest_run(community=COMMUNITY, schedule="evening")
    assert latest is not None and (latest.state, latest.updated_at) == (RunState.CLAIMED, at(2))

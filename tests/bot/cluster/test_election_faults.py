"""The elector when the database does not answer: it keeps what it knew, then lets go, and says so once."""

from __future__ import annotations

import logging

import pytest

from bot.cluster.election import FAILURE_LOG_EVERY, ElectionTiming, Elector, LeadershipLostError

TIMING = ElectionTiming(ttl=10.0, renew_every=2.0, retry_every=1.0, margin=2.0, call_timeout=3.0)


class FlakyStore:
    def __init__(self) -> None:
        self.down = False

    async def try_acquire(self, name: str, holder: str, ttl: float) -> int | None:
        if self.down:
            raise OSError("connection refused")
        return 5

    async def release(self, name: str, holder: str) -> None:
        return None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_an_unreachable_database_keeps_leadership_only_until_the_local_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock = FlakyStore(), Clock()
    elector = Elector(store, holder="a", timing=TIMING, monotonic=clock)
    await elector.campaign_once()
    assert elector.check() == 5
    store.down = True
    caplog.set_level(logging.INFO, logger="bot.cluster.election")
    for _ in range(FAILURE_LOG_EVERY + 1):
        await elector.campaign_once()
    clock.now += TIMING.ttl - TIMING.margin - 0.1
    assert elector.check() == 5, "still inside the last renewal's local deadline"
    clock.now += 0.2
    with pytest.raises(LeadershipLostError):
        elector.check()
    warnings = [r for r in caplog.records if r.getMessage() == "leader lease unreachable"]
    assert len(warnings) == 2, "the first failure and then once every FAILURE_LOG_EVERY, not every attempt"

    store.down = False
    await elector.campaign_once()
    assert elector.is_leader
    assert any(r.getMessage() == "leader lease reachable again" for r in caplog.records)

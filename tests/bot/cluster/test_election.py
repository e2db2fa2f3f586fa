"""The leader election on a real PostgreSQL: two contenders, a silently lost connection, clock jumps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from bot.cluster.election import ElectionTiming, Elector, LeadershipLostError
from bot.storage.cluster import ClusterStore
from bot.storage.database import Database
from tests.support.tcp_proxy import SilentProxy

pytestmark = pytest.mark.postgres

# Short enough to keep the tests quick, in the same proportions as the defaults.
FAST = ElectionTiming(ttl=2.0, renew_every=0.3, retry_every=0.2, margin=0.5, call_timeout=0.5)


@pytest.fixture
async def migrated(postgres_url: str) -> AsyncIterator[str]:
    async with await Database.open(postgres_url) as db:
        await db.upgrade()
    yield postgres_url


@pytest.fixture
async def store(migrated: str) -> AsyncIterator[ClusterStore]:
    async with await Database.open(migrated) as db:
        yield ClusterStore(db)


class FakeMonotonic:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


async def test_of_two_contenders_one_leads_and_the_other_takes_over_after_expiry(store: ClusterStore) -> None:
    a = Elector(store, holder="a", timing=FAST)
    b = Elector(store, holder="b", timing=FAST)
    await a.campaign_once()
    await b.campaign_once()
    assert a.is_leader and a.check() == 1
    assert not b.is_leader
    with pytest.raises(LeadershipLostError):
        b.check()

    # a stops renewing (crashed): b may take over only once the server's lease has run out.
    await asyncio.sleep(FAST.ttl - FAST.margin)
    assert not a.is_leader, "the local deadline passes before the lease expires on the server"
    await b.campaign_once()
    assert not b.is_leader, "the server's lease still holds"
    started = time.monotonic()
    while not b.is_leader:
        await b.campaign_once()
        await asyncio.sleep(0.05)
    assert time.monotonic() - started <= FAST.margin + 0.5
    assert b.check() == 2, "a change of holder bumps the fencing token"

    # a comes back: the database refuses it, and its check stays refused.
    await a.campaign_once()
    assert not a.is_leader
    with pytest.raises(LeadershipLostError):
        a.check()


async def test_two_running_contenders_never_lead_at_once_and_a_clean_stop_hands_over(
    store: ClusterStore,
) -> None:
    a = Elector(store, holder="a", timing=FAST)
    b = Elector(store, holder="b", timing=FAST)
    runs = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
    both = 0
    for _ in range(60):
        await asyncio.sleep(0.05)
        both += a.is_leader and b.is_leader
    assert both == 0
    assert a.is_leader != b.is_leader
    leader, follower, follower_run = (a, b, runs[1]) if a.is_leader else (b, a, runs[0])

    # A stopping leader releases the lease: the follower takes over at its next try, not after a ttl.
    (runs[0] if leader is a else runs[1]).cancel()
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await asyncio.wait_for(follower.wait_leader(), timeout=FAST.ttl)
    assert time.monotonic() - started < FAST.ttl - FAST.margin
    assert not leader.is_leader
    follower_run.cancel()
    await asyncio.gather(*runs, return_exceptions=True)


async def test_a_silently_lost_connection_steps_down_before_another_takes_over(migrated: str) -> None:
    url = make_url(migrated)
    proxy = SilentProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    try:
        async with (
            await Database.open(url.set(port=proxy.port).render_as_string(hide_password=False)) as cut,
            await Database.open(migrated) as direct,
        ):
            a = Elector(ClusterStore(cut), holder="a", timing=FAST)
            b = Elector(ClusterStore(direct), holder="b", timing=FAST)
            await a.campaign_once()
            assert a.is_leader
            proxy.freeze()  # no error, no close: the renewal simply never comes back
            a_task = asyncio.create_task(a.run())
            a_lost_at = None
            b_led_at = None
            started = time.monotonic()
            while b_led_at is None and time.monotonic() - started < 10:
                await b.campaign_once()
                now = time.monotonic()
                if a_lost_at is None and not a.is_leader:
                    a_lost_at = now
                if b.is_leader:
                    b_led_at = now
                await asyncio.sleep(0.05)
            assert a_lost_at is not None and b_led_at is not None
            assert a_lost_at < b_led_at, "the cut-off leader gave up before the new one started"
            with pytest.raises(LeadershipLostError):
                a.check()
            a_task.cancel()
            await asyncio.gather(a_task, return_exceptions=True)
    finally:
        await proxy.close()


async def test_a_frozen_leader_refuses_to_act_when_it_wakes(store: ClusterStore) -> None:
    # SIGSTOP, a VM pause or a long GC: the monotonic clock moves on while the process does not.
    clock = FakeMonotonic()
    a = Elector(store, holder="a", timing=FAST, monotonic=clock)
    await a.campaign_once()
    assert a.check() == 1
    clock.offset += 60.0
    with pytest.raises(LeadershipLostError):
        a.check()


async def test_a_follower_whose_clock_jumps_ahead_cannot_take_an_unexpired_lease(store: ClusterStore) -> None:
    a = Elector(store, holder="a", timing=FAST)
    clock = FakeMonotonic()
    b = Elector(store, holder="b", timing=FAST, monotonic=clock)
    await a.campaign_once()
    clock.offset += 3600.0  # b's host clock jumps an hour ahead
    await b.campaign_once()
    assert not b.is_leader, "the lease's expiry is the server's to judge"
    assert a.is_leader


def test_a_renewal_must_fit_inside_the_lease() -> None:
    with pytest.raises(ValueError, match="inside the lease"):
        ElectionTiming(ttl=3.0, renew_every=2.0, call_timeout=1.0, margin=0.5)

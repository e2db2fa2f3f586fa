"""Kept exports: one build per directory version, a limit on rebuilds only, bounded memory."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import RateLimitedError
from bot.models import Identity, IdentityKind
from bot.services.events import ChangeFeed, ChangeKind, DirectoryChange
from bot.services.export_cache import EXPORT, Export, ExportCache
from bot.services.ratelimit import Limit
from tests.support.services import Ticker


class Builder:
    """Counts builds; each returns a different file so a kept copy can be told from a new one."""

    def __init__(self, size: int = 10) -> None:
        self.builds = 0
        self.size = size
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> Export:
        self.builds += 1
        if self.gate is not None:
            await self.gate.wait()
        return Export(bytes([self.builds]) * self.size, self.builds)


def change(community: str) -> DirectoryChange:
    return DirectoryChange(
        kind=ChangeKind.ENTRY_ADDED,
        community=community,
        member_id=1,
        identities=(Identity(IdentityKind.DISCORD, "1"),),
    )


async def test_a_kept_copy_is_served_until_the_community_changes() -> None:
    feed, build = ChangeFeed(), Builder()
    cache = ExportCache(clock=Ticker())
    unfollow = cache.listen(feed)
    first = await cache.get("open", "csv", requester="a", build=build)
    assert await cache.get("open", "csv", requester="b", build=build) is first
    await feed.publish(change("other"))  # another community's change keeps this copy
    assert await cache.get("open", "csv", requester="a", build=build) is first
    await feed.publish(change("open"))
    fresh = await cache.get("open", "csv", requester="a", build=build)
    assert fresh.count == 2 and build.builds == 2
    unfollow()
    await feed.publish(change("open"))  # no longer followed: the copy stays
    assert await cache.get("open", "csv", requester="a", build=build) is fresh


async def test_copies_are_kept_per_variant_and_dropped_after_max_age() -> None:
    ticker, build = Ticker(), Builder()
    cache = ExportCache(max_age=60.0, clock=ticker)
    everyone = await cache.get("open", ("csv", None), requester="a", build=build)
    bluesky = await cache.get("open", ("csv", "bluesky"), requester="a", build=build)
    assert (everyone.count, bluesky.count) == (1, 2)
    ticker.t = 59.0
    assert await cache.get("open", ("csv", None), requester="a", build=build) is everyone
    ticker.t = 60.0  # another process may have changed the directory meanwhile
    assert (await cache.get("open", ("csv", None), requester="a", build=build)).count == 3


async def test_only_rebuilds_count_against_a_requester_and_the_refusal_says_when() -> None:
    ticker, build = Ticker(), Builder()
    cache = ExportCache(rebuilds=(Limit(2, 60.0),), clock=ticker)
    await cache.get("open", "q1", requester="a", build=build)
    ticker.t = 10.0
    await cache.get("open", "q2", requester="a", build=build)
    for _ in range(5):  # kept copies: free
        await cache.get("open", "q1", requester="a", build=build)
    with pytest.raises(RateLimitedError) as refused:
        await cache.get("open", "q3", requester="a", build=build)
    assert refused.value.action == EXPORT and refused.value.retry_after == pytest.approx(50.0)
    assert build.builds == 2  # a refused request read nothing
    await cache.get("open", "q3", requester="b", build=build)  # someone else's allowance
    await cache.get("other", "q3", requester="a", build=build)  # and per community
    ticker.t = 60.0
    await cache.get("open", "q4", requester="a", build=build)
    assert build.builds == 5


async def test_concurrent_requests_for_a_missing_copy_share_one_build() -> None:
    build = Builder()
    build.gate = asyncio.Event()
    cache = ExportCache(rebuilds=(Limit(1, 60.0),), clock=Ticker())
    waiting = [asyncio.create_task(cache.get("open", "csv", requester="a", build=build)) for _ in range(20)]
    await asyncio.sleep(0)
    build.gate.set()
    results = await asyncio.gather(*waiting)
    assert build.builds == 1 and all(r is results[0] for r in results)


async def test_a_failed_build_reaches_every_waiter_and_is_not_kept() -> None:
    cache = ExportCache(clock=Ticker())
    gate = asyncio.Event()

    async def broken() -> Export:
        await gate.wait()
        raise OSError("database gone")

    waiting = [asyncio.create_task(cache.get("open", "csv", requester="a", build=broken)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(o, OSError) for o in outcomes)
    build = Builder()
    assert (await cache.get("open", "csv", requester="a", build=build)).count == 1


async def test_a_waiter_builds_for_itself_when_the_reader_it_waited_for_leaves() -> None:
    build = Builder()
    build.gate = asyncio.Event()
    cache = ExportCache(clock=Ticker())
    leaving = asyncio.create_task(cache.get("open", "csv", requester="a", build=build))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(cache.get("open", "csv", requester="b", build=build))
    await asyncio.sleep(0)
    leaving.cancel()  # the first reader hung up mid-build
    await asyncio.sleep(0)
    build.gate.set()
    assert (await waiting).count == 2 and leaving.cancelled()


async def test_a_change_during_a_build_keeps_that_build_out_of_the_cache() -> None:
    build = Builder()
    build.gate = asyncio.Event()
    cache = ExportCache(clock=Ticker())
    task = asyncio.create_task(cache.get("open", "csv", requester="a", build=build))
    await asyncio.sleep(0)
    cache.invalidate("open")  # the file being written may already miss this change
    build.gate.set()
    await task
    build.gate = None
    assert (await cache.get("open", "csv", requester="a", build=build)).count == 2


async def test_memory_stays_within_the_byte_and_copy_caps() -> None:
    build = Builder(size=40)
    cache = ExportCache(max_bytes=100, max_copies=3, rebuilds=(), clock=Ticker())
    for n in range(3):  # 120 bytes: the least recently served copy, 0, goes
        await cache.get("open", n, requester="a", build=build)
    await cache.get("open", 1, requester="a", build=build)
    assert build.builds == 3
    await cache.get("open", 0, requester="a", build=build)  # rebuilt; 2 goes, 1 was served since
    await cache.get("open", 1, requester="a", build=build)
    assert build.builds == 4
    await cache.get("open", 2, requester="a", build=build)
    assert build.builds == 5
    huge = Builder(size=101)
    await cache.get("open", "huge", requester="a", build=huge)
    await cache.get("open", "huge", requester="a", build=huge)  # larger than the cap: never kept
    assert huge.builds == 2
    copies = ExportCache(max_copies=2, rebuilds=(), clock=Ticker())
    small = Builder(size=1)
    for n in (0, 1, 2, 0):
        await copies.get("open", n, requester="a", build=small)
    assert small.builds == 4  # three variants, two places: 0 was dropped for 2

"""Singleton work runs only while this process leads, and a fence stops a write the moment it may not."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

import pytest

from bot.cluster.election import LeadershipLostError
from bot.cluster.fence import FencedAnnouncer, FencedGateway
from bot.cluster.gate import run_while_leader
from bot.services.announcements import Announcement, Delivery


class Switch:
    """Leadership a test turns on and off."""

    def __init__(self) -> None:
        self._leads = asyncio.Event()
        self._follows = asyncio.Event()
        self._follows.set()

    @property
    def is_leader(self) -> bool:
        return self._leads.is_set()

    @is_leader.setter
    def is_leader(self, value: bool) -> None:
        (self._leads.set if value else self._leads.clear)()
        (self._follows.clear if value else self._follows.set)()

    def check(self) -> int:
        if not self.is_leader:
            raise LeadershipLostError("not leader")
        return 7

    async def wait_leader(self) -> None:
        await self._leads.wait()

    async def wait_lost(self) -> None:
        await self._follows.wait()


async def test_work_starts_with_each_term_and_is_cancelled_when_leadership_goes() -> None:
    switch = Switch()
    terms: list[str] = []
    running = asyncio.Event()

    async def work() -> None:
        terms.append("started")
        running.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            terms.append("cancelled")
            raise

    gate = asyncio.create_task(run_while_leader(switch, work, name="test"))
    await asyncio.sleep(0.05)
    assert terms == [], "a follower does not run the work"
    switch.is_leader = True
    await asyncio.wait_for(running.wait(), 1)
    running.clear()
    switch.is_leader = False
    await asyncio.sleep(0.05)
    assert terms == ["started", "cancelled"]
    switch.is_leader = True
    await asyncio.wait_for(running.wait(), 1)
    assert terms == ["started", "cancelled", "started"], "a new term starts fresh work"
    gate.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gate


async def test_a_fence_tripping_inside_the_work_ends_the_term_not_the_process() -> None:
    switch = Switch()
    switch.is_leader = True
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            switch.is_leader = False
            switch.check()
        await asyncio.Event().wait()

    gate = asyncio.create_task(run_while_leader(switch, work, name="test"))
    await asyncio.sleep(0.05)
    assert not gate.done()
    switch.is_leader = True
    await asyncio.sleep(0.05)
    assert calls == 2
    gate.cancel()
    await asyncio.gather(gate, return_exceptions=True)


async def test_another_error_of_the_work_propagates() -> None:
    switch = Switch()
    switch.is_leader = True

    async def work() -> None:
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError, match="broken"):
        await asyncio.wait_for(run_while_leader(switch, work, name="test"), 1)


class RecordingGateway:
    did = "did:plc:bot"

    def __init__(self) -> None:
        self.writes: list[str] = []

    async def create_record(self, collection: str, rkey: str, value: dict[str, Any]) -> str:
        self.writes.append(rkey)
        return rkey

    async def get_record(self, collection: str, rkey: str) -> None:
        return None


async def test_the_fenced_gateway_refuses_writes_but_not_reads_once_leadership_is_gone() -> None:
    switch = Switch()
    inner = RecordingGateway()
    gateway = FencedGateway(inner, switch)  # type: ignore[arg-type]
    switch.is_leader = True
    await gateway.create_record("app.bsky.feed.post", "3k1", {})
    switch.is_leader = False
    with pytest.raises(LeadershipLostError):
        await gateway.create_record("app.bsky.feed.post", "3k2", {})
    assert await gateway.get_record("app.bsky.feed.post", "3k2") is None
    assert inner.writes == ["3k1"]


class RecordingAnnouncer:
    def __init__(self) -> None:
        self.published: list[str] = []

    async def compose(self, community: str, message: str | None = None, template: str | None = None) -> Any:
        return community

    async def publish(
        self, announcement: Announcement, *, key: str, only: Collection[str] | None = None
    ) -> list[Delivery]:
        self.published.append(key)
        return []

    def publishers(self) -> tuple[str, ...]:
        return ("bluesky",)


async def test_the_fenced_announcer_refuses_to_publish_once_leadership_is_gone() -> None:
    switch = Switch()
    inner = RecordingAnnouncer()
    announcer = FencedAnnouncer(inner, switch)
    switch.is_leader = True
    await announcer.publish(await announcer.compose("movers"), key="run-1")
    switch.is_leader = False
    with pytest.raises(LeadershipLostError):
        await announcer.publish(await announcer.compose("movers"), key="run-2")
    assert inner.published == ["run-1"]
    assert announcer.publishers() == ("bluesky",)

"""Announcements made on a follower reach the leader's Bluesky publisher, once per key."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection

from bot.app import utc_now
from bot.cluster.relay import NO_ANSWER, RelayPublisher, RelayWorker
from bot.runner import LeaderOnly
from bot.services.announcements import Announcement, Delivery
from bot.storage.database import Database
from bot.storage.relay import RelayStore
from tests.bot.cluster.test_gate import Switch

ANNOUNCEMENT = Announcement(community="movers", text="We move on Friday: https://example.org", links=())


class LeaderPublishing:
    """The leader's announcement service, as far as the worker sees it."""

    def __init__(self, *, ok: bool = True, names: tuple[str, ...] = ("bluesky",)) -> None:
        self.ok = ok
        self.names = names
        self.calls: list[tuple[str, str, tuple[str, ...]]] = []

    async def publish(
        self, announcement: Announcement, *, key: str, only: Collection[str] | None = None
    ) -> list[Delivery]:
        self.calls.append((key, announcement.text, tuple(only or ())))
        error = None if self.ok else "rate_limited"
        where = "https://bsky.app/profile/did:plc:bot/post/3k" if self.ok else ""
        return [Delivery(publisher="bluesky", ok=self.ok, where=where, error=error)]

    def publishers(self) -> tuple[str, ...]:
        return self.names


def follower(database: Database, *, wait: float = 5.0) -> RelayPublisher:
    return RelayPublisher(
        "bluesky", RelayStore(database), parts_needed=lambda text: (1, 15), clock=utc_now, wait=wait
    )


async def answer_soon(worker: RelayWorker) -> None:
    """The leader's worker, a few passes until it has answered something."""
    for _ in range(100):
        if await worker.work_once():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("nothing to answer")


async def test_a_follower_announcement_is_published_by_the_leader_and_answered(database: Database) -> None:
    leader = LeaderPublishing()
    worker = RelayWorker(RelayStore(database), leader, clock=utc_now)
    delivery, _ = await asyncio.gather(
        follower(database).publish(ANNOUNCEMENT, key="k1"), answer_soon(worker)
    )
    assert delivery == Delivery(
        publisher="bluesky", ok=True, where="https://bsky.app/profile/did:plc:bot/post/3k", error=None
    )
    assert leader.calls == [("k1", ANNOUNCEMENT.text, ("bluesky",))]

    # The same key again (a double click, a retry): the answer stands, nothing is published twice.
    assert (await follower(database).publish(ANNOUNCEMENT, key="k1")).ok
    assert await worker.work_once() == 0
    assert len(leader.calls) == 1


async def test_a_failed_answer_is_asked_again_by_a_retry(database: Database) -> None:
    leader = LeaderPublishing(ok=False)
    worker = RelayWorker(RelayStore(database), leader, clock=utc_now)
    failed, _ = await asyncio.gather(follower(database).publish(ANNOUNCEMENT, key="k2"), answer_soon(worker))
    assert not failed.ok and failed.error == "rate_limited"
    leader.ok = True
    retried, _ = await asyncio.gather(follower(database).publish(ANNOUNCEMENT, key="k2"), answer_soon(worker))
    assert retried.ok
    assert [call[0] for call in leader.calls] == ["k2", "k2"]


async def test_no_answer_in_time_is_a_retryable_failure_and_the_leader_waits_for_its_front(
    database: Database,
) -> None:
    delivery = await follower(database, wait=0.3).publish(ANNOUNCEMENT, key="k3")
    assert not delivery.ok and delivery.error == NO_ANSWER and delivery.retryable
    connecting = LeaderPublishing(names=())  # the leader's Bluesky front has not connected yet
    worker = RelayWorker(RelayStore(database), connecting, clock=utc_now)
    assert await worker.work_once() == 0 and connecting.calls == []
    connecting.names = ("bluesky",)
    assert await worker.work_once() == 1


async def test_the_stand_in_is_registered_exactly_while_this_process_follows() -> None:
    switch = Switch()
    registered: list[str] = []
    term_started = asyncio.Event()

    def stand_in() -> Callable[[], None]:
        registered.append("relay")
        return lambda: registered.remove("relay")

    class Front:
        name = "bluesky"

        async def run(self) -> None:
            term_started.set()
            await asyncio.Event().wait()

    front = LeaderOnly("bluesky", switch, Front, stand_in)
    task = asyncio.create_task(front.run())
    await asyncio.sleep(0.02)
    assert registered == ["relay"]
    switch.is_leader = True
    await asyncio.wait_for(term_started.wait(), 1)
    assert registered == [], "the leader's own front publishes"
    switch.is_leader = False
    await asyncio.sleep(0.05)
    assert registered == ["relay"]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert registered == []

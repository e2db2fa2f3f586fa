"""Announcements made on a follower, for a publisher only the leader runs (Bluesky).

``/ferry announce`` reaches whichever process owns the server's Discord shard, but only the leader
holds the Bluesky session. On a follower a :class:`RelayPublisher` stands in under the publisher's
name: it writes the announcement to ``cluster_relay`` and waits for the answer, which the leader's
:class:`RelayWorker` gives after publishing through its own, real publisher. The announcement's key
travels with it, so the Bluesky post stays once-per-key however often it is relayed or retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta
from typing import Protocol

from bot.services.announcements import Announcement, Delivery, urls_in
from bot.storage.relay import RelayStore

log = logging.getLogger(__name__)

WAIT_SECONDS = 20.0  # how long a follower waits for the leader's answer (an admin is watching)
POLL_SECONDS = 0.5
WORK_SECONDS = 1.0  # how often the leader looks for requests
BATCH = 20
KEEP_ANSWERS = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)
# Told to the admin when no answer came in time: "could not be reached; try again later", which the
# same key makes safe (the leader may still post it; a retry then finds the post and adds none).
NO_ANSWER = "network"


class Publishing(Protocol):
    """What the worker needs of the leader's ``AnnouncementService``."""

    async def publish(
        self, announcement: Announcement, *, key: str, only: Collection[str] | None = None
    ) -> list[Delivery]: ...

    def publishers(self) -> tuple[str, ...]: ...


class RelayPublisher:
    """A follower's stand-in for the leader's publisher ``name``."""

    def __init__(
        self,
        name: str,
        store: RelayStore,
        *,
        parts_needed: Callable[[str], tuple[int, int]],
        clock: Callable[[], datetime],
        wait: float = WAIT_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._store = store
        self._parts_needed = parts_needed
        self._clock = clock
        self._wait = wait
        self._sleep = sleep
        self._monotonic = monotonic

    def parts_needed(self, text: str) -> tuple[int, int]:
        return self._parts_needed(text)

    async def publish(self, announcement: Announcement, *, key: str) -> Delivery:
        await self._store.request_relay(
            key, self.name, announcement.community, announcement.text, self._clock()
        )
        deadline = self._monotonic() + self._wait
        while True:
            row = await self._store.relay_row(key, self.name)
            if row is not None and row.state == "done":
                return Delivery(
                    publisher=self.name, ok=bool(row.ok), where=row.location or "", error=row.error
                )
            if self._monotonic() >= deadline:
                log.warning(
                    "relayed announcement not answered in time", extra={"key": key, "publisher": self.name}
                )
                return Delivery(publisher=self.name, ok=False, where="", error=NO_ANSWER)
            await self._sleep(POLL_SECONDS)


class RelayWorker:
    """On the leader: publishes what followers relayed, through the leader's own publishers."""

    def __init__(
        self,
        store: RelayStore,
        announcements: Publishing,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store = store
        self._announcements = announcements
        self._clock = clock
        self._sleep = sleep
        self._pruned: datetime | None = None

    async def run(self) -> None:
        while True:
            await self.work_once()
            await self._sleep(WORK_SECONDS)

    async def work_once(self) -> int:
        """Answer the pending requests whose publisher runs here now; how many were answered."""
        now = self._clock()
        if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
            await self._store.prune_relays(now - KEEP_ANSWERS)
            self._pruned = now
        available = set(self._announcements.publishers())
        answered = 0
        for row in await self._store.pending_relays(BATCH):
            if row.publisher not in available:
                continue  # its front is still connecting; the follower's wait covers a short gap
            announcement = Announcement(community=row.community, text=row.text, links=urls_in(row.text))
            for delivery in await self._announcements.publish(
                announcement, key=row.key, only=(row.publisher,)
            ):
                await self._store.answer_relay(
                    row.key,
                    row.publisher,
                    ok=delivery.ok,
                    location=delivery.where,
                    error=delivery.error,
                    now=self._clock(),
                )
                answered += 1
        return answered

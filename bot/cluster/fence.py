"""Fences: a superseded leader's writes stop at the door, checked just before each external write.

Checking is local (the elector's monotonic deadline, see ``election``), so it costs nothing and holds
while the database is unreachable. What a check cannot close, a write already on the wire when the
process froze, is closed by the write itself: Bluesky posts go to record keys chosen and stored
before the first attempt (an occupied key cannot take a second copy), and a schedule run is claimed
by its primary key before it is posted.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from bot.bluesky.gateway import Gateway, NotificationPage, Record, Write
from bot.cluster.election import Leadership
from bot.services.announcements import Announcement, Delivery
from bot.services.scheduler import Announcer


class FencedGateway:
    """A Bluesky gateway whose writes first check that this process still leads."""

    def __init__(self, inner: Gateway, leadership: Leadership) -> None:
        self._inner = inner
        self._leadership = leadership

    @property
    def did(self) -> str:
        return self._inner.did

    async def connect(self) -> None:
        await self._inner.connect()

    async def close(self) -> None:
        await self._inner.close()

    async def list_notifications(self, cursor: str | None, limit: int) -> NotificationPage:
        return await self._inner.list_notifications(cursor, limit)

    async def update_seen(self, seen_at: datetime) -> None:
        self._leadership.check()
        await self._inner.update_seen(seen_at)

    async def get_record(self, collection: str, rkey: str) -> Record | None:
        return await self._inner.get_record(collection, rkey)

    async def create_record(self, collection: str, rkey: str, value: dict[str, Any]) -> Record:
        self._leadership.check()
        return await self._inner.create_record(collection, rkey, value)

    async def upload_blob(self, data: bytes) -> dict[str, Any]:
        # Not a visible write, but it spends the shared write budget: only the leader uploads.
        self._leadership.check()
        return await self._inner.upload_blob(data)

    async def put_record(
        self, collection: str, rkey: str, value: dict[str, Any], swap_cid: str | None
    ) -> Record:
        self._leadership.check()
        return await self._inner.put_record(collection, rkey, value, swap_cid)

    async def list_records(self, collection: str) -> list[Record]:
        return await self._inner.list_records(collection)

    async def apply_writes(self, writes: Sequence[Write]) -> None:
        self._leadership.check()
        await self._inner.apply_writes(writes)


class FencedAnnouncer:
    """The scheduler's announcer, refusing to publish once this process may no longer lead."""

    def __init__(self, inner: Announcer, leadership: Leadership) -> None:
        self._inner = inner
        self._leadership = leadership

    async def compose(
        self, community: str, message: str | None = None, template: str | None = None
    ) -> Announcement:
        return await self._inner.compose(community, message, template)

    async def publish(
        self, announcement: Announcement, *, key: str, only: Collection[str] | None = None
    ) -> list[Delivery]:
        self._leadership.check()
        return await self._inner.publish(announcement, key=key, only=only)

    def publishers(self) -> tuple[str, ...]:
        return self._inner.publishers()

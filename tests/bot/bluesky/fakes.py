"""A fake Bluesky gateway that fails on demand, and a clock that only moves when slept on."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.bluesky.gateway import (
    GatewayError,
    Notice,
    NotificationPage,
    Record,
    StrongRef,
    TransientError,
    Write,
)

BOT_DID = "did:plc:ferrybotfake"


class FakeClock:
    """Time that passes only through :meth:`sleep` (and :meth:`advance`)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


class FakeGateway:
    """The bot's repository in memory, notifications from a list, and scripted failures.

    ``fail[method]`` is a queue of exceptions raised by the next calls of ``method``;
    ``fail_after_write`` raises after ``create_record`` has stored the record (a timeout whose
    request nevertheless reached the PDS).
    """

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self.notices: list[Notice] = []  # newest first, as listNotifications gives them
        self.records: dict[tuple[str, str], Record] = {}
        self.fail: dict[str, deque[GatewayError]] = {}
        self.fail_after_write: deque[GatewayError] = deque()
        self.calls: list[str] = []
        self.seen: list[datetime] = []
        self.connected = False
        self.closed = False
        self._cids = 0

    @property
    def did(self) -> str:
        return BOT_DID

    def _call(self, name: str) -> None:
        self.calls.append(name)
        queue = self.fail.get(name)
        if queue:
            raise queue.popleft()

    def mention(self, n: int, text: str, *, author: str = "did:plc:alice", **kw: Any) -> Notice:
        """Add a notification (newest first) whose text mentions the bot at its start."""
        handle = kw.pop("author_handle", "alice.test")
        body = f"@ferry.test {text}"
        notice = Notice(
            uri=f"at://{author}/app.bsky.feed.post/m{n:04d}",
            cid=f"cid-m{n}",
            reason=kw.pop("reason", "mention"),
            indexed_at=kw.pop("indexed_at", self._clock() - timedelta(seconds=1)),
            author_did=author,
            author_handle=handle,
            text=body,
            mention_spans=((0, len("@ferry.test"), BOT_DID),),
            **kw,
        )
        self.notices.insert(0, notice)
        return notice

    def posts(self) -> list[Record]:
        return [
            r for (collection, _), r in sorted(self.records.items()) if collection == "app.bsky.feed.post"
        ]

    async def connect(self) -> None:
        self._call("connect")
        self.connected = True

    async def close(self) -> None:
        self.closed = True

    async def list_notifications(self, cursor: str | None, limit: int) -> NotificationPage:
        self._call("list_notifications")
        start = int(cursor or 0)
        page = self.notices[start : start + limit]
        more = start + limit < len(self.notices)
        return NotificationPage(tuple(page), str(start + limit) if more else None)

    async def update_seen(self, seen_at: datetime) -> None:
        self._call("update_seen")
        self.seen.append(seen_at)

    async def get_record(self, collection: str, rkey: str) -> Record | None:
        self._call("get_record")
        return self.records.get((collection, rkey))

    def _store(self, collection: str, rkey: str, value: dict[str, Any]) -> Record:
        self._cids += 1
        record = Record(f"at://{BOT_DID}/{collection}/{rkey}", f"cid{self._cids}", value)
        self.records[(collection, rkey)] = record
        return record

    async def create_record(self, collection: str, rkey: str, value: dict[str, Any]) -> Record:
        self._call("create_record")
        if (collection, rkey) in self.records:
            raise TransientError("HTTP 500: There is already a value at key")  # what the PDS answers
        record = self._store(collection, rkey, value)
        if self.fail_after_write:
            raise self.fail_after_write.popleft()
        return record

    async def put_record(
        self, collection: str, rkey: str, value: dict[str, Any], swap_cid: str | None
    ) -> Record:
        self._call("put_record")
        return self._store(collection, rkey, value)

    async def list_records(self, collection: str) -> list[Record]:
        self._call("list_records")
        return [r for (c, _), r in sorted(self.records.items()) if c == collection]

    async def apply_writes(self, writes: Sequence[Write]) -> None:
        self._call("apply_writes")
        for w in writes:
            if w.value is None:
                self.records.pop((w.collection, w.rkey), None)
            else:
                self._store(w.collection, w.rkey, w.value)


def reply_refs(record: Record) -> tuple[StrongRef, StrongRef]:
    reply = record.value["reply"]
    return (
        StrongRef(reply["root"]["uri"], reply["root"]["cid"]),
        StrongRef(reply["parent"]["uri"], reply["parent"]["cid"]),
    )

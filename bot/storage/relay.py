"""The relay table: announcements a follower process hands to the leader, and the leader's answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from bot.storage._common import Store
from bot.storage._dialect import insert_ignoring_conflict
from bot.storage.tables import cluster_relay


@dataclass(frozen=True, slots=True)
class RelayRow:
    """One announcement for one publisher; ``ok`` is None until the leader answered."""

    key: str
    publisher: str
    community: str
    text: str
    state: str
    ok: bool | None
    location: str | None
    error: str | None


class RelayStore(Store):
    """Requests and answers; the key is the announcement's idempotency key, so a repeat is one row."""

    async def request_relay(self, key: str, publisher: str, community: str, text: str, now: datetime) -> None:
        """Ask the leader to publish; a failed earlier answer for this key is asked again, a success kept."""
        where = (cluster_relay.c.key == key, cluster_relay.c.publisher == publisher)
        async with self._db.transaction(write=True) as conn:
            values = {
                "key": key,
                "publisher": publisher,
                "community": community,
                "text": text,
                "state": "pending",
                "created_at": now,
                "updated_at": now,
            }
            inserted = await conn.execute(
                insert_ignoring_conflict(self._db.dialect, cluster_relay, values, on=("key", "publisher"))
            )
            if not inserted.rowcount:
                await conn.execute(
                    update(cluster_relay)
                    .where(*where, cluster_relay.c.state == "done", cluster_relay.c.ok.is_(False))
                    .values(state="pending", ok=None, error=None, updated_at=now)
                )

    async def relay_row(self, key: str, publisher: str) -> RelayRow | None:
        async with self._db.transaction() as conn:
            row = (
                await conn.execute(
                    select(cluster_relay).where(
                        cluster_relay.c.key == key, cluster_relay.c.publisher == publisher
                    )
                )
            ).one_or_none()
        return None if row is None else _row(row)

    async def pending_relays(self, limit: int) -> list[RelayRow]:
        """Unanswered requests, oldest first."""
        async with self._db.transaction() as conn:
            rows = (
                await conn.execute(
                    select(cluster_relay)
                    .where(cluster_relay.c.state == "pending")
                    .order_by(cluster_relay.c.created_at)
                    .limit(limit)
                )
            ).all()
        return [_row(row) for row in rows]

    async def answer_relay(
        self, key: str, publisher: str, *, ok: bool, location: str, error: str | None, now: datetime
    ) -> None:
        async with self._db.transaction(write=True) as conn:
            await conn.execute(
                update(cluster_relay)
                .where(cluster_relay.c.key == key, cluster_relay.c.publisher == publisher)
                .values(state="done", ok=ok, location=location, error=error, updated_at=now)
            )

    async def prune_relays(self, before: datetime) -> int:
        """Forget answered requests last touched before ``before``."""
        async with self._db.transaction(write=True) as conn:
            result = await conn.execute(
                delete(cluster_relay).where(
                    cluster_relay.c.state == "done", cluster_relay.c.updated_at < before
                )
            )
        return int(result.rowcount or 0)


def _row(row: Any) -> RelayRow:
    return RelayRow(
        key=row.key,
        publisher=row.publisher,
        community=row.community,
        text=row.text,
        state=row.state,
        ok=row.ok,
        location=row.location,
        error=row.error,
    )

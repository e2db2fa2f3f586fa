"""Counting shared by every process on one database: member rate-limit hits and IDENTIFY slots.

Both read the database's clock (``clock_timestamp()`` on PostgreSQL), so hosts whose clocks differ
still agree; on SQLite, one process by design, the local wall clock stands in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage._common import Store
from bot.storage._dialect import insert_ignoring_conflict
from bot.storage.tables import discord_identify_slots, rate_limit_hits

# Given each key's recent hit times (oldest first) and the time now, the seconds until all have room.
RoomCheck = Callable[[list[list[float]], float], float]
_hits = rate_limit_hits.c
HIT_RETENTION_S = 3600.0  # the longest member-limit window; older hits are deleted
# Old hits of every key are deleted by whoever counts next, so a member who stopped coming leaves
# nothing behind. On PostgreSQL rows another transaction is deleting are skipped (no waiting, no
# deadlock between members), a batch at a time; the table only ever holds about an hour of hits.
_PRUNE_PG = text(
    "DELETE FROM rate_limit_hits WHERE ctid IN "
    "(SELECT ctid FROM rate_limit_hits WHERE at <= :horizon LIMIT 500 FOR UPDATE SKIP LOCKED)"
)
HIT_RETENTION_S = 3600.0  # the longest member-limit window
_slots = discord_identify_slots.c


async def _now(conn: AsyncConnection) -> float:
    if conn.dialect.name == "postgresql":
        return float((await conn.execute(select(func.extract("epoch", func.clock_timestamp())))).scalar_one())
    return time.time()


async def _prune(conn: AsyncConnection, horizon: float) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(_PRUNE_PG, {"horizon": horizon})
    else:
        await conn.execute(delete(rate_limit_hits).where(_hits.at <= horizon))


class CoordinationStore(Store):
    """``rate_limit_hits`` and ``discord_identify_slots``."""

    async def hits_then_record(self, keys: Sequence[str], *, longest: float, room: RoomCheck) -> float:
        """Under a lock on ``keys``, read their hits within ``longest`` seconds and ask ``room`` how
        long to wait; when it says 0, record one hit per key now. Returns that wait.

        The transaction is committed asynchronously on PostgreSQL (``synchronous_commit = off``): a
        limit is a brake on floods, so losing the last hits in a server crash costs nothing, while
        waiting for the disk on every counted command would.
        """
        ordered = sorted(set(keys))
        async with self._db.transaction(write=True) as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SET LOCAL synchronous_commit = off"))
                # Sorted, so two processes locking overlapping keys cannot deadlock.
                for key in ordered:
                    await conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
            now = await _now(conn)
            await _prune(conn, now - max(longest, HIT_RETENTION_S))
            rows = await conn.execute(
                select(_hits.key, _hits.at)
                .where(_hits.key.in_(ordered), _hits.at > now - longest)
                .order_by(_hits.at)
            )
            times: dict[str, list[float]] = {key: [] for key in ordered}
            for row in rows:
                times[row.key].append(row.at)
            wait = room([times[key] for key in keys], now)
            if wait <= 0:
                await conn.execute(insert(rate_limit_hits), [{"key": key, "at": now} for key in ordered])
            return wait

    async def reserve_identify(self, bucket: int, *, interval: float) -> float:
        """Take the next IDENTIFY slot of ``bucket`` for this process; returns how many seconds to
        wait before identifying. Slots are ``interval`` apart across every process."""
        async with self._db.transaction(write=True) as conn:
            now = await _now(conn)
            await conn.execute(
                insert_ignoring_conflict(
                    self._db.dialect,
                    discord_identify_slots,
                    {"bucket": bucket, "next_at": now},
                    on=("bucket",),
                )
            )
            next_at = (
                await conn.execute(select(_slots.next_at).where(_slots.bucket == bucket).with_for_update())
            ).scalar_one()
            start = max(now, float(next_at))
            await conn.execute(
                update(discord_identify_slots).where(_slots.bucket == bucket).values(next_at=start + interval)
            )
            return start - now

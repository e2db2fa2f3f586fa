"""Counting shared by every process on one database: member rate-limit hits and IDENTIFY slots.

Both read the database's clock (``clock_timestamp()`` on PostgreSQL), so hosts whose clocks differ
still agree; on SQLite, one process by design, the local wall clock stands in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Float, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
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
# The outer query reads the clock after the inner one took every lock (in the array's order).
_LOCK_THEN_CLOCK_PG = text(
    "SELECT extract(epoch FROM clock_timestamp()) FROM ("
    "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest(CAST(:keys AS text[])) AS k"
    ") AS locked"
)
# The counting statements, built once with their values given at execution (a hot path: building
# a statement and its cache key costs more than a round trip on loopback).
_SET_ASYNC_COMMIT = func.set_config("synchronous_commit", "off", True)
_ASYNC_COMMIT = select(_SET_ASYNC_COMMIT)
_RECENT_HITS = (
    select(_hits.key, _hits.at)
    .where(_hits.key.in_(bindparam("keys", expanding=True)), _hits.at > bindparam("since"))
    .order_by(_hits.at)
)
_INSERT_HIT = insert(rate_limit_hits)
# On PostgreSQL (migration 0010): lock a key, then read the clock and the key's hits within a window
# in a fresh snapshot, as one array [now, hit, hit, ...]; a statement's look-ups can carry it.
_LOCKED_HITS = func.ferry_locked_hits(
    bindparam("hit_key"), bindparam("hit_window", type_=Float), type_=ARRAY(Float)
)
ACCOUNT_HITS_PG = _LOCKED_HITS.label("hits")
_KEY_HITS_PG = select(_LOCKED_HITS)
_slots = discord_identify_slots.c


async def _now(conn: AsyncConnection) -> float:
    if conn.dialect.name == "postgresql":
        return float((await conn.execute(select(func.extract("epoch", func.clock_timestamp())))).scalar_one())
    return time.time()


@dataclass(frozen=True, slots=True)
class Counting:
    """One member command to count in the shared log inside the transaction of the command itself
    (a registration), so that counting costs no transaction of its own.

    ``check`` is given each counted key's recent hits (oldest first) and the database's time, and
    raises when a window is full; ``member_key`` names the member's key once the member is known.
    """

    account_key: str
    member_key: Callable[[int], str]
    longest: float
    check: Callable[[list[list[float]], float], None]
    prune: bool  # this command also deletes old hits (the limiter says how often)


async def _lock_keys(conn: AsyncConnection, keys: Sequence[str]) -> float:
    """Take the keys' advisory locks, in the order given, then read the database clock: one
    statement. Every counter takes an account's key before its member's, so two processes locking
    overlapping keys cannot deadlock. Read the hits in a later statement: this one's snapshot was
    taken before it waited for the locks."""
    return float((await conn.execute(_LOCK_THEN_CLOCK_PG, {"keys": list(keys)})).scalar_one())


async def _recent_hits(conn: AsyncConnection, keys: Sequence[str], since: float) -> dict[str, list[float]]:
    """Each key's hits after ``since``, oldest first."""
    times: dict[str, list[float]] = {key: [] for key in keys}
    for row in await conn.execute(_RECENT_HITS, {"keys": list(keys), "since": since}):
        times[row.key].append(row.at)
    return times


async def _record_hits(conn: AsyncConnection, keys: Sequence[str], now: float) -> None:
    await conn.execute(_INSERT_HIT, [{"key": key, "at": now} for key in keys])


async def _prune_hits(conn: AsyncConnection, horizon: float) -> None:
    """Delete hits at or before ``horizon`` (see :data:`HIT_RETENTION_S`)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_PRUNE_PG, {"horizon": horizon})
    else:
        await conn.execute(delete(rate_limit_hits).where(_hits.at <= horizon))


class Tally:
    """A :class:`Counting` under way in the caller's write transaction.

    On PostgreSQL the caller's first statement carries :data:`ACCOUNT_HITS_PG` with :attr:`values`
    (the account's key locked, the clock and its hits read after the lock) and passes its answer to
    :meth:`begin`; on SQLite, whose one writer already excludes every other, :meth:`begin` reads them.
    """

    def __init__(self, counting: Counting) -> None:
        self.counting = counting
        self.now = 0.0
        self._times: dict[str, list[float]] = {}

    @property
    def values(self) -> dict[str, object]:
        """What :data:`ACCOUNT_HITS_PG` takes."""
        return {"hit_key": self.counting.account_key, "hit_window": self.counting.longest}

    async def begin(self, conn: AsyncConnection, locked: Sequence[float] | None) -> None:
        account, longest = self.counting.account_key, self.counting.longest
        if locked is not None:
            self.now, self._times[account] = locked[0], list(locked[1:])
        else:
            self.now = time.time()
            self._times.update(await _recent_hits(conn, [account], self.now - longest))
        if self.counting.prune:
            await _prune_hits(conn, self.now - max(longest, HIT_RETENTION_S))

    async def read(self, conn: AsyncConnection, key: str) -> None:
        """Count ``key`` (the member's) too: lock it, then read its hits."""
        since = self.now - self.counting.longest
        if conn.dialect.name == "postgresql":
            values = {"hit_key": key, "hit_window": self.counting.longest}
            locked = (await conn.execute(_KEY_HITS_PG, values)).scalar_one()
            self._times[key] = list(locked[1:])
        else:
            self._times.update(await _recent_hits(conn, [key], since))

    def check(self) -> None:
        """Raise (recording nothing) when a window is full."""
        self.counting.check(list(self._times.values()), self.now)

    @property
    def keys(self) -> list[str]:
        return list(self._times)

    async def record(self, conn: AsyncConnection) -> None:
        await _record_hits(conn, self.keys, self.now)


class CoordinationStore(Store):
    """``rate_limit_hits`` and ``discord_identify_slots``."""

    async def hits_then_record(
        self, keys: Sequence[str], *, longest: float, room: RoomCheck, prune: bool = False
    ) -> float:
        """Under a lock on ``keys``, read their hits within ``longest`` seconds and ask ``room`` how
        long to wait; when it says 0, record one hit per key now. Returns that wait. ``prune``
        also deletes old hits (reads ignore them anyway, so not every command needs to).

        The transaction is committed asynchronously on PostgreSQL (``synchronous_commit = off``): a
        limit is a brake on floods, so losing the last hits in a server crash costs nothing, while
        waiting for the disk on every counted command would.
        """
        async with self._db.transaction(write=True) as conn:
            pg = conn.dialect.name == "postgresql"
            if pg:
                await conn.execute(_ASYNC_COMMIT)
            now = await _lock_keys(conn, keys) if pg else time.time()
            if prune:
                await _prune_hits(conn, now - max(longest, HIT_RETENTION_S))
            times = await _recent_hits(conn, keys, now - longest)
            wait = room([times[key] for key in keys], now)
            if wait <= 0:
                await _record_hits(conn, keys, now)
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

"""Counting shared by every process on one database: member rate-limit hits and IDENTIFY slots.

Both read the database's clock (``clock_timestamp()`` on PostgreSQL), so hosts whose clocks differ
still agree; on SQLite, one process by design, the local wall clock stands in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage._common import MEMBER_OF_ACCOUNT, Store, account_values
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
_ASYNC_COMMIT_AND_MEMBER = select(_SET_ASYNC_COMMIT, MEMBER_OF_ACCOUNT)
_MEMBER = select(MEMBER_OF_ACCOUNT)
_RECENT_HITS = (
    select(_hits.key, _hits.at)
    .where(_hits.key.in_(bindparam("keys", expanding=True)), _hits.at > bindparam("since"))
    .order_by(_hits.at)
)
_INSERT_HIT = insert(rate_limit_hits)
PRUNE_EVERY = 20  # counted commands of one process per prune of old hits
_slots = discord_identify_slots.c


async def _now(conn: AsyncConnection) -> float:
    if conn.dialect.name == "postgresql":
        return float((await conn.execute(select(func.extract("epoch", func.clock_timestamp())))).scalar_one())
    return time.time()


@dataclass(frozen=True, slots=True)
class MemberKey:
    """An account whose member, if it has one, is counted too, under ``key(member_id)``."""

    community: str
    kind: str
    external_id: str
    key: Callable[[int], str]


async def _prepare(conn: AsyncConnection, member: MemberKey | None, *, asynchronous: bool) -> int | None:
    """The account's member id (or None), and on PostgreSQL ``synchronous_commit = off`` for this
    transaction: one statement."""
    if member is None:
        if asynchronous:
            await conn.execute(_ASYNC_COMMIT)
        return None
    statement = _ASYNC_COMMIT_AND_MEMBER if asynchronous else _MEMBER
    values = account_values(member.community, member.kind, member.external_id)
    row = (await conn.execute(statement, values)).one()
    member_id: int | None = row.member_id
    return member_id


async def _lock(conn: AsyncConnection, ordered: list[str]) -> float:
    """Take the keys' advisory locks (sorted, so two processes locking overlapping keys cannot
    deadlock), then read the database clock: one statement."""
    return float((await conn.execute(_LOCK_THEN_CLOCK_PG, {"keys": ordered})).scalar_one())


async def _prune(conn: AsyncConnection, horizon: float) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(_PRUNE_PG, {"horizon": horizon})
    else:
        await conn.execute(delete(rate_limit_hits).where(_hits.at <= horizon))


class CoordinationStore(Store):
    """``rate_limit_hits`` and ``discord_identify_slots``."""

    async def hits_then_record(
        self, keys: Sequence[str], *, longest: float, room: RoomCheck, member: MemberKey | None = None
    ) -> float:
        """Under a lock on ``keys``, read their hits within ``longest`` seconds and ask ``room`` how
        long to wait; when it says 0, record one hit per key now. Returns that wait.

        ``member`` adds the key of the member behind an account, looked up in the same transaction
        (a command counted before its member is known costs no transaction of its own).

        The transaction is committed asynchronously on PostgreSQL (``synchronous_commit = off``): a
        limit is a brake on floods, so losing the last hits in a server crash costs nothing, while
        waiting for the disk on every counted command would. Old hits are pruned by one counted
        command in :data:`PRUNE_EVERY` of this process (reads ignore them anyway), not by every one.
        """
        async with self._db.transaction(write=True) as conn:
            pg = conn.dialect.name == "postgresql"
            member_id = await _prepare(conn, member, asynchronous=pg)
            counted = (
                [*keys, member.key(member_id)] if member is not None and member_id is not None else [*keys]
            )
            ordered = sorted(set(counted))
            now = await _lock(conn, ordered) if pg else time.time()
            if self._due_for_pruning():
                await _prune(conn, now - max(longest, HIT_RETENTION_S))
            rows = await conn.execute(_RECENT_HITS, {"keys": ordered, "since": now - longest})
            times: dict[str, list[float]] = {key: [] for key in ordered}
            for row in rows:
                times[row.key].append(row.at)
            wait = room([times[key] for key in counted], now)
            if wait <= 0:
                await conn.execute(_INSERT_HIT, [{"key": key, "at": now} for key in ordered])
            return wait

    def _due_for_pruning(self) -> bool:
        """True for this store's first counted command and every PRUNE_EVERY-th after it."""
        done = getattr(self, "_hits_counted", 0)  # a mixin of Repository: no __init__ of its own
        self._hits_counted = done + 1
        return done % PRUNE_EVERY == 0

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

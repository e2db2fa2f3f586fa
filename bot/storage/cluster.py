"""The scale-out tables: the leader's lease and the registry of live processes.

Times that decide anything between processes (a lease's expiry, a heartbeat's age) are taken from
the PostgreSQL server's clock, never a process's: hosts disagree about the time, and a process
whose clock jumps must not extend or cut short anyone's lease. SQLite has one process, whose clock
is the only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage._common import Store
from bot.storage.tables import bsky_inbox, cluster_leases, cluster_processes

# One statement, so two contenders cannot both win: the row is taken when it is free or expired, or
# renewed by its holder. A change of holder bumps the token (the fencing token), a renewal keeps it.
_ACQUIRE = text(
    """
    INSERT INTO cluster_leases AS l (name, holder, token, acquired_at, expires_at)
    VALUES (:name, :holder, 1, now(), now() + make_interval(secs => :ttl))
    ON CONFLICT (name) DO UPDATE SET
        holder = EXCLUDED.holder,
        token = CASE WHEN l.holder = EXCLUDED.holder THEN l.token ELSE l.token + 1 END,
        acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END,
        expires_at = EXCLUDED.expires_at
    WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
    RETURNING l.token
    """
)


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a singleton lease, as the database says now."""

    name: str
    holder: str
    token: int
    acquired_at: datetime
    expires_in: timedelta  # negative once expired


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """What a process says about itself in the registry."""

    id: str
    host: str
    pid: int
    role: str
    shards: str | None
    version: str


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """A registry row with its heartbeat's age by the database's clock."""

    info: ProcessInfo
    started_at: datetime
    heartbeat_age: timedelta
    leader: bool


class ClusterStore(Store):
    """Leases and process heartbeats. Leases exist on PostgreSQL only (SQLite has one process)."""

    @property
    def dialect(self) -> str:
        return self._db.dialect

    async def try_acquire(self, name: str, holder: str, ttl: float) -> int | None:
        """Take or renew the lease ``name`` for ``ttl`` seconds; its token, or None if another holds it."""
        async with self._db.transaction() as conn:
            # A hung server must not hold a renewal past the lease it is renewing.
            await conn.execute(text("SET LOCAL statement_timeout = '2s'"))
            row = (await conn.execute(_ACQUIRE, {"name": name, "holder": holder, "ttl": ttl})).one_or_none()
        return None if row is None else int(row.token)

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up at once (a clean stop), so the next leader need not wait for its expiry."""
        async with self._db.transaction() as conn:
            await conn.execute(
                update(cluster_leases)
                .where(cluster_leases.c.name == name, cluster_leases.c.holder == holder)
                .values(expires_at=func.now() - timedelta(seconds=1))
            )

    async def lease(self, name: str) -> Lease | None:
        """The lease ``name`` as it stands, or None if nobody ever held it."""
        if self._db.dialect != "postgresql":
            return None
        async with self._db.transaction() as conn:
            row = (
                await conn.execute(
                    select(
                        cluster_leases.c.holder,
                        cluster_leases.c.token,
                        cluster_leases.c.acquired_at,
                        (cluster_leases.c.expires_at - func.now()).label("expires_in"),
                    ).where(cluster_leases.c.name == name)
                )
            ).one_or_none()
        if row is None:
            return None
        return Lease(name, row.holder, int(row.token), row.acquired_at, row.expires_in)

    async def heartbeat(self, process: ProcessInfo, *, leader: bool, now: datetime) -> None:
        """Insert or refresh this process's registry row."""
        async with self._db.transaction(write=True) as conn:
            stamp: Any = func.now() if self._db.dialect == "postgresql" else now
            values = {
                "id": process.id,
                "host": process.host,
                "pid": process.pid,
                "role": process.role,
                "shards": process.shards,
                "version": process.version,
                "started_at": stamp,
                "heartbeat_at": stamp,
                "leader": leader,
            }
            insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
            statement = insert(cluster_processes).values(values)
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[cluster_processes.c.id],
                    set_={"heartbeat_at": stamp, "leader": leader, "shards": process.shards},
                )
            )

    async def leave(self, process_id: str) -> None:
        """Remove this process's row (a clean stop)."""
        async with self._db.transaction(write=True) as conn:
            await conn.execute(delete(cluster_processes).where(cluster_processes.c.id == process_id))

    async def processes(self, now: datetime) -> list[ProcessRow]:
        """Every registered process, freshest heartbeat first."""
        async with self._db.transaction() as conn:
            return await _processes(conn, now, postgres=self._db.dialect == "postgresql")

    async def inbox_backlog(self) -> int:
        """Bluesky mentions recorded and not yet answered (pending or mid-reply)."""
        async with self._db.transaction() as conn:
            count = await conn.scalar(
                select(func.count()).where(bsky_inbox.c.state.in_(("pending", "replying")))
            )
        return int(count or 0)

    async def forget_processes(self, silent_for: timedelta, now: datetime) -> int:
        """Delete rows whose heartbeat is older than ``silent_for`` (processes killed without a goodbye)."""
        async with self._db.transaction(write=True) as conn:
            t = cluster_processes
            if self._db.dialect == "postgresql":
                stale = t.c.heartbeat_at < func.now() - silent_for
            else:
                stale = t.c.heartbeat_at < now - silent_for
            result = await conn.execute(delete(t).where(stale))
        return int(result.rowcount or 0)


async def _processes(conn: AsyncConnection, now: datetime, *, postgres: bool) -> list[ProcessRow]:
    t = cluster_processes
    reference = now
    if postgres:
        reference = (await conn.execute(select(func.now()))).scalar_one()
    rows = (await conn.execute(select(t).order_by(t.c.heartbeat_at.desc(), t.c.id))).all()
    out = []
    for row in rows:
        out.append(
            ProcessRow(
                info=ProcessInfo(row.id, row.host, row.pid, row.role, row.shards, row.version),
                started_at=row.started_at,
                heartbeat_age=reference - row.heartbeat_at,
                leader=bool(row.leader),
            )
        )
    return out

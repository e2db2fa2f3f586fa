"""Opening the database (SQLite or PostgreSQL), running transactions and applying migrations."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, nullcontext
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, QueuePool, StaticPool

from bot.storage._dialect import SQLITE_LOWER, python_lower
from bot.storage._sqlite_driver import one_hop_dbapi

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Applied to every new SQLite connection: these settings (except journal_mode) are per connection.
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers don't block the writer
    "PRAGMA synchronous=FULL",  # a commit survives power loss, not only an application crash
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",  # milliseconds to wait for another process's write lock
)

_WRITE_OPTION = "ferry_write"  # execution option that asks for BEGIN IMMEDIATE on SQLite
# pg_advisory_xact_lock key that serialises migrations between processes (ASCII "FERRYMIG").
MIGRATION_LOCK_KEY = 0x46455252594D4947


class SchemaTooNewError(Exception):
    """The database was migrated by a newer Ferry than this one; running on it could corrupt data."""


# SQLite file: connections in the pool. WAL lets readers work beside the one writer; writers of this
# process queue on an asyncio lock instead (see Database.transaction), never in SQLite's busy wait.
SQLITE_POOL_SIZE = 4
# PostgreSQL: connections each process keeps open (a long-running one opens them all at start-up, see
# Database.fill_pool). No extras beyond them:
# the pool closes an extra connection as soon as it is returned, so a burst served by extras pays a
# new connection (TCP, TLS negotiation, authentication) per command, costing more than waiting a
# few milliseconds for a pooled one. docs/scale-out.md counts a process's other connections against
# PostgreSQL's max_connections.
SERVER_POOL_SIZE = 15
SERVER_MAX_OVERFLOW = 0
# PostgreSQL: a pooled connection idle for longer than this is pinged before use, so one a server
# restart broke is replaced instead of failing a member's command; a busy bot never pays the ping.
IDLE_PING_AFTER_S = 30.0
_LAST_USED = "ferry_last_used"  # key in a pooled connection's info: monotonic time it was returned


class Database:
    """An async engine for one database, with Ferry's connection settings and migrations.

    Use :meth:`open` to build one and ``async with`` (or :meth:`close`) to release it: aiosqlite's
    worker thread keeps the process alive until the connection is closed.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # A StaticPool hands the same connection to everyone (SQLite :memory:); interleaved
        # transactions on it would collide, so they take turns.
        self._one_at_a_time = asyncio.Lock() if isinstance(engine.pool, StaticPool) else None
        # A SQLite file has one writer at a time: this process's writers take turns here, in order,
        # while readers use the other pooled connections.
        sqlite_file = engine.dialect.name == "sqlite" and self._one_at_a_time is None
        self._one_writer = asyncio.Lock() if sqlite_file else None

    @classmethod
    async def open(cls, url: str) -> Database:
        """Connect to ``url`` (``sqlite+aiosqlite:///path``, ``sqlite+aiosqlite:///:memory:`` or
        ``postgresql+asyncpg://...``) and check that the server answers, so start-up fails fast.
        """
        parsed = make_url(url)
        engine = _sqlite_engine(parsed) if parsed.get_backend_name() == "sqlite" else _server_engine(parsed)
        try:
            async with engine.connect():
                pass
        except BaseException:
            await engine.dispose()
            raise
        log.info("database opened: %s", engine.url.render_as_string(hide_password=True))
        return cls(engine)

    @property
    def engine(self) -> AsyncEngine:
        """The underlying SQLAlchemy engine."""
        return self._engine

    @property
    def one_writer(self) -> bool:
        """Whether this process's writers take turns on an asyncio lock (a SQLite file)."""
        return self._one_writer is not None

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @asynccontextmanager
    async def transaction(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """One transaction, committed on normal exit and rolled back on an exception.

        Keep it short and never await anything but SQL inside: on SQLite every other writer waits
        for this one. ``write=True`` takes SQLite's write lock at BEGIN, so a read-then-write
        transaction cannot fail half-way with "database is locked" because another process wrote in
        between; every transaction that writes must say so.
        """
        writers = self._one_writer if write else None
        async with self._one_at_a_time or writers or nullcontext(), self._engine.connect() as conn:
            if write:
                await conn.execution_options(**{_WRITE_OPTION: True})
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection on which every statement is its own transaction (PostgreSQL): for one
        statement that decides and writes everything itself, with no BEGIN and COMMIT round trips.
        It commits (durably) when it returns, or changes nothing when it fails."""
        if self._one_writer is not None or self._one_at_a_time is not None:
            raise RuntimeError("autocommit is for a server database, not SQLite")
        async with self._engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def fill_pool(self) -> int:
        """Open the connections the pool keeps (PostgreSQL), so a burst of commands right after
        start-up does not also pay for connecting; returns how many it now holds. Best effort: when
        the server refuses more (``max_connections`` during a rolling restart), the rest open when
        needed, as without this. A no-op on SQLite, whose connections are a file away. For ``ferry
        run``: a one-off command would open connections it never uses."""
        pool = self._engine.pool
        if self.dialect == "sqlite" or not isinstance(pool, QueuePool):
            return 0
        try:
            async with AsyncExitStack() as held:
                # Holding each one makes the pool open the next instead of handing the same one back.
                for _ in range(pool.size() - pool.checkedout()):
                    await held.enter_async_context(self._engine.connect())
        except (OSError, DBAPIError) as exc:
            log.warning(
                "database pool not filled, the rest open when needed: %s",
                exc,
                extra={"connections": pool.checkedin()},
            )
        else:
            log.info("database pool filled", extra={"connections": pool.checkedin()})
        return pool.checkedin()

    async def upgrade(self) -> None:
        """Apply every pending Alembic migration, in one transaction, exactly once across processes.

        On PostgreSQL the transaction first takes a transaction-level advisory lock, so of several
        processes started together one migrates and the others wait, then find nothing to do (each
        statement after the lock sees what the first committed). SQLite's ``BEGIN IMMEDIATE`` is the
        same guarantee. Raises :class:`SchemaTooNewError`, changing nothing, when the database is at a
        revision this code does not know.
        """
        async with self.transaction(write=True) as conn:
            if self.dialect == "postgresql":
                await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            await conn.run_sync(_run_upgrade)
        log.info("database schema at revision %s", await self.current_revision())

    async def current_revision(self) -> str | None:
        """The Alembic revision the schema is at, or None for an empty database."""
        async with self.transaction() as conn:
            return await conn.run_sync(_current_revision)

    async def close(self) -> None:
        """Close every pooled connection (and aiosqlite's worker thread)."""
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def alembic_config() -> Config:
    """An Alembic configuration built in code: the scripts ship inside the package, no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def _run_upgrade(connection: Connection) -> None:
    config = alembic_config()
    check_known_revision(_current_revision(connection), ScriptDirectory.from_config(config))
    config.attributes["connection"] = connection  # read by migrations/env.py
    command.upgrade(config, "head")


def check_known_revision(current: str | None, scripts: ScriptDirectory) -> None:
    """Raise :class:`SchemaTooNewError` when ``current`` is no revision of ``scripts``."""
    if current is None:
        return
    known = {script.revision for script in scripts.walk_revisions()}
    if current not in known:
        raise SchemaTooNewError(
            f"the database schema is at revision {current}, which this Ferry does not know: it was "
            "upgraded by a newer version. Run that version (or newer), or restore a backup; "
            "nothing was changed."
        )


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _server_engine(url: URL) -> AsyncEngine:
    # No pool_pre_ping: it costs a round trip on every checkout, i.e. on every transaction. A bot runs
    # for weeks and the server may restart under it, so connections idle for a while are pinged
    # instead (_ping_if_idle); one that broke under load fails its transaction and is replaced.
    engine = create_async_engine(url, pool_size=SERVER_POOL_SIZE, max_overflow=SERVER_MAX_OVERFLOW)
    event.listen(engine.sync_engine, "checkin", _note_last_use)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


def _note_last_use(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_LAST_USED] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    last_used = record.info.get(_LAST_USED)
    if last_used is None or time.monotonic() - last_used < IDLE_PING_AFTER_S:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        # The pool discards this connection and checks out (or opens) another.
        raise DisconnectionError("idle connection no longer answers") from exc


def _sqlite_engine(url: URL) -> AsyncEngine:
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        # Each new connection to :memory: would be a new, empty database: share one.
        engine = create_async_engine(url, poolclass=StaticPool, module=one_hop_dbapi())
    else:
        if not url.query.get("uri"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # LIFO: work that comes one transaction at a time stays on one warm connection (and thread).
        engine = create_async_engine(
            url,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=0,
            pool_use_lifo=True,
            module=one_hop_dbapi(),  # one event-loop turn per statement (see _sqlite_driver)
        )
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # The sqlite3 module's own transaction handling only BEGINs before DML, never for SELECT or DDL;
    # turn it off and let _on_sqlite_begin issue a real BEGIN for every SQLAlchemy transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()
    dbapi_connection.create_function(SQLITE_LOWER, 1, python_lower, deterministic=True)


def _on_sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE_OPTION) else "BEGIN")

"""SQLAlchemy's aiosqlite adapter with one thread hop per statement instead of up to four.

aiosqlite runs every sqlite3 call on the connection's own thread and hands each result back through
the event loop. SQLAlchemy's adapter makes four such calls per statement (open a cursor, execute,
fetch the rows, close it), and each waits its turn in the event loop: with a burst of Discord
commands in the loop, a registration's five statements took about twenty turns, which is what made
its answer slow (docs/benchmarks.md). Here a statement is one function run on that thread (open,
execute, fetch everything, close) and one turn of the loop. Rows are fetched at once, as
SQLAlchemy's adapter already does for every non-streaming cursor.

For a group-commit batch, :func:`run_inline` goes one step further: it runs a whole function of
statements on that thread, each executed directly, with no trip through the event loop at all.

It plugs in through ``create_async_engine(module=...)``, SQLAlchemy's documented way to swap the
DBAPI module of a dialect; only ``aiosqlite.Connection._execute`` (the one primitive every
aiosqlite method is built on) is used beyond the public API, and the dependency is pinned.
"""

from __future__ import annotations

import collections
import sqlite3
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")
_Description = tuple[tuple[Any, ...], ...] | None


class _Outcome:
    """What one statement left behind, read on the connection's thread."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.description: _Description = cursor.description
        self.rows: list[Any] = cursor.fetchall() if cursor.description else []
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> _Outcome:
    # Runs on aiosqlite's thread: the whole statement, so the event loop is visited once.
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        return _Outcome(cursor)
    finally:
        cursor.close()


class _OneHopCursor:
    """Stands in for an aiosqlite cursor in SQLAlchemy's adapter: the same coroutine methods, but
    only ``execute``/``executemany`` leave the event loop, once each."""

    __slots__ = ("_connection", "_outcome", "arraysize")

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._outcome: _Outcome | None = None
        self.arraysize = 1

    async def _call(self, many: bool, operation: str, parameters: Any) -> None:
        self._outcome = None
        raw = self._connection
        # aiosqlite's own primitive (untyped): run a function on the connection's thread.
        outcome = await raw._execute(lambda: _run(raw._conn, many, operation, parameters))  # type: ignore[no-untyped-call]
        self._outcome = outcome

    async def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> None:
        await self._call(False, operation, parameters)

    async def executemany(self, operation: str, parameters: Sequence[Any]) -> None:
        await self._call(True, operation, parameters)

    async def fetchall(self) -> list[Any]:
        return self._outcome.rows if self._outcome is not None else []

    async def close(self) -> None:
        # rowcount and lastrowid stay readable after a close, as with sqlite3; the rows, already
        # handed to SQLAlchemy, are let go.
        if self._outcome is not None:
            self._outcome.rows = []

    @property
    def description(self) -> _Description:
        return self._outcome.description if self._outcome is not None else None

    @property
    def rowcount(self) -> int:
        return self._outcome.rowcount if self._outcome is not None else -1

    @property
    def lastrowid(self) -> int | None:
        return self._outcome.lastrowid if self._outcome is not None else None


_inline = threading.local()  # ``active`` while run_inline's function runs on the connection's thread


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's cursor adapter over :class:`_OneHopCursor`: opening one costs no hop, and on
    the connection's own thread (:func:`run_inline`) a statement runs directly, with no hop at all."""

    __slots__ = ()

    def _make_new_cursor(self, connection: Any) -> Any:
        return _OneHopCursor(connection)

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        if not getattr(_inline, "active", False):
            return super().execute(operation, parameters)
        self._run_here(False, operation, parameters)
        return None

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        if not getattr(_inline, "active", False):
            return super().executemany(operation, seq_of_parameters)
        self._run_here(True, operation, seq_of_parameters)
        return None

    def close(self) -> None:
        if not getattr(_inline, "active", False):
            super().close()
        elif self._rows:
            self._rows.clear()

    def _run_here(self, many: bool, operation: str, parameters: Any) -> None:
        try:
            outcome = _run(self._connection._conn, many, operation, parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
            raise
        cursor = self._cursor
        assert isinstance(cursor, _OneHopCursor)  # made by _make_new_cursor
        cursor._outcome = outcome
        self._rows = collections.deque(outcome.rows)


async def run_inline(conn: AsyncConnection, fn: Callable[[Connection], T]) -> T:
    """Run ``fn`` with the connection's sync face on aiosqlite's own thread: every statement it
    executes costs no trip through the event loop. For a batch of writes that would otherwise visit
    a busy loop once per statement; ``fn`` must do nothing but execute statements."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, aiosqlite.Connection) or not isinstance(raw.dbapi_connection, OneHopConnection):
        raise TypeError("run_inline needs a SQLite engine made with one_hop_dbapi()")
    sync = conn.sync_connection
    assert sync is not None  # an open AsyncConnection

    def on_thread() -> T:
        _inline.active = True
        try:
            return fn(sync)
        finally:
            _inline.active = False

    result: T = await driver._execute(on_thread)
    return result


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection adapter, handing out :class:`OneHopCursor`."""

    __slots__ = ()
    _cursor_cls = OneHopCursor


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for ``create_async_engine(module=...)``."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> OneHopDbapi:
    """A fresh adapter module (it holds no state of its own but the two driver modules)."""
    driver: ModuleType = aiosqlite
    return OneHopDbapi(driver, sqlite3)

"""Group commit for a SQLite file: writes that arrive together share one transaction and one fsync.

SQLite has one writer at a time, so concurrent registrations queue anyway; each paying its own
BEGIN, COMMIT and fsync is what makes a burst slow. Here the first caller starts a writer task; the
callers arriving while its transaction runs are taken together by the next one. Nothing waits on a
timer: a lone caller is written at once.

Each item runs as a step of the shared transaction. A step that refuses its item with a domain error
(:class:`~bot.errors.FerryError`) must leave nothing of that item behind, and the others go on. Any
other failure, or a failed commit, rolls the whole batch back, and each item is then tried again in a
transaction of its own, so one bad item never fails its neighbours. Every caller gets its answer only
after the commit that holds its write: an answer is never sent for a write that could still be lost.

The steps of a batch run on the SQLite connection's own thread (``_sqlite_driver.run_inline``), one
after the other with no trip through the event loop between statements: in a burst the loop is
busy with the very commands being answered, and waiting for it once per statement was most of a
batch's time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable

from bot.errors import FerryError
from bot.storage._sqlite_driver import run_inline
from bot.storage.database import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 64  # items per transaction: bounds how long the write lock is held at once


@dataclass(slots=True)
class _Waiting(Generic[T, R]):
    item: T
    answer: asyncio.Future[R]


class GroupCommit(Generic[T, R]):
    """Runs ``step`` for items in shared write transactions; ``alone`` runs one item by itself."""

    def __init__(
        self,
        database: Database,
        step: Callable[[AsyncConnection, T], Coroutine[Any, Any, R]],
        alone: Callable[[T], Awaitable[R]],
    ) -> None:
        self._db = database
        # Every SQLite engine is made with the one-hop driver, which can run a batch on its thread.
        self._inline = database.dialect == "sqlite"
        self._step = step
        self._alone = alone
        self._queue: list[_Waiting[T, R]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Write ``item`` with whatever else is waiting; returns once its transaction committed."""
        answer: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(item, answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        # Shielded: a caller giving up (a cancelled command) must not cancel the others' commit.
        return await asyncio.shield(answer)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                await self._run(batch)
            except BaseException as exc:  # never leave a caller waiting forever
                for waiting in batch:
                    _settle(waiting.answer, error=exc)
                if not isinstance(exc, Exception):
                    raise

    async def _async_step(self, conn: AsyncConnection, item: T) -> tuple[R | None, FerryError | None]:
        try:
            return await self._step(conn, item), None
        except FerryError as refused:
            return None, refused

    def _inline_step(self, sync: Connection, item: T) -> tuple[R | None, FerryError | None]:
        # Steps are written against an AsyncConnection; inline they get one that only executes.
        conn = cast(AsyncConnection, _InlineConnection(sync))
        try:
            return _run_now(self._step(conn, item)), None
        except FerryError as refused:
            return None, refused

    async def _run(self, batch: list[_Waiting[T, R]]) -> None:
        try:
            async with self._db.transaction(write=True) as conn:
                # The whole batch runs on the database connection's thread, each step's statements
                # straight after each other: none waits for a turn of the (busy) event loop.
                items = [waiting.item for waiting in batch]
                if self._inline:
                    outcomes = await run_inline(
                        conn, lambda sync: [self._inline_step(sync, item) for item in items]
                    )
                else:  # another engine (the tests run the mechanism on PostgreSQL too)
                    outcomes = [await self._async_step(conn, item) for item in items]
        except Exception:
            if len(batch) == 1:
                raise
            log.warning("a batched write failed; writing its %d items one by one", len(batch), exc_info=True)
            for waiting in batch:
                try:
                    _settle(waiting.answer, result=await self._alone(waiting.item))
                except Exception as exc:  # noqa: BLE001 - not swallowed: handed to the caller
                    _settle(waiting.answer, error=exc)
            return
        for waiting, (result, error) in zip(batch, outcomes, strict=True):  # after the commit
            if error is not None:
                _settle(waiting.answer, error=error)
            else:
                _settle(waiting.answer, result=result)


def _run_now(step: Coroutine[Any, Any, R]) -> R:
    """Drive a coroutine that never suspends (it only awaits statements run inline) to its end."""
    try:
        step.send(None)
    except StopIteration as done:
        result: R = done.value
        return result
    step.close()
    raise RuntimeError("a batched step awaited something other than a statement")


class _InlineConnection:
    """What a step sees of the connection when run inline: ``execute``, as a coroutine that
    completes without suspending (the statement runs right here, on the connection's thread)."""

    def __init__(self, sync: Connection) -> None:
        self._sync = sync
        self.dialect = sync.dialect

    async def execute(self, statement: Executable, parameters: Any = None) -> Any:
        return self._sync.execute(statement, parameters)


def _settle(
    answer: asyncio.Future[R], *, result: R | None = None, error: BaseException | None = None
) -> None:
    if answer.done():
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(result)  # type: ignore[arg-type]

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
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import FerryError
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
        step: Callable[[AsyncConnection, T], Awaitable[R]],
        alone: Callable[[T], Awaitable[R]],
    ) -> None:
        self._db = database
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

    async def _run(self, batch: list[_Waiting[T, R]]) -> None:
        outcomes: list[tuple[R | None, FerryError | None]] = []
        try:
            async with self._db.transaction(write=True) as conn:
                for waiting in batch:
                    try:
                        outcomes.append((await self._step(conn, waiting.item), None))
                    except FerryError as refused:
                        outcomes.append((None, refused))
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
        for waiting, (result, error) in zip(batch, outcomes, strict=True):
            if error is not None:
                _settle(waiting.answer, error=error)
            else:
                _settle(waiting.answer, result=result)


def _settle(
    answer: asyncio.Future[R], *, result: R | None = None, error: BaseException | None = None
) -> None:
    if answer.done():
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(result)  # type: ignore[arg-type]

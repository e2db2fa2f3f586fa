"""Group commit: items arriving together share a transaction, and one bad item fails only itself."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import FerryError
from bot.storage._batch import GroupCommit
from bot.storage.database import Database
from bot.storage.tables import kv_state
from tests.bot.storage._helpers import T0

REFUSED = 3  # refused with a domain error: its write must not stay
BROKEN = 5  # fails unexpectedly inside the shared transaction: the batch is redone one by one


async def _write(conn: AsyncConnection, item: int) -> int:
    await conn.execute(insert(kv_state).values(key=f"k{item}", value="v", updated_at=T0))
    if item == REFUSED:
        raise FerryError("refused")
    return item


async def test_items_share_commits_and_fail_alone(database: Database) -> None:
    attempts: dict[int, int] = {}

    async def step(conn: AsyncConnection, item: int) -> int:
        attempts[item] = attempts.get(item, 0) + 1
        if item == REFUSED:  # a refusal leaves nothing behind, as the registration step does
            raise FerryError("refused")
        if item == BROKEN:
            raise RuntimeError("broken")
        return await _write(conn, item)

    async def alone(item: int) -> int:
        async with database.transaction(write=True) as conn:
            return await step(conn, item)

    commits = 0

    def on_commit(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    group: GroupCommit[int, int] = GroupCommit(database, step, alone)
    event.listen(database.engine.sync_engine, "commit", on_commit)
    try:
        results = await asyncio.gather(*(group.submit(i) for i in range(12)), return_exceptions=True)
    finally:
        event.remove(database.engine.sync_engine, "commit", on_commit)
    assert [r for r in results if isinstance(r, int)] == [i for i in range(12) if i not in (REFUSED, BROKEN)]
    assert isinstance(results[REFUSED], FerryError)
    assert isinstance(results[BROKEN], RuntimeError)
    async with database.transaction() as conn:
        keys = set((await conn.execute(select(kv_state.c.key))).scalars())
    assert keys == {f"k{i}" for i in range(12) if i not in (REFUSED, BROKEN)}
    assert max(attempts.values()) >= 2, "the broken batch was redone item by item"
    # The first item is written alone; the eleven that queued behind it share far fewer commits.
    assert commits < 12


@pytest.mark.parametrize("cancel_at", [0, 4])
async def test_a_caller_giving_up_does_not_cancel_the_others(database: Database, cancel_at: int) -> None:
    async def alone(item: int) -> int:
        async with database.transaction(write=True) as conn:
            return await _write(conn, item)

    group: GroupCommit[int, int] = GroupCommit(database, _write, alone)
    tasks = [asyncio.create_task(group.submit(i)) for i in (10, 11, 12, 13, 14)]
    await asyncio.sleep(0)
    tasks[cancel_at].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert sum(isinstance(r, int) for r in results) == 4
    async with database.transaction() as conn:
        keys = set((await conn.execute(select(kv_state.c.key))).scalars())
    assert {f"k{i}" for i in (10, 11, 12, 13, 14)} - keys <= {f"k{10 + cancel_at}"}


async def test_a_sqlite_batch_runs_off_the_event_loop_thread(database: Database, dialect: str) -> None:
    """On SQLite the steps run on the connection's own thread (no event-loop turn per statement);
    elsewhere on the loop, as plain coroutines."""
    import threading

    threads: set[int] = set()

    async def step(conn: AsyncConnection, item: int) -> int:
        threads.add(threading.get_ident())
        return await _write(conn, item)

    async def alone(item: int) -> int:
        async with database.transaction(write=True) as conn:
            return await step(conn, item)

    group: GroupCommit[int, int] = GroupCommit(database, step, alone)
    assert await asyncio.gather(*(group.submit(i) for i in (20, 21, 22))) == [20, 21, 22]
    on_loop = threading.get_ident() in threads
    assert on_loop is (dialect != "sqlite")


async def test_a_step_that_awaits_anything_but_a_statement_is_refused_on_sqlite(tmp_path: Path) -> None:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'batch.db'}")
    await database.upgrade()

    async def step(conn: AsyncConnection, item: int) -> int:
        await asyncio.sleep(0)  # would need the event loop, which the connection's thread has not
        return await _write(conn, item)

    async def alone(item: int) -> int:
        async with database.transaction(write=True) as conn:
            return await _write(conn, item)

    group: GroupCommit[int, int] = GroupCommit(database, step, alone)
    try:
        # Two items, so the batch fails as a whole and each is written alone instead: nothing is lost.
        assert await asyncio.gather(group.submit(30), group.submit(31)) == [30, 31]
    finally:
        await database.close()

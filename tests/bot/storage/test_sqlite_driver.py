"""The SQLite driver adapter: one trip to aiosqlite's thread per statement, results as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage.database import Database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Any:
    async with await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}") as database:
        yield database


async def test_a_statement_visits_the_connection_thread_once(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = 0
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await original(self, fn, *args, **kwargs)

    async with sqlite_db.transaction(write=True) as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        rows = (await conn.execute(text("SELECT 1 UNION ALL SELECT 2"))).scalars().all()
        assert rows == [1, 2]
        assert trips == 1  # SQLAlchemy's own adapter made four: cursor, execute, fetchall, close
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}, {"v": "c"}])
        assert trips == 2  # executemany too


async def test_results_rowcounts_and_errors_are_those_of_the_driver(sqlite_db: Database) -> None:
    async with sqlite_db.transaction(write=True) as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a') RETURNING id"))
        assert inserted.scalar_one() == 1
        plain = await conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
        assert plain.lastrowid == 2
        await conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
        changed = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
        assert changed.rowcount == 2
        assert (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all() == ["a", "b!", "c!"]
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        # The failed statement is undone alone; the transaction and the connection carry on.
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 3

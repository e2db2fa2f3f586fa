"""Opening databases: SQLite settings on every connection, durability, transactions, secrets in logs."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.models import Visibility
from bot.storage.database import SERVER_POOL_SIZE, SQLITE_POOL_SIZE, Database
from bot.storage.repository import Repository
from bot.storage.tables import kv_state
from tests.bot.storage._helpers import COMMUNITY, T0, add_member, register
from tests.bot.storage.test_migrations import HEAD

ROOT = Path(__file__).resolve().parents[3]

# Commits a registration, then dies by SIGKILL: no close(), no checkpoint, no atexit.
CRASHING_WRITER = """
import asyncio, os, signal, sys
from datetime import UTC, datetime
from bot.models import Identity, IdentityKind, Source, Verification
from bot.storage import Database, Repository

async def main(url):
    db = await Database.open(url)
    await db.upgrade()
    repo = Repository(db)
    now = datetime(2025, 1, 19, tzinfo=UTC)
    member = await repo.ensure_member(
        community="c", identity=Identity(IdentityKind.DISCORD, "1"), display_name="Ana", now=now
    )
    await repo.upsert_entry(
        member_id=member.id, community="c", platform="instagram", handle="ana", handle_key="ana",
        visibility=None, verification=Verification.SELF_REPORTED, source=Source.DISCORD,
        now=now, actor="member",
    )
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main(sys.argv[1]))
"""


async def sqlite_settings(db: Database) -> dict[str, object]:
    async with db.transaction() as conn:
        return {
            name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }


async def test_sqlite_file_settings_apply_to_every_connection(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    async with await Database.open(f"sqlite+aiosqlite:///{path}") as db:
        assert path.parent.is_dir()
        expected = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 5000}
        assert await sqlite_settings(db) == expected
        await db.engine.dispose()  # the next transaction gets a brand-new connection
        assert await sqlite_settings(db) == expected
        assert db.engine.pool.size() == SQLITE_POOL_SIZE, "readers beside the one writer"


async def test_sqlite_in_memory_is_one_shared_database() -> None:
    async with await Database.open("sqlite+aiosqlite:///:memory:") as db:
        await db.upgrade()
        repo = Repository(db)
        member = await add_member(repo, "Ana")
        await register(repo, member, "instagram", "ana")
        assert [e.handle for e in await repo.list_entries(member.id)] == ["ana"]
        assert await db.current_revision() == HEAD


async def test_sqlite_in_memory_takes_concurrent_callers_in_turn() -> None:
    async with await Database.open("sqlite+aiosqlite:///:memory:") as db:
        await db.upgrade()
        repo = Repository(db)
        members = await asyncio.gather(*(add_member(repo, f"m{i % 5}") for i in range(20)))
        await asyncio.gather(*(register(repo, m, "instagram", f"h{m.id}") for m in members))
        assert len({m.id for m in members}) == 5
        assert await repo.count_entries(community=COMMUNITY, visibilities=frozenset(Visibility)) == 5


async def test_committed_write_survives_close_and_reopen(database_url: str) -> None:
    async with await Database.open(database_url) as db:
        await db.upgrade()
        member = await add_member(Repository(db), "Ana")
        await register(Repository(db), member, "instagram", "ana")
    async with await Database.open(database_url) as db:
        assert [e.handle for e in await Repository(db).list_entries(member.id)] == ["ana"]


async def test_committed_write_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    url = f"sqlite+aiosqlite:///{path}"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRASHING_WRITER, url, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(child.communicate(), timeout=60)
    assert child.returncode == -signal.SIGKILL, stderr.decode()
    assert path.with_name("crash.db-wal").exists(), "the commit was still in the WAL, not checkpointed"
    async with await Database.open(url) as db:
        async with db.transaction() as conn:
            assert (await conn.exec_driver_sql("PRAGMA integrity_check")).scalar() == "ok"
        entry = await Repository(db).find_entry_by_handle(
            community="c", platform="instagram", handle_key="ana"
        )
    assert entry is not None
    assert entry.member_name == "Ana"


async def test_a_failed_transaction_leaves_nothing(database: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with database.transaction(write=True) as conn:
            await conn.execute(insert(kv_state).values(key="k", value="v", updated_at=T0))
            raise RuntimeError("boom")
    async with database.transaction() as conn:
        assert (await conn.execute(select(kv_state))).all() == []


async def test_timestamps_sort_as_text_on_sqlite(database: Database, dialect: str) -> None:
    repo = Repository(database)
    await repo.set_state("k", "v", T0)
    async with database.transaction() as conn:
        raw = (await conn.execute(text("SELECT updated_at FROM kv_state"))).scalar_one()
    if dialect == "sqlite":
        assert raw == "2025-01-19T12:00:00.000000+00:00"  # fixed width: text order is time order
    else:
        assert raw == T0


async def test_the_password_never_reaches_the_log(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":  # the test server trusts local connections
        url = url.set(password="hunter2-secret")
    caplog.set_level(logging.INFO, logger="bot.storage")
    async with await Database.open(url.render_as_string(hide_password=False)):
        pass
    assert "database opened" in caplog.text
    assert "hunter2" not in caplog.text


async def test_open_fails_fast_when_the_server_is_unreachable() -> None:
    with pytest.raises((OSError, DBAPIError)):
        await asyncio.wait_for(Database.open("postgresql+asyncpg://ferry@127.0.0.1:1/ferry"), timeout=30)


async def test_filling_the_pool_opens_every_kept_connection_once(database: Database, dialect: str) -> None:
    opened: list[object] = []
    event.listen(database.engine.sync_engine, "connect", lambda conn, _record: opened.append(conn))
    if dialect == "sqlite":
        assert await database.fill_pool() == 0
        assert opened == []  # a file is no server: nothing to open ahead
        return
    assert await database.fill_pool() == SERVER_POOL_SIZE
    assert len(opened) == SERVER_POOL_SIZE - 1  # open() tried one, already in the pool
    assert await database.fill_pool() == SERVER_POOL_SIZE
    first = len(opened)

    async def busy() -> None:
        async with database.transaction() as conn:
            await conn.exec_driver_sql("SELECT pg_sleep(0.05)")

    # As many commands at once as the pool holds: none of them waits for a connection to open.
    await asyncio.gather(*(busy() for _ in range(SERVER_POOL_SIZE)))
    assert len(opened) == first


@pytest.mark.postgres
async def test_a_server_refusing_more_connections_leaves_the_pool_part_filled(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with await Database.open(postgres_url) as db:
        attempts: list[object] = []

        def refuse_after_three(*_args: object) -> None:
            attempts.append(_args)
            if len(attempts) > 3:
                raise OSError("sorry, too many clients already")

        event.listen(db.engine.sync_engine, "do_connect", refuse_after_three)
        with caplog.at_level(logging.WARNING, logger="bot.storage.database"):
            held = await db.fill_pool()
        assert held == 4  # the one open() made, and three more
        assert "database pool not filled" in caplog.text
        async with db.transaction() as conn:  # what is open still serves
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1

"""Migrations run exactly once however many processes start together, and a newer schema stops a process."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, text

from bot.storage.database import Database, SchemaTooNewError, alembic_config
from tests.bot.storage.test_migrations import HEAD

ROOT = Path(__file__).resolve().parents[3]


async def start_together(url: str, count: int, tmp_path: Path, *args: str) -> list[tuple[int, str]]:
    """``ferry <args>`` in ``count`` real processes released at the same moment; (status, output) each."""
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": url, "FERRY_CONFIG": str(tmp_path / "none")}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            *args,
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(count)
    ]
    outputs = await asyncio.gather(*(p.communicate() for p in procs))
    return [(p.returncode or 0, out.decode()) for p, (out, _) in zip(procs, outputs, strict=True)]


def _upgrade_to(revision: str):
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    return run


@pytest.mark.postgres
async def test_processes_started_together_on_a_fresh_database_migrate_it_once(
    postgres_url: str, tmp_path: Path
) -> None:
    results = await start_together(postgres_url, 3, tmp_path, "db", "upgrade")
    assert [status for status, _ in results] == [0, 0, 0], "\n".join(out for _, out in results)
    assert not any("UniqueViolation" in out for _, out in results)
    async with await Database.open(postgres_url) as db:
        assert await db.current_revision() == HEAD


@pytest.mark.postgres
async def test_processes_started_together_on_an_older_schema_upgrade_it_once(
    postgres_url: str, tmp_path: Path
) -> None:
    async with await Database.open(postgres_url) as db, db.transaction(write=True) as conn:
        await conn.run_sync(_upgrade_to("0003"))
    results = await start_together(postgres_url, 3, tmp_path, "db", "upgrade")
    assert [status for status, _ in results] == [0, 0, 0], "\n".join(out for _, out in results)
    async with await Database.open(postgres_url) as db:
        assert await db.current_revision() == HEAD


async def test_a_schema_newer_than_the_code_stops_the_process_and_changes_nothing(
    database: Database, tmp_path: Path
) -> None:
    async with database.transaction(write=True) as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaTooNewError, match="newer version"):
        await database.upgrade()
    assert await database.current_revision() == "9999_future"

    url = database.engine.url.render_as_string(hide_password=False)
    [(status, out)] = await start_together(url, 1, tmp_path, "run")
    assert status == 2
    assert "9999_future" in out and "newer version" in out
    assert "Traceback" not in out

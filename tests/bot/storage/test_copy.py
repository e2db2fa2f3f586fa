"""``ferry db copy``: every table, audit log included, from SQLite to PostgreSQL, ids and all."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.models import Visibility
from bot.storage.copy import CopyRefusedError, copy_database, data_tables
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import entry_counts
from tests.bot.storage._helpers import T0, add_member, register

pytestmark = pytest.mark.postgres


async def fill(repo: Repository) -> None:
    ana = await add_member(repo, "Ana 安娜")
    bo = await add_member(repo, "Bo")
    await register(repo, ana, "bluesky", "ana.bsky.social", visibility=Visibility.PUBLIC)
    await register(repo, ana, "rednote", "ana_rn")
    await register(repo, bo, "lemon8", "bo8")
    await repo.delete_entry(member_id=bo.id, platform="lemon8", now=T0, actor="member")
    await repo.set_state("bluesky.watermark", '{"at": "2025-01-19"}', T0)


async def everything(database: Database) -> dict[str, list[dict[str, Any]]]:
    async with database.transaction() as conn:
        return {
            table.name: [
                row._asdict()
                for row in (await conn.execute(select(table).order_by(*table.primary_key.columns))).all()
            ]
            for table in data_tables()
        }


async def counts(database: Database) -> list[tuple[str, str, str, int]]:
    async with database.transaction() as conn:
        rows = await conn.execute(
            select(
                entry_counts.c.community,
                entry_counts.c.platform,
                entry_counts.c.visibility,
                func.sum(entry_counts.c.n),
            )
            .group_by(entry_counts.c.community, entry_counts.c.platform, entry_counts.c.visibility)
            .having(func.sum(entry_counts.c.n) != 0)
            .order_by(entry_counts.c.community, entry_counts.c.platform, entry_counts.c.visibility)
        )
        return [tuple(row) for row in rows.all()]


async def test_a_copy_to_postgresql_keeps_every_row_and_id_and_new_ids_follow_on(
    tmp_path: Path, postgres_url: str
) -> None:
    async with (
        await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}") as source,
        await Database.open(postgres_url) as target,
    ):
        await source.upgrade()
        await target.upgrade()
        await fill(Repository(source))
        copied = await copy_database(source, target)
        before = await everything(source)
        assert await everything(target) == before
        assert {t.name: t.rows for t in copied}["audit_log"] == len(before["audit_log"]) > 0
        assert {t.name for t in copied} == set(before)
        # The kept counts are not copied but rebuilt by the target's triggers: the same totals.
        assert await counts(target) == await counts(source) != []

        # The next member on PostgreSQL gets a fresh id, not one a copied row already has.
        carla = await add_member(Repository(target), "Carla")
        assert carla.id > max(row["id"] for row in before["members"])

        with pytest.raises(CopyRefusedError, match="not empty"):
            await copy_database(source, target)


async def test_ferry_db_copy_from_the_command_line(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}"
    async with await Database.open(url) as source:
        await source.upgrade()
        await fill(Repository(source))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FERRY_CONFIG", str(tmp_path / "none"))
    assert await asyncio.to_thread(main, ["db", "copy", "--to", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "audit_log:" in out and "members: 2 row(s)" in out
    assert await asyncio.to_thread(main, ["db", "copy", "--to", postgres_url]) == 2
    assert "nothing copied" in capsys.readouterr().err


async def test_a_copy_from_sqlite_while_ferry_run_holds_it_is_refused(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from types import SimpleNamespace

    from bot.cluster.single import single_process

    url = f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FERRY_CONFIG", str(tmp_path / "none"))
    with single_process(SimpleNamespace(database_url=url)):  # type: ignore[arg-type]
        assert await asyncio.to_thread(main, ["db", "copy", "--to", postgres_url]) == 2
    assert "already using the SQLite database" in capsys.readouterr().err
    async with await Database.open(postgres_url) as target:
        assert await target.current_revision() is None, "nothing was touched"

"""The process registry, ``ferry status`` and ``ferry health``, on both databases."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import utc_now
from bot.cli import main
from bot.cluster.election import SINGLETON, AlwaysLeader, Elector, NeverLeader
from bot.cluster.registry import ALIVE_WITHIN, Registry, this_process
from bot.cluster.status import gather, healthy, render
from bot.config import load_config
from bot.storage.cluster import ClusterStore
from bot.storage.database import Database
from bot.storage.repository import Repository


async def test_a_registered_process_is_alive_and_healthy_until_its_heartbeat_stops(
    database: Database,
) -> None:
    store = ClusterStore(database)
    config = load_config(Path("/nonexistent"))
    process = this_process("run", "0,1/4")
    registry = Registry(store, process, AlwaysLeader(), clock=utc_now)
    await registry.beat()
    found = await gather(store, Repository(database), config, utc_now())
    [row] = found.processes
    assert row.info == process
    assert row.heartbeat_age < timedelta(seconds=5)
    assert healthy(found)
    assert not healthy(found, host="another-host")
    text_out = "\n".join(render(found))
    assert process.id in text_out and "shards=0,1/4" in text_out
    assert "bluesky inbox backlog: 0" in text_out

    # Silent for longer than ALIVE_WITHIN: shown as presumed dead, and no longer healthy.
    silent = utc_now() + ALIVE_WITHIN + timedelta(seconds=5)
    later = await gather(store, Repository(database), config, silent)
    if database.dialect == "sqlite":  # PostgreSQL judges ages by its own clock, not ours
        assert not healthy(later)
        assert "presumed dead" in "\n".join(render(later))

    # A clean stop removes the row at once.
    task = asyncio.create_task(registry.run())
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert (await store.processes(utc_now())) == []


@pytest.mark.postgres
async def test_status_names_the_lease_holder_as_leader(postgres_url: str) -> None:
    async with await Database.open(postgres_url) as database:
        await database.upgrade()
        store = ClusterStore(database)
        config = load_config(Path("/nonexistent"))
        leader, follower = this_process("run", None), this_process("run", None)
        elector = Elector(store, holder=leader.id)
        await elector.campaign_once()
        await Registry(store, leader, elector, clock=utc_now).beat()
        await Registry(store, follower, NeverLeader(), clock=utc_now).beat()
        found = await gather(store, Repository(database), config, utc_now())
        assert found.leader is not None and found.leader.info.id == leader.id
        assert found.lease is not None and found.lease.name == SINGLETON and found.lease.token == 1
        lines = render(found)
        assert lines[1].startswith(f"leader: {leader.id} (lease token 1")
        assert any(line.startswith(f" * {leader.id}") for line in lines)
        assert any(line.startswith(f"   {follower.id}") for line in lines)

        # A process gone for over an hour is forgotten by the leader's next heartbeat.
        async with database.transaction(write=True) as conn:
            await conn.execute(
                text("UPDATE cluster_processes SET heartbeat_at = now() - interval '2 hours' WHERE id = :id"),
                {"id": follower.id},
            )
        await Registry(store, leader, elector, clock=utc_now).beat()
        assert [row.info.id for row in await store.processes(utc_now())] == [leader.id]


async def test_ferry_status_and_health_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FERRY_CONFIG", str(tmp_path / "none"))
    async with await Database.open(url) as database:
        await database.upgrade()
    assert await asyncio.to_thread(main, ["health"]) == 1
    assert "no live Ferry process" in capsys.readouterr().err
    async with await Database.open(url) as database:
        process = replace(this_process("run", None))
        await Registry(ClusterStore(database), process, AlwaysLeader(), clock=utc_now).beat()
    assert await asyncio.to_thread(main, ["health"]) == 0
    assert await asyncio.to_thread(main, ["status"]) == 0
    out, err = capsys.readouterr()
    assert "database opened" not in out + err  # a report for a person: INFO lines only on request
    assert "database: sqlite" in out and f"leader: {process.id}" in out and "processes alive: 1" in out

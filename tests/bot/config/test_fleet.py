"""/ferry reload for every process on one PostgreSQL: LISTEN/NOTIFY, one answer per process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import ConfigHolder
from bot.config import load_config
from bot.config.fleet import FleetReload, ProcessReload, asyncpg_dsn
from bot.config.reload import Reloader, ReloadTrigger

pytestmark = pytest.mark.postgres

ONE = """
[[communities]]
slug = "alpha"
name = "Alpha"
discord_guild_ids = [1]
"""
TWO = (
    ONE
    + """
[[communities]]
slug = "bravo"
name = "Bravo"
discord_guild_ids = [2]
"""
)


class Process:
    """What one Ferry process holds: its config, its reloader and its listener."""

    def __init__(self, path: Path, url: str, name: str) -> None:
        self.holder = ConfigHolder(load_config(path))
        self.reloader = Reloader(self.holder, path)
        self.fleet = FleetReload(self.reloader, url, name=name, reply_window=1.0)
        self.reloader.fleet = self.fleet


@contextlib.asynccontextmanager
async def listening(*processes: Process) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(p.fleet.run()) for p in processes]
    try:
        await asyncio.wait_for(asyncio.gather(*(p.fleet.listening.wait() for p in processes)), 10)
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_reload_reaches_every_process_and_each_reports(
    write: Callable[..., Path], tmp_path: Path, postgres_url: str
) -> None:
    shared = write(ONE)  # the files every process reads (one volume)
    own = tmp_path / "b" / "ferry.toml"  # a process on another machine, with its own copy
    own.parent.mkdir()
    own.write_text(ONE, encoding="utf-8")
    a, b, c = (
        Process(shared, postgres_url, "a:1"),
        Process(shared, postgres_url, "b:2"),
        Process(own, postgres_url, "c:3"),
    )
    async with listening(a, b, c):
        write(TWO)
        own.write_text("[[communities]]\nslug = 1\n", encoding="utf-8")  # broken on that machine
        outcome, others = await a.fleet.reload_everywhere(ReloadTrigger.COMMAND)
    assert outcome.ok and outcome.communities == 2
    assert others == [
        ProcessReload(process="b:2", ok=True, communities=2, problems=0, keys=()),
        ProcessReload(process="c:3", ok=False, communities=1, problems=others[1].problems),
    ]
    assert others[1].problems >= 1
    assert sorted(b.holder.current.communities) == ["alpha", "bravo"]  # applied there too
    assert sorted(c.holder.current.communities) == ["alpha"]  # rejected: its config stays
    assert c.reloader.last_failure is not None and c.reloader.last_failure.trigger is ReloadTrigger.FLEET


async def test_without_the_listener_only_this_process_reloads(
    write: Callable[..., Path], postgres_url: str
) -> None:
    path = write(ONE)
    alone = Process(path, postgres_url, "a:1")
    write(TWO)
    outcome, others = await alone.fleet.reload_everywhere(ReloadTrigger.COMMAND)
    assert outcome.ok and outcome.communities == 2 and others == []


def test_the_dsn_keeps_credentials_and_drops_the_driver() -> None:
    dsn = asyncpg_dsn("postgresql+asyncpg://ferry:s3cret@db:5432/ferry")
    assert dsn == "postgresql://ferry:s3cret@db:5432/ferry"

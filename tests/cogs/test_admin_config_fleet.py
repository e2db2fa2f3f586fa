"""/ferry reload on a fleet: every process on the PostgreSQL database reloads and is reported."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import ConfigHolder
from bot.config import load_config
from bot.config.fleet import FleetReload
from bot.config.reload import Reloader
from bot.discord.client import FerryBot
from tests.cogs.test_admin_config import reload, report
from tests.support.discord_standin import DiscordStandin

pytestmark = pytest.mark.postgres


def rename_community(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("The Movers", "The Goers"), encoding="utf-8")


async def test_the_report_has_a_line_per_process(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path, postgres_url: str
) -> None:
    here = FleetReload(ferry.app.reloader, postgres_url, name="bot-1:10", reply_window=1.0)
    ferry.app.reloader.fleet = here
    other_holder = ConfigHolder(load_config(config_file))
    other = FleetReload(Reloader(other_holder, config_file), postgres_url, name="bot-2:20")
    tasks = [asyncio.create_task(here.run()), asyncio.create_task(other.run())]
    try:
        await asyncio.wait_for(asyncio.gather(here.listening.wait(), other.listening.wait()), 10)
        rename_community(config_file)
        lines = report(await reload(discord_standin))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert lines[:3] == [
        "Reloaded in 2 process(es) on this database:",
        "• bot-1:10: applied, 1 communities.",
        "• bot-2:20: applied, 1 communities.",
    ]
    assert other_holder.current.community("movers").name == "The Goers"
    assert ferry.app.config().community("movers").name == "The Goers"

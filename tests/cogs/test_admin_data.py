"""/ferry import on the stand-in: progress on the prompt while it applies, and a token that expires."""

from __future__ import annotations

import logging
import re

import pytest

from bot.discord.client import FerryBot
from bot.models import EVERY_VISIBILITY
from tests.bot.discord.fixtures import wait_for
from tests.support.discord_standin import DiscordStandin, FileOption

ROWS = 300
DONE_WITHIN_S = 120  # a safety net on a loaded machine, not a speed check
PROGRESS = re.compile(r"^Importing… (\d+) / (\d+) rows\.$")


def sheet() -> bytes:
    rows = ["platform,handle,name,discord_id"]
    rows += [f"bluesky,user{n}.bsky.social,User {n},{10**17 + n}" for n in range(ROWS)]
    return "\n".join(rows).encode()


async def checked_prompt(standin: DiscordStandin):
    handle = await standin.invoke_slash(
        standin.world.guild, standin.world.admin, "ferry import", {"file": FileOption("many.csv", sheet())}
    )
    await handle.response()
    [message] = await handle.followups()
    return message


async def test_an_applied_import_shows_its_progress_on_the_prompt(
    discord_standin: DiscordStandin, ferry: FerryBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.discord.progress.EDIT_EVERY_S", 0.0)  # every report the service makes
    message = await checked_prompt(discord_standin)
    await discord_standin.click_button(message, message.custom_ids()[0], discord_standin.world.admin)
    await wait_for(
        lambda: discord_standin.message(message.id).embeds[0]["title"] == "Imported many.csv",
        timeout=DONE_WITHIN_S,
    )

    stored = discord_standin.message(message.id)
    shown = [PROGRESS.match(v.get("content") or "") for v in stored.versions]
    steps = [(int(m[1]), int(m[2])) for m in shown if m]
    # The first is shown before any row, the next when the service first reports (every 20 rows).
    assert steps[:2] == [(0, ROWS), (20, ROWS)]
    assert [done for done, _ in steps] == sorted({done for done, _ in steps})  # only ever forward
    assert all(total == ROWS and done < ROWS for done, total in steps)
    assert stored.content == "" and stored.components == []  # the report replaced the progress line
    assert (await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers")) == {
        "bluesky": ROWS
    }


async def test_an_import_outliving_its_token_completes_and_logs_its_report(
    discord_standin: DiscordStandin, ferry: FerryBot, caplog: pytest.LogCaptureFixture
) -> None:
    message = await checked_prompt(discord_standin)
    discord_standin.config.token_lifetime = 0.0  # the confirm click's token is spent at once
    caplog.set_level(logging.WARNING, logger="cogs.admin_data")
    async with discord_standin.violations.expect("token_expired") as refused:
        await discord_standin.click_button(message, message.custom_ids()[0], discord_standin.world.admin)
        await wait_for(lambda: any(r.name == "cogs.admin_data" for r in caplog.records), DONE_WITHIN_S)
    assert len(refused) == 1  # the first edit was refused, and none was tried after it
    [record] = [r for r in caplog.records if r.name == "cogs.admin_data"]
    assert record.getMessage() == "import report not shown: the interaction can no longer be edited"
    assert (record.__dict__["rows"], record.__dict__["added"], record.__dict__["rejected"]) == (ROWS, ROWS, 0)
    assert (await ferry.app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers")) == {
        "bluesky": ROWS
    }

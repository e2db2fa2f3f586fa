"""/stats (members, public counts) and /ferry stats (admins, exact) with the chart attached."""

from __future__ import annotations

from bot.app import App
from bot.discord.client import FerryBot
from bot.discord.insights import CHART_FILE
from tests.cogs.test_admin import admin
from tests.support.discord_standin import DiscordStandin
from tests.support.insights import scatter


def fields(message) -> dict[str, str]:
    [embed] = message.embeds
    return {f["name"]: f["value"] for f in embed["fields"]}


async def test_members_see_public_counts_with_small_platforms_hidden_and_the_chart(
    discord_standin: DiscordStandin, ferry: FerryBot, ferry_app: App
) -> None:
    await scatter(ferry_app.directory, community="movers")
    world = discord_standin.world
    h = await discord_standin.invoke_slash(world.guild, world.member, "stats")
    response = await h.response()
    assert not response.ephemeral  # public numbers: a member may show them to the channel
    [message] = await h.followups()
    per_platform = fields(message)["Handles per platform"].splitlines()
    assert per_platform == ["RedNote (Xiaohongshu): 7", "Bluesky: 6", "Lemon8: fewer than 5"]
    assert "Mastodon" not in str(message.embeds)  # community-only handles are not public
    [embed] = message.embeds
    assert embed["image"]["url"] == f"attachment://{CHART_FILE}"
    assert "The Movers" in embed["title"]
    [chart] = message.attachments
    assert chart.filename == CHART_FILE and chart.data.startswith(b"\x89PNG") and chart.size < 1_000_000
    assert chart.description is not None
    assert "RedNote (Xiaohongshu) 7, Bluesky 6, Lemon8 fewer than 5" in chart.description
    assert "3" not in chart.description.split("Arrivals")[0].replace("The Movers", "")


async def test_members_can_ask_privately_and_in_chinese(
    discord_standin: DiscordStandin, ferry: FerryBot, ferry_app: App
) -> None:
    await scatter(ferry_app.directory, community="movers")
    world = discord_standin.world
    h = await discord_standin.invoke_slash(
        world.guild, world.member, "stats", {"private": True}, locale="zh-CN"
    )
    assert (await h.response()).ephemeral
    [message] = await h.followups()
    assert "Lemon8: 少于 5" in fields(message)["各平台账号数"]
    assert "少于 5" in message.attachments[0].description


async def test_admins_get_exact_counts_and_the_chart_privately(
    discord_standin: DiscordStandin, ferry: FerryBot, ferry_app: App
) -> None:
    await scatter(ferry_app.directory, community="movers")
    message = await admin(discord_standin, "stats")  # asserts the answer is ephemeral
    got = fields(message)
    assert "Lemon8: 3" in got["Handles per platform"] and "Mastodon: 1" in got["Handles per platform"]
    assert got["Members by number of platforms"].splitlines() == ["1 platform(s): 17", "2 platform(s): 1"]
    assert got["Moved at all"].startswith("18 members with a handle")
    assert "of the time since the first arrival has passed" in got["Deadline"]
    [chart] = message.attachments
    assert chart.data.startswith(b"\x89PNG")
    assert "Lemon8 3" in chart.description and "Mastodon 1" in chart.description

"""Requests Discord would refuse are refused, answered like Discord, and reported as violations."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from tests.support.discord_standin import DiscordStandin, Overwrite, StandinConfig
from tests.support.discord_standin.runner import run_bot
from tests.test_support.standin_bot import StandinBot

pytestmark = pytest.mark.discord_api


async def test_over_long_embeds_are_refused(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        async with discord_standin.violations.expect("limit", match="6000") as found:
            handle = await discord_standin.invoke_slash(world.guild, world.member, "huge")
        assert "8012 characters" in found[0].detail and found[0].code == 50035
        with pytest.raises(AssertionError, match="refused"):
            await handle.response(timeout=1)


async def test_missing_allowed_mentions_is_refused(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id, allowed_mentions=None)  # discord.py then sends no allowed_mentions
    async with (
        discord_standin.running(bot),
        discord_standin.violations.expect("mentions", match="no allowed_mentions"),
    ):
        await discord_standin.invoke_slash(world.guild, world.member, "handle add", {"name": "x"})


async def test_allowing_everyone_is_refused_unless_opted_in(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        async with discord_standin.violations.expect("mentions", match="@everyone"):
            await discord_standin.invoke_slash(world.guild, world.admin, "everyone")
        discord_standin.config.mentions.everyone = True
        handle = await discord_standin.invoke_slash(world.guild, world.admin, "everyone")
        message = (await handle.response()).message
        assert message is not None and message.pings.everyone


async def test_a_late_initial_response_is_unknown_interaction(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    discord_standin.config.response_deadline = 0.2  # the real 3 s, scaled down to keep the test fast
    bot = StandinBot(world.guild.id)
    bot.slow_seconds = 0.4
    async with discord_standin.running(bot):
        async with discord_standin.violations.expect("deadline") as found:
            await discord_standin.invoke_slash(world.guild, world.member, "slow")
        assert found[0].code == 10062
        await asyncio.sleep(0.05)
        assert isinstance(bot.errors[0], discord.NotFound) and bot.errors[0].code == 10062


async def test_a_second_initial_response_is_refused(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)
    async with discord_standin.running(bot):
        async with discord_standin.violations.expect("double_ack") as found:
            handle = await discord_standin.invoke_slash(world.guild, world.member, "twice")
        assert found[0].code == 40060
        assert (await handle.response()).content == "first"


async def test_follow_up_cannot_change_a_deferred_responses_visibility(
    discord_standin: DiscordStandin,
) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        async with discord_standin.violations.expect("ephemeral", match="ephemeral=True"):
            handle = await discord_standin.invoke_slash(world.guild, world.member, "later")
        [message] = await handle.followups()
        assert not message.ephemeral  # public, although the bot asked for ephemeral
        assert discord_standin.messages(world.general) == [message]


async def test_follow_ups_after_the_token_expired_are_refused(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    discord_standin.config.token_lifetime = 0.2
    bot = StandinBot(world.guild.id)
    bot.slow_seconds = 0.3
    async with discord_standin.running(bot):
        async with discord_standin.violations.expect("token_expired") as found:
            await discord_standin.invoke_slash(world.guild, world.member, "later")
        assert found[0].code == 50027


async def test_an_unknown_route_is_reported(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)
    async with (
        discord_standin.running(bot),
        discord_standin.violations.expect("unknown_route", match="/stickers/1"),
    ):
        with pytest.raises(discord.NotFound):
            await bot.fetch_sticker(1)


async def test_an_invalid_command_schema_fails_the_sync(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)
    async with discord_standin.running(bot):
        assert bot.application_id is not None
        bad = {
            "name": "Bad Name",
            "description": "",
            "type": 1,
            "options": [
                {"name": "a", "description": "a", "type": 3},
                {"name": "b", "description": "b", "type": 3, "required": True},
            ],
        }
        async with discord_standin.violations.expect("commands") as found:
            with pytest.raises(discord.HTTPException):
                await bot.http.bulk_upsert_guild_commands(bot.application_id, world.guild.id, [bad])
        detail = found[0].detail
        assert "must be lowercase" in detail and "description must be 1..100" in detail
        assert "follows an optional option" in detail
        assert discord_standin.command("handle", world.guild)  # the refused sync changed nothing


async def test_the_bot_needs_channel_permissions(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    world.announcements.overwrites.append(Overwrite(world.bot_role.id, 0, deny=1 << 11))
    async with (
        discord_standin.running(StandinBot(world.guild.id)),
        discord_standin.violations.expect("permissions", match="announcements"),
    ):
        await discord_standin.invoke_slash(
            world.guild, world.admin, "announce", {"channel": world.announcements, "text": "hi"}
        )


async def test_hidden_commands_and_privileged_intents(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)

    @bot.tree.command(name="admin", description="Admins only")
    @app_commands.default_permissions(manage_guild=True)
    async def admin(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    async with discord_standin.running(bot):
        assert (
            await (await discord_standin.invoke_slash(world.guild, world.admin, "admin")).response()
        ).content
        with pytest.raises(AssertionError, match="hidden"):
            await discord_standin.invoke_slash(world.guild, world.member, "admin")

    other = DiscordStandin(StandinConfig())
    _ = other.world
    await other.start()
    try:
        intents = discord.Intents.default()
        intents.members = True
        greedy = discord.Client(intents=intents)
        with pytest.raises(AssertionError, match="privileged intents"):
            async with run_bot(other, greedy, ready_timeout=5):
                pass
    finally:
        await other.stop()
    assert not other.violations.pending

"""The stand-in end to end with the real discord.py client: connect, sync, commands, components, resume."""

from __future__ import annotations

import asyncio
import hashlib
import io

import discord
import pytest
from discord import app_commands

from tests.support.discord_standin import DiscordStandin, FileOption, StandinUsageError
from tests.test_support.standin_bot import HANDLES, StandinBot

pytestmark = pytest.mark.discord_api


async def _wait(predicate: object, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    assert callable(predicate)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_bot_connects_and_sees_the_guild(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)
    async with discord_standin.running(bot):
        guild = bot.get_guild(world.guild.id)
        assert guild is not None and guild.owner_id == world.owner.id
        assert {c.name for c in guild.text_channels} == {"general", "announcements", "new-arrivals"}
        assert guild.get_member(world.admin.id) is None  # no members intent: only the bot is listed
        admin = await guild.fetch_member(world.admin.id)
        assert admin.guild_permissions.manage_guild and not admin.guild_permissions.administrator
        plain = await guild.fetch_member(world.member.id)
        assert not plain.guild_permissions.manage_guild
        assert bot.user is not None and bot.user.id == discord_standin.bot_user.id
        assert bot.application_id == discord_standin.application_id
        assert discord_standin.identifies == 1 and discord_standin.heartbeats >= 1


async def test_tree_sync_is_stored_with_its_schema(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        handle = discord_standin.command("handle", world.guild)
        assert handle["guild_id"] == str(world.guild.id)
        assert [o["name"] for o in handle["options"]] == ["add", "list"]
        add = handle["options"][0]
        assert [(o["name"], o["required"]) for o in add["options"]] == [("name", True), ("note", False)]
        assert add["options"][0]["autocomplete"] is True
        assert discord_standin.commands() == []  # nothing was synced globally


async def test_slash_command_gets_an_ephemeral_reply_without_pings(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        handle = await discord_standin.invoke_slash(
            world.guild, world.member, "handle add", {"name": "alice.bsky.social", "note": "@everyone"}
        )
        response = await handle.response()
        assert response.kind == "message" and response.ephemeral
        assert response.content == "Added alice.bsky.social (@everyone)"
        assert response.allowed_mentions == {"parse": []}
        assert handle.original is not None and not handle.original.pings.anyone
        assert discord_standin.messages(world.general) == []  # ephemeral: not in channel history


async def test_invoking_what_was_not_synced_fails_the_test(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        with pytest.raises(StandinUsageError, match="not synced"):
            await discord_standin.invoke_slash(world.guild, world.member, "nope")
        with pytest.raises(StandinUsageError, match="required option"):
            await discord_standin.invoke_slash(world.guild, world.member, "handle add")
        with pytest.raises(StandinUsageError, match="is a group"):
            await discord_standin.invoke_slash(world.guild, world.member, "handle")


async def test_deferred_ephemeral_follow_up_with_a_file(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        handle = await discord_standin.invoke_slash(world.guild, world.admin, "export")
        response = await handle.response()
        assert response.kind == "deferred message" and response.ephemeral
        [followup] = await handle.followups()
        assert followup.ephemeral and followup.content == "your export"
        assert followup.attachments[0].filename == "export.txt"
        assert followup.attachments[0].data == "\n".join(HANDLES).encode()
        assert handle.original is followup  # the first follow-up after a defer fills it in


async def test_attachment_option_is_served_from_the_loopback_cdn(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    data = bytes(range(256)) * 10
    async with discord_standin.running(StandinBot(world.guild.id)):
        handle = await discord_standin.invoke_slash(
            world.guild, world.member, "checksum", {"upload": FileOption("blob.bin", data)}
        )
        response = await handle.response()
        assert response.content == f"blob.bin: 2560 bytes, {hashlib.sha256(data).hexdigest()[:12]}"
        assert response.attachments[0].data == data[::-1]
        assert [m.id for m in discord_standin.messages(world.general)] == [
            handle.original and handle.original.id
        ]


async def test_buttons_and_selects_route_to_the_view(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        listing = await discord_standin.invoke_slash(world.guild, world.member, "handle list")
        message = (await listing.response()).message
        assert message is not None and message.custom_ids() == ["pager:next", "pager:sort"]

        click = await discord_standin.click_button(message, "pager:next", world.member)
        assert (await click.response()).kind == "update"
        assert discord_standin.message(message.id).content == "page 1"
        assert len(discord_standin.message(message.id).versions) == 1

        foreign = await discord_standin.click_button(message, "pager:next", world.admin)
        refused = await foreign.response()
        assert refused.ephemeral and "someone else" in refused.content

        picked = await discord_standin.select(message, "pager:sort", ["old"], world.member)
        assert (await picked.response()).content == "sorted by old"
        with pytest.raises(StandinUsageError, match="offers"):
            await discord_standin.select(message, "pager:sort", ["sideways"], world.member)


async def test_autocomplete_returns_the_choices(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        choices = await discord_standin.invoke_autocomplete(
            world.guild, world.member, "handle add", {"name": "user1"}, focused="name"
        )
        assert [c["value"] for c in choices] == [f"user1{i}.bsky.social" for i in range(10)]
        everything = await discord_standin.invoke_autocomplete(
            world.guild, world.member, "handle add", {"name": ""}, focused="name"
        )
        assert len(everything) == 25


async def test_modal_round_trip(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    async with discord_standin.running(StandinBot(world.guild.id)):
        opened = await discord_standin.invoke_slash(world.guild, world.member, "feedback")
        assert (await opened.response()).kind == "modal"
        submitted = await discord_standin.submit_modal(opened, {"feedback:text": "lovely"})
        assert (await submitted.response()).content == "thanks: lovely"


async def test_channel_post_and_a_429_retry(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    discord_standin.inject_rate_limit(r"/channels/\d+/messages$", retry_after=0.05)
    async with discord_standin.running(StandinBot(world.guild.id)):
        handle = await discord_standin.invoke_slash(
            world.guild, world.admin, "announce", {"channel": world.announcements, "text": "We moved!"}
        )
        assert (await handle.response()).content == "posted"
        [posted] = discord_standin.messages(world.announcements)
        assert posted.content == "We moved!" and posted.allowed_mentions == {"parse": []}
        assert discord_standin.server.rate_limits.served_429 == 1


async def test_resume_after_the_server_drops_the_socket(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    async with discord_standin.running(bot):
        await discord_standin.drop_gateway(4000)
        # Dispatched while the bot is disconnected: buffered and replayed on RESUME.
        handle = await discord_standin.invoke_slash(world.guild, world.member, "handle add", {"name": "bob"})
        await asyncio.wait_for(resumed.wait(), 5)
        assert (await handle.response()).content == "Added bob (no note)"
        assert discord_standin.resumes == 1 and discord_standin.identifies == 1
        assert bot.is_ready() and not bot.errors


async def test_member_join_reaches_the_bot_with_the_members_intent(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    discord_standin.config.privileged_intents = discord.Intents(members=True).value
    intents = discord.Intents.default()
    intents.members = True
    bot = StandinBot(world.guild.id)
    bot._connection._intents = intents  # the bot under test would pass intents= itself
    joined: list[int] = []

    async def on_member_join(member: discord.Member) -> None:
        joined.append(member.id)

    bot.add_listener(on_member_join)
    async with discord_standin.running(bot):
        newcomer = discord_standin.add_user("newcomer")
        await discord_standin.member_join(world.guild, newcomer)
        await _wait(lambda: joined == [newcomer.id])


async def test_rest_messages_edit_history_delete_and_dm(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)
    async with discord_standin.running(bot):
        channel = bot.get_channel(world.new_arrivals.id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("welcome", file=discord.File(io.BytesIO(b"hello"), "hi.txt"))
        await sent.edit(content="welcome, all", embed=discord.Embed(title="New here?"))
        [stored] = discord_standin.messages(world.new_arrivals)
        assert stored.content == "welcome, all" and stored.embeds[0]["title"] == "New here?"
        assert stored.attachments[0].data == b"hello" and stored.edited_timestamp is not None
        assert [m.id async for m in channel.history(limit=10)] == [sent.id]
        await sent.delete()
        assert discord_standin.messages(world.new_arrivals) == []

        user = await bot.fetch_user(world.member.id)
        await user.send("a private hello")
        [dm] = discord_standin.messages(discord_standin.dm_channel(world.member))
        assert dm.content == "a private hello"


async def test_user_context_menu_and_a_runtime_permission_check(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)

    @bot.tree.context_menu(name="Show ID")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show_id(interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"{member.display_name}: {member.id}", ephemeral=True)

    discord_standin.config.response_deadline = 0.3
    async with discord_standin.running(bot):
        shown = await discord_standin.invoke_context_menu(world.guild, world.admin, "Show ID", world.member)
        assert (await shown.response()).content == f"Plain Member: {world.member.id}"
        # A server could let everyone see the command; the runtime check must still refuse. This bot's
        # error handler answers nothing, which the stand-in reports: the user would see a failure.
        async with discord_standin.violations.expect("unanswered", match="Show ID"):
            await discord_standin.invoke_context_menu(
                world.guild, world.member, "Show ID", world.admin, ignore_default_permissions=True
            )
        assert isinstance(bot.errors[-1], app_commands.MissingPermissions)


async def test_user_messages_reach_the_bot_without_content(discord_standin: DiscordStandin) -> None:
    world = discord_standin.world
    bot = StandinBot(world.guild.id)
    seen: list[str] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    bot.add_listener(on_message)
    async with discord_standin.running(bot):
        await discord_standin.post_message(world.general, world.member, "hello there")
        await discord_standin.post_message(
            world.general, world.member, f"hi {discord_standin.bot_user.mention}"
        )
        await _wait(lambda: len(seen) == 2)
        # Without the MESSAGE_CONTENT intent only messages that mention the bot carry their content.
        assert seen == ["", f"hi {discord_standin.bot_user.mention}"]

"""A throwaway discord.py bot that exercises the stand-in: a command group with autocomplete, a paging
view with a button and a select, a modal, file uploads, and a few commands that break Discord's rules
on purpose. It stands in for Ferry's Discord front until that exists."""

from __future__ import annotations

import asyncio
import hashlib
import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.webhook.async_ import async_context, interaction_response_params

HANDLES = [f"user{i:02d}.bsky.social" for i in range(40)]


class Pager(discord.ui.View):
    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=60)
        self.owner_id = owner_id
        self.page = 0

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("This list belongs to someone else.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Next", custom_id="pager:next", style=discord.ButtonStyle.primary)
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        self.page += 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)

    @discord.ui.select(
        custom_id="pager:sort",
        options=[
            discord.SelectOption(label="Newest", value="new"),
            discord.SelectOption(label="Oldest", value="old"),
        ],
    )
    async def sort(self, interaction: discord.Interaction, select: discord.ui.Select[Pager]) -> None:
        await interaction.response.send_message(f"sorted by {select.values[0]}", ephemeral=True)


class Feedback(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Your feedback", custom_id="feedback:text"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


class StandinBot(commands.Bot):
    """``guild_id`` is the dev guild commands are synced to in ``setup_hook``."""

    def __init__(self, guild_id: int, **options: Any) -> None:
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default(), **options)
        self.dev_guild = discord.Object(guild_id)
        self.errors: list[BaseException] = []
        self.slow_seconds = 0.0
        self.tree.on_error = self._record_error  # type: ignore[method-assign]
        _add_commands(self)

    async def _record_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.errors.append(getattr(error, "original", error))

    async def setup_hook(self) -> None:
        self.tree.copy_global_to(guild=self.dev_guild)
        await self.tree.sync(guild=self.dev_guild)


def _add_commands(bot: StandinBot) -> None:
    handle = app_commands.Group(name="handle", description="Your handles in the directory")

    @handle.command(name="add", description="Add a handle")
    @app_commands.describe(name="The handle", note="Shown next to it")
    async def handle_add(interaction: discord.Interaction, name: str, note: str | None = None) -> None:
        await interaction.response.send_message(f"Added {name} ({note or 'no note'})", ephemeral=True)

    @handle_add.autocomplete("name")
    async def handle_add_complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        found = [h for h in HANDLES if current in h]
        return [app_commands.Choice(name=h, value=h) for h in found][:25]

    @handle.command(name="list", description="Browse the directory")
    async def handle_list(interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="Directory", description="\n".join(HANDLES[:10]))
        await interaction.response.send_message("page 0", embed=embed, view=Pager(interaction.user.id))

    bot.tree.add_command(handle)

    @bot.tree.command(name="export", description="Export your entries as a file")
    async def export(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = "\n".join(HANDLES).encode()
        await interaction.followup.send(
            "your export", file=discord.File(io.BytesIO(data), "export.txt"), ephemeral=True
        )

    @bot.tree.command(name="checksum", description="Checksum an uploaded file")
    async def checksum(interaction: discord.Interaction, upload: discord.Attachment) -> None:
        data = await upload.read()
        digest = hashlib.sha256(data).hexdigest()[:12]
        await interaction.response.send_message(
            f"{upload.filename}: {len(data)} bytes, {digest}",
            file=discord.File(io.BytesIO(data[::-1]), "reversed.bin"),
        )

    @bot.tree.command(name="announce", description="Post to a channel")
    async def announce(interaction: discord.Interaction, channel: discord.TextChannel, text: str) -> None:
        target = interaction.client.get_channel(channel.id)
        assert isinstance(target, discord.TextChannel)
        await target.send(text)
        await interaction.response.send_message("posted", ephemeral=True)

    @bot.tree.command(name="feedback", description="Send feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    _add_rule_breakers(bot)


def _add_rule_breakers(bot: StandinBot) -> None:
    @bot.tree.command(name="huge", description="An embed over the 6,000 character budget")
    async def huge(interaction: discord.Interaction) -> None:
        embeds = [discord.Embed(title=f"part {i}", description="x" * 4000) for i in range(2)]
        await interaction.response.send_message(embeds=embeds)

    @bot.tree.command(name="everyone", description="Pings everyone")
    async def everyone(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "@everyone hi", allowed_mentions=discord.AllowedMentions(everyone=True)
        )

    @bot.tree.command(name="slow", description="Answers after bot.slow_seconds")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(bot.slow_seconds)
        await interaction.response.send_message("finally")

    @bot.tree.command(name="twice", description="Acknowledges twice, like two bot processes would")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        # discord.py refuses a second ack on the same object, so go through its webhook adapter as a
        # second process sharing the token would.
        params = interaction_response_params(4, {"content": "second", "allowed_mentions": {"parse": []}})
        await async_context.get().create_interaction_response(
            interaction.id, interaction.token, session=interaction._session, params=params
        )

    @bot.tree.command(name="later", description="Defers publicly, then follows up ephemerally")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(bot.slow_seconds)
        await interaction.followup.send("only for you?", ephemeral=True)

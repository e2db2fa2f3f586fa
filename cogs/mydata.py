"""/mydata export | forget: a member's own data, out or erased."""

from __future__ import annotations

import tempfile

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import FerryBot, identity_of
from bot.discord.messages import say
from bot.discord.mydata import write_export
from bot.discord.views import ConfirmView
from bot.errors import NotRegisteredError
from bot.models import EVERY_VISIBILITY

Interaction = discord.Interaction[FerryBot]


@app_commands.guild_only()
class MyData(commands.GroupCog, group_name="mydata", group_description="Your data in Ferry"):
    """What Ferry keeps about you, and erasing it."""

    def __init__(self, bot: FerryBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="export", description="Download everything Ferry keeps about you")
    async def export(self, interaction: Interaction) -> None:
        """Everything Ferry keeps about you here, as a JSON file only you can see."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community_slug(interaction)
        identity = identity_of(interaction.user)
        app = self.bot.app
        member = await app.directory.member(community=community, identity=identity)
        if member is None:
            raise NotRegisteredError(None)
        # On disk, not in memory: the history has no upper bound (see write_export).
        with tempfile.TemporaryFile() as data:
            await write_export(
                data,
                directory=app.directory,
                moderation=app.moderation,
                community=community,
                identity=identity,
                member=member,
            )
            data.seek(0)
            await interaction.followup.send(
                say(interaction.locale, "mydata.export"),
                file=discord.File(data, filename="ferry-my-data.json"),
                ephemeral=True,
            )

    @app_commands.command(name="forget", description="Erase everything Ferry keeps about you")
    async def forget(self, interaction: Interaction) -> None:
        """Erase everything Ferry keeps about you here, after you confirm."""
        # The look-ups below read the database, which may queue behind writes: answer Discord first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community_slug(interaction)
        identity = identity_of(interaction.user)
        if await self.bot.app.directory.member(community=community, identity=identity) is None:
            raise NotRegisteredError(None)
        entries = await self.bot.app.directory.handles(
            community=community, identity=identity, visibilities=EVERY_VISIBILITY
        )

        locale = interaction.locale  # the prompt's language, whoever's client clicks

        async def erase(confirmed: Interaction) -> None:
            await confirmed.response.defer()
            count = (await self.bot.app.directory.forget(community=community, identity=identity)).handles
            await confirmed.edit_original_response(
                content=say(locale, "mydata.forgot", count=count), embeds=[], view=None
            )

        view = ConfirmView(
            owner_id=interaction.user.id,
            locale=locale,
            confirm_label=say(locale, "mydata.forget.button"),
            action=erase,
            timeout=self.bot.view_timeout,
        )
        view.message = await interaction.followup.send(
            say(locale, "mydata.forget.confirm", count=len(entries)), view=view, ephemeral=True, wait=True
        )


async def setup(bot: FerryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(MyData(bot))

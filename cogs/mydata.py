"""/mydata export | forget: a member's own data, out or erased."""

from __future__ import annotations

import io
import json

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import FerryBot, identity_of
from bot.discord.messages import say
from bot.discord.views import ConfirmView
from bot.errors import NotRegisteredError

Interaction = discord.Interaction[FerryBot]
MAX_AUDIT_ROWS = 100


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
        community = self.bot.community_of(interaction)
        identity = identity_of(interaction.user)
        app = self.bot.app
        member = await app.directory.member(community=community, identity=identity)
        if member is None:
            raise NotRegisteredError(None)
        entries = await app.directory.handles(community=community, identity=identity)
        audit = await app.moderation.audit(community=community, identity=identity, limit=MAX_AUDIT_ROWS)
        document = {
            "community": community,
            "member": {
                "display_name": member.display_name,
                "hidden": member.hidden,
                "created_at": member.created_at.isoformat(),
                "updated_at": member.updated_at.isoformat(),
                "identities": [str(i) for i in member.identities],
            },
            "entries": [
                {
                    "platform": e.platform,
                    "handle": e.handle,
                    "profile_url": e.profile_url,
                    "visibility": e.visibility.value,
                    "verification": e.verification.value,
                    "source": e.source.value,
                    "created_at": e.created_at.isoformat(),
                    "updated_at": e.updated_at.isoformat(),
                }
                for e in entries
            ],
            "changes": [
                {
                    "at": r.at.isoformat(),
                    "action": r.action,
                    # Who acted, not which admin: an admin's account id is their personal data.
                    "actor": "admin" if r.actor.startswith("admin") else r.actor,
                    "platform": r.platform,
                    "detail": r.detail,
                }
                for r in audit
            ],
        }
        data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        await interaction.followup.send(
            say(interaction.locale, "mydata.export"),
            file=discord.File(io.BytesIO(data), filename="ferry-my-data.json"),
            ephemeral=True,
        )

    @app_commands.command(name="forget", description="Erase everything Ferry keeps about you")
    async def forget(self, interaction: Interaction) -> None:
        """Erase everything Ferry keeps about you here, after you confirm."""
        # The look-ups below read the database, which may queue behind writes: answer Discord first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community_of(interaction)
        identity = identity_of(interaction.user)
        if await self.bot.app.directory.member(community=community, identity=identity) is None:
            raise NotRegisteredError(None)
        entries = await self.bot.app.directory.handles(community=community, identity=identity)

        locale = interaction.locale  # the prompt's language, whoever's client clicks

        async def erase(confirmed: Interaction) -> None:
            await confirmed.response.defer()
            count = await self.bot.app.directory.forget(community=community, identity=identity)
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

"""/directory and /links: browsing where the community went, and where it is going."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.choices import platform_choices
from bot.discord.client import FerryBot
from bot.discord.messages import Raw, say
from bot.discord.render import EMBED_TOTAL_LIMIT, FIELDS_PER_EMBED, clean, fit, safe_url
from bot.discord.views import DirectoryView

Interaction = discord.Interaction[FerryBot]
BUTTON_URL_LIMIT = 512
LINK_BUTTONS = 25  # 5 rows of 5 link buttons


class Directory(commands.Cog):
    """The migration directory and the community's relocation links."""

    def __init__(self, bot: FerryBot) -> None:
        self.bot = bot

    @app_commands.command(name="directory", description="Browse who moved where")
    @app_commands.describe(
        platform="Only this platform", search="Text in a name or handle", private="Show it only to you"
    )
    @app_commands.guild_only()
    async def directory(
        self,
        interaction: Interaction,
        platform: app_commands.Range[str, 1, 100] | None = None,
        search: app_commands.Range[str, 1, 100] | None = None,
        private: bool = False,
    ) -> None:
        """Browse who moved where, page by page; filter by platform or search for a name."""
        assert interaction.guild_id is not None
        # Resolved before the defer (config only, no I/O): an unknown platform must be answered
        # privately, and after a public defer the first follow-up would be public too.
        community = self.bot.community(interaction.guild_id).slug
        key = self.bot.app.directory.platform(community, platform).key if platform else None
        await interaction.response.defer(ephemeral=private, thinking=True)
        view = DirectoryView(
            self.bot,
            owner_id=interaction.user.id,
            locale=interaction.locale,
            community=community,
            platform=key,
            search=search,
        )
        embed = await view.load()
        view.message = await interaction.followup.send(embed=embed, view=view, ephemeral=private, wait=True)

    @directory.autocomplete("platform")
    async def directory_platform(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Enabled platforms, aliases included."""
        return platform_choices(interaction, current)

    @app_commands.command(name="links", description="Where this community is moving")
    @app_commands.guild_only()
    async def links(self, interaction: Interaction) -> None:
        """The community's official relocation links."""
        assert interaction.guild_id is not None
        community = self.bot.community(interaction.guild_id)
        locale = interaction.locale
        catalogue = self.bot.app.config().catalogue
        embed = discord.Embed(
            title=fit(say(locale, "links.title", community=community.name), 256),
            colour=discord.Colour.green(),
        )
        if community.deadline is not None:
            deadline = discord.utils.format_dt(community.deadline, "F")
            embed.description = say(locale, "links.deadline", deadline=Raw(deadline))
        view = discord.ui.View()
        links = community.links[:FIELDS_PER_EMBED]
        # Discord counts 6,000 characters across a whole message's embeds: share what the title
        # and description leave between the fields, so any config that validates fits.
        room = EMBED_TOTAL_LIMIT - 100 - len(embed.title or "") - len(embed.description or "")
        per_field = room // max(1, len(links))
        for link in links:
            spec = catalogue.get(link.platform)
            platform = spec.display_name if spec else link.platform
            url = safe_url(link.url)
            name = f"{clean(link.label, 150)} · {clean(platform, 60)}"
            value_room = max(1, min(900, per_field - len(name)))
            value = clean(link.note, value_room) if link.note else fit(url or "-", value_room)
            embed.add_field(name=name, value=value or "-", inline=False)
            if url is not None and len(url) <= BUTTON_URL_LIMIT and len(view.children) < LINK_BUTTONS:
                view.add_item(discord.ui.Button(label=fit(link.label, 80), url=url))
        if not community.links:
            embed.description = ((embed.description or "") + "\n" + say(locale, "links.empty")).strip()
        await interaction.response.send_message(embed=embed, view=view)


async def setup(bot: FerryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Directory(bot))

"""/directory and /links: browsing where the community went, and where it is going."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.config import Community
from bot.discord.choices import platform_choices
from bot.discord.client import FerryBot
from bot.discord.directory_view import DYNAMIC_ITEMS, DirectoryMessage
from bot.discord.messages import Raw, say
from bot.discord.render import (
    BUTTON_LABEL_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELDS_PER_EMBED,
    clean,
    fit,
    lines_block,
    safe_url,
)
from bot.platforms.catalogue import Catalogue

Interaction = discord.Interaction[FerryBot]
BUTTON_URL_LIMIT = 512
LINK_BUTTONS = 25  # a message holds 5 rows of 5 buttons


class Directory(commands.Cog):
    """The migration directory and the community's relocation links."""

    def __init__(self, bot: FerryBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Answer the directory buttons of every message, whichever process or run sent it."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        """Stop answering them (a reload of the extension registers them again)."""
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

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
        embed, view = await DirectoryMessage.open(
            self.bot,
            owner_id=interaction.user.id,
            locale=interaction.locale,
            community=community,
            platform=key,
            search=search,
        )
        await interaction.followup.send(embed=embed, view=view, ephemeral=private)

    @directory.autocomplete("platform")
    async def directory_platform(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Enabled platforms, aliases included."""
        return platform_choices(interaction, current)

    @app_commands.command(name="links", description="Where this community is moving")
    @app_commands.guild_only()
    async def links(self, interaction: Interaction) -> None:
        """The community's official relocation links, one link button each."""
        assert interaction.guild_id is not None
        community = self.bot.community(interaction.guild_id)
        embed, view = links_message(community, self.bot.app.config().catalogue, interaction.locale)
        await interaction.response.send_message(embed=embed, view=view)


def button_url(url: str) -> str | None:
    """The URL if a link button can carry it: https (the config allows nothing else) within 512."""
    if url.startswith("https://") and len(url) <= BUTTON_URL_LIMIT and not any(c.isspace() for c in url):
        return url
    return None


def links_message(
    community: Community, catalogue: Catalogue, locale: discord.Locale
) -> tuple[discord.Embed, discord.ui.View]:
    """An embed naming each link (label, platform, note) and the deadline, and a button per link.

    The buttons are plain link buttons: no callback, nothing to keep after a restart. The view
    lays them out five to a row; the config allows at most 25 links, and 25 buttons is the most a
    message can carry.
    """
    embed = discord.Embed(
        title=fit(say(locale, "links.title", community=community.name), EMBED_TITLE_LIMIT),
        colour=discord.Colour.green(),
    )
    if community.deadline is not None:
        deadline = f"{format_dt(community.deadline, 'F')} ({format_dt(community.deadline, 'R')})"
        embed.description = say(locale, "links.deadline", deadline=Raw(deadline))
    view = discord.ui.View(timeout=None)
    links = community.links[:FIELDS_PER_EMBED]
    # Discord counts 6,000 characters across a whole message's embeds: share what the title
    # and description leave between the fields, so any config that validates fits.
    room = EMBED_TOTAL_LIMIT - 100 - len(embed.title or "") - len(embed.description or "")
    per_field = room // max(1, len(links))
    for link in links:
        platform = catalogue.display_name(link.platform)
        name = f"{clean(link.label, 150)} · {clean(platform, 60)}"
        value_room = max(1, min(900, per_field - len(name)))
        url = button_url(link.url)
        note = clean(link.note, value_room) if link.note else ""
        address = safe_url(link.url)
        if url is not None and len(view.children) < LINK_BUTTONS:
            view.add_item(discord.ui.Button(label=fit(link.label, BUTTON_LABEL_LIMIT), url=url))
            parts = [note or (address and fit(address, value_room))]
        else:  # no button: the address itself is the only way there, so it goes first
            parts = [address and fit(address, value_room), note]
        embed.add_field(name=name, value=lines_block(filter(None, parts), value_room) or "-", inline=False)
    if not community.links:
        embed.description = ((embed.description or "") + "\n" + say(locale, "links.empty")).strip()
    return embed, view


async def setup(bot: FerryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Directory(bot))

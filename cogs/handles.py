"""/handle add | remove | visibility | list | verify-bluesky: a member's own entries in the directory."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.choices import own_platform_choices, platform_choices
from bot.discord.client import FerryBot, identity_of
from bot.discord.linking import link_code_text
from bot.discord.messages import Raw, say
from bot.discord.render import (
    CONTENT_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TITLE_LIMIT,
    FOOTER_LIMIT,
    display_name_of,
    entry_line,
    fit,
    lines_block,
    safe_url,
)
from bot.models import EVERY_VISIBILITY, Source, Visibility
from bot.platforms import MAX_RAW_LENGTH
from bot.services.privacy import change_visibility

Interaction = discord.Interaction[FerryBot]
PlatformName = app_commands.Range[str, 1, 100]
HandleText = app_commands.Range[str, 1, MAX_RAW_LENGTH]


@app_commands.guild_only()
class Handles(
    commands.GroupCog, group_name="handle", group_description="Your handles in the migration directory"
):
    """Register, remove and list where you moved."""

    def __init__(self, bot: FerryBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="add", description="Add or update where you moved")
    @app_commands.describe(
        platform="The platform, e.g. RedNote, Lemon8, Bluesky",
        handle="Your handle or profile link there",
        visibility="Who may see it (default: this community)",
    )
    async def add(
        self,
        interaction: Interaction,
        platform: PlatformName,
        handle: HandleText,
        visibility: Literal["community", "public"] | None = None,
    ) -> None:
        """Add or update where you moved."""
        # The write may queue behind others (a burst of sign-ups): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community_slug(interaction)
        registration = await self.bot.app.directory.register(
            community=community,
            identity=identity_of(interaction.user),
            display_name=display_name_of(interaction.user),
            platform=platform,
            handle=handle,
            source=Source.DISCORD,
            visibility=Visibility(visibility) if visibility else None,
        )
        entry = registration.entry
        locale = interaction.locale
        name = self.bot.app.config().catalogue.display_name(entry.platform)
        previous = registration.previous_handle or ""
        text = say(
            locale,
            f"handle.{registration.outcome.value}",
            platform=name,
            handle=entry.handle,
            previous=previous,
        )
        visible_to = say(locale, f"visibility.{entry.visibility.value}")
        text += "\n" + say(locale, "handle.visibility", visibility=Raw(visible_to))
        url = safe_url(entry.profile_url)
        if url is not None:
            text += f"\n<{url}>"  # angle brackets: a link without a preview card
        await interaction.followup.send(text, ephemeral=True)

    @add.autocomplete("platform")
    async def add_platform(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Enabled platforms; aliases such as "xhs" or "小红书" match too."""
        return platform_choices(interaction, current)

    @app_commands.command(name="remove", description="Remove one of your handles")
    @app_commands.describe(platform="The platform, e.g. RedNote, Lemon8, Bluesky")
    async def remove(self, interaction: Interaction, platform: PlatformName) -> None:
        """Remove one of your handles."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        entry = await self.bot.app.directory.remove(
            community=self.bot.community_slug(interaction),
            identity=identity_of(interaction.user),
            platform=platform,
        )
        name = self.bot.app.config().catalogue.display_name(entry.platform)
        await interaction.followup.send(
            say(interaction.locale, "handle.removed", platform=name, handle=entry.handle), ephemeral=True
        )

    @remove.autocomplete("platform")
    async def remove_platform(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Only the platforms you have a handle on."""
        return await own_platform_choices(interaction, current)

    @app_commands.command(name="visibility", description="Choose who may see your handles")
    @app_commands.describe(visibility="Who may see them", platform="One platform (default: all of yours)")
    async def visibility(
        self,
        interaction: Interaction,
        visibility: Literal["community", "public"],
        platform: PlatformName | None = None,
    ) -> None:
        """Make one of your handles (or all of them) public or community-only; the Bluesky list follows."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        app = self.bot.app
        change = await change_visibility(
            app.directory,
            app.moderation,
            community=self.bot.community_slug(interaction),
            identity=identity_of(interaction.user),
            platform=platform,
            visibility=Visibility(visibility),
        )
        locale = interaction.locale
        catalogue = app.config().catalogue
        shown = change.changed or change.unchanged
        names = ", ".join(catalogue.display_name(e.platform) for e in shown)
        key = "handle.visibility.changed" if change.changed else "handle.visibility.unchanged"
        visible_to = Raw(say(locale, f"visibility.{change.visibility.value}"))
        text = say(locale, key, visibility=visible_to, platforms=names)
        await interaction.followup.send(fit(text, CONTENT_LIMIT), ephemeral=True)

    @visibility.autocomplete("platform")
    async def visibility_platform(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Only the platforms you have a handle on."""
        return await own_platform_choices(interaction, current)

    @app_commands.command(name="list", description="List your handles, or another member's")
    @app_commands.describe(member="Whose handles to show (default: yours)")
    async def list_(self, interaction: Interaction, member: discord.User | None = None) -> None:
        """List your handles, or another member's as far as they are visible here."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community_slug(interaction)
        target = member or interaction.user
        mine = target.id == interaction.user.id
        locale = interaction.locale
        directory = self.bot.app.directory
        record = await directory.member(community=community, identity=identity_of(target))
        # Someone an admin hid or banned is hidden from every view but their own.
        entries = (
            []
            if record is None or (not record.listed and not mine)
            else (
                await directory.handles(
                    community=community, identity=identity_of(target), visibilities=EVERY_VISIBILITY
                )
            )
        )
        if not entries:
            key = "handle.list.empty_mine" if mine else "handle.list.empty_theirs"
            await interaction.followup.send(say(locale, key, name=target.display_name), ephemeral=True)
            return
        catalogue = self.bot.app.config().catalogue
        # An equal share of the description per handle, so every handle is listed whole.
        budget = EMBED_DESCRIPTION_LIMIT // len(entries) - 1
        lines = []
        for entry in entries:
            name = catalogue.display_name(entry.platform)
            lines.append(entry_line(entry, name, with_member=False, budget=budget))
        title = (
            say(locale, "handle.list.mine")
            if mine
            else say(locale, "handle.list.theirs", name=target.display_name)
        )
        embed = discord.Embed(
            title=fit(title, EMBED_TITLE_LIMIT),
            description=lines_block(lines),
            colour=discord.Colour.blurple(),
        )
        embed.set_footer(text=fit(say(locale, "legend"), FOOTER_LIMIT))
        await interaction.followup.send(embed=embed, ephemeral=True)

    @app_commands.command(name="verify-bluesky", description="Link your Bluesky account with a one-time code")
    @app_commands.describe(handle="Your Bluesky handle: only that account can use the code")
    async def verify_bluesky(
        self, interaction: Interaction, handle: app_commands.Range[str, 1, MAX_RAW_LENGTH]
    ) -> None:
        """Get a one-time code to post from your Bluesky account, proving it is yours.

        The code is posted in public, so it is bound to the handle given here: anyone copying it
        from that post is refused.
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = self.bot.app.settings
        if not settings.bluesky_enabled or settings.bluesky_handle is None:
            await interaction.followup.send(say(interaction.locale, "link.unavailable"), ephemeral=True)
            return
        issued = await self.bot.app.linking.issue_code(
            community=self.bot.community_slug(interaction),
            identity=identity_of(interaction.user),
            display_name=display_name_of(interaction.user),
            handle=handle,
        )
        text = link_code_text(interaction.locale, issued, settings.bluesky_handle)
        await interaction.followup.send(text, ephemeral=True)


async def setup(bot: FerryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Handles(bot))

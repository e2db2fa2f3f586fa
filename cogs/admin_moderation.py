"""/ferry remove | hide | unhide | ban | unban | verify | unverify | stats | audit: moderating the directory.

A mixin of the ``Admin`` group cog (``cogs.admin``), which carries the group, its default
permissions and its error handling; every command here also checks admin rights at run time.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.admin import Interaction, actor, log_action, platform_name
from bot.discord.checks import ferry_admin
from bot.discord.choices import platform_choices
from bot.discord.client import FerryBot
from bot.discord.insights import send_with_chart
from bot.discord.messages import Raw, say
from bot.discord.render import (
    FIELD_VALUE_LIMIT,
    clean,
    embeds_for_lines,
    entry_line,
    fit,
    lines_block,
)
from bot.discord.targets import MemberArg, Target, resolve
from bot.models import Entry
from bot.services.moderation import AUDIT_GROUPS, MAX_BAN_REASON

AUDIT_ROWS = 25
MEMBER_HELP = "The member: pick a suggestion, or give a mention, a Discord user id or a Bluesky DID"
PLATFORM_HELP = "The platform of the handle"
# Choice labels are English like command names; the reply words the chosen group in the admin's language.
AUDIT_GROUP_CHOICES = [app_commands.Choice(name=group, value=group) for group in AUDIT_GROUPS]


class ModerationCommands(commands.Cog):
    """Removing, hiding and verifying entries; statistics and the audit log."""

    bot: FerryBot

    async def _done(self, interaction: Interaction, action: str, member: Target, entry: Entry) -> None:
        """Log an admin's change to one entry and tell them what it did."""
        log_action(interaction, action, member=str(member.identity), platform=entry.platform)
        locale = interaction.locale
        keys = {"remove": "admin.removed", "verify": "admin.verified", "unverify": "admin.unverified"}
        text = say(
            locale,
            keys[action],
            member=member.name,
            platform=platform_name(self.bot, entry.platform),
            handle=entry.handle,
            # The level an entry fell back to; sentences without a {level} ignore it.
            level=say(locale, f"level.{entry.verification.value}"),
        )
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="remove", description="Remove a member's handle on a platform")
    @app_commands.describe(member=MEMBER_HELP, platform=PLATFORM_HELP)
    @ferry_admin()
    async def remove(
        self, interaction: Interaction, member: MemberArg, platform: app_commands.Range[str, 1, 100]
    ) -> None:
        """Remove a member's handle on one platform."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await resolve(interaction, member)
        entry = await self.bot.app.directory.remove(
            community=self.bot.community_slug(interaction),
            identity=target.identity,
            platform=platform,
            actor=actor(interaction),
        )
        await self._done(interaction, "remove", target, entry)

    @remove.autocomplete("platform")
    async def remove_platform(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The community's platforms (autocomplete only suggests; the command re-checks everything)."""
        return platform_choices(interaction, current)

    async def _set_hidden(self, interaction: Interaction, member: MemberArg, hidden: bool) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await resolve(interaction, member)
        await self.bot.app.moderation.set_hidden(
            community=self.bot.community_slug(interaction),
            identity=target.identity,
            hidden=hidden,
            actor=actor(interaction),
        )
        log_action(interaction, "hide" if hidden else "unhide", member=str(target.identity))
        key = "admin.hidden" if hidden else "admin.unhidden"
        await interaction.followup.send(say(interaction.locale, key, member=target.name), ephemeral=True)

    @app_commands.command(name="hide", description="Hide a member from the directory (data is kept)")
    @app_commands.describe(member=MEMBER_HELP)
    @ferry_admin()
    async def hide(self, interaction: Interaction, member: MemberArg) -> None:
        """Hide a member from every directory view; their data is kept."""
        await self._set_hidden(interaction, member, True)

    @app_commands.command(name="unhide", description="List a hidden member again")
    @app_commands.describe(member=MEMBER_HELP)
    @ferry_admin()
    async def unhide(self, interaction: Interaction, member: MemberArg) -> None:
        """List a hidden member in the directory again."""
        await self._set_hidden(interaction, member, False)

    @app_commands.command(name="ban", description="Ban a member: no registering, not listed (data is kept)")
    @app_commands.describe(member=MEMBER_HELP, reason="Why (seen by admins in the audit log)")
    @ferry_admin()
    async def ban(
        self,
        interaction: Interaction,
        member: MemberArg,
        reason: app_commands.Range[str, 1, MAX_BAN_REASON] | None = None,
    ) -> None:
        """Bar a member (registered or not yet) from registering, and unlist them."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await resolve(interaction, member)
        await self.bot.app.moderation.ban(
            community=self.bot.community_slug(interaction),
            identity=target.identity,
            actor=actor(interaction),
            reason=reason,
        )
        log_action(interaction, "ban", member=str(target.identity))
        await interaction.followup.send(
            say(interaction.locale, "admin.banned", member=target.name), ephemeral=True
        )

    @app_commands.command(name="unban", description="Lift a member's ban")
    @app_commands.describe(member=MEMBER_HELP)
    @ferry_admin()
    async def unban(self, interaction: Interaction, member: MemberArg) -> None:
        """Let a banned member register again and list their handles again."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await resolve(interaction, member)
        await self.bot.app.moderation.unban(
            community=self.bot.community_slug(interaction),
            identity=target.identity,
            actor=actor(interaction),
        )
        log_action(interaction, "unban", member=str(target.identity))
        await interaction.followup.send(
            say(interaction.locale, "admin.unbanned", member=target.name), ephemeral=True
        )

    @app_commands.command(name="verify", description="Mark a member's handle as verified by an admin")
    @app_commands.describe(member=MEMBER_HELP, platform=PLATFORM_HELP)
    @ferry_admin()
    async def verify(
        self, interaction: Interaction, member: MemberArg, platform: app_commands.Range[str, 1, 100]
    ) -> None:
        """Vouch for a member's handle on one platform."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await resolve(interaction, member)
        entry = await self.bot.app.moderation.verify(
            community=self.bot.community_slug(interaction),
            identity=target.identity,
            platform=platform,
            actor=actor(interaction),
        )
        await self._done(interaction, "verify", target, entry)

    @verify.autocomplete("platform")
    async def verify_platform(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The community's platforms."""
        return platform_choices(interaction, current)

    @app_commands.command(name="unverify", description="Take back an admin's verification of a handle")
    @app_commands.describe(member=MEMBER_HELP, platform=PLATFORM_HELP)
    @ferry_admin()
    async def unverify(
        self, interaction: Interaction, member: MemberArg, platform: app_commands.Range[str, 1, 100]
    ) -> None:
        """Drop a handle back to what the member can prove for themselves."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await resolve(interaction, member)
        entry = await self.bot.app.moderation.unverify(
            community=self.bot.community_slug(interaction),
            identity=target.identity,
            platform=platform,
            actor=actor(interaction),
        )
        await self._done(interaction, "unverify", target, entry)

    @unverify.autocomplete("platform")
    async def unverify_platform(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The community's platforms."""
        return platform_choices(interaction, current)

    @app_commands.command(name="stats", description="Members, handles per platform, recent arrivals")
    @ferry_admin()
    async def stats(self, interaction: Interaction) -> None:
        """Members, handles per platform and the most recent arrivals."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community(interaction.guild_id or 0)
        stats = await self.bot.app.moderation.stats(community=community.slug)
        locale = interaction.locale
        none = say(locale, "stats.none")
        embed = discord.Embed(
            title=fit(say(locale, "stats.title", community=community.name), 256), colour=discord.Colour.gold()
        )
        embed.add_field(name=say(locale, "stats.members"), value=str(stats.members))
        per_platform = [
            f"{clean(platform_name(self.bot, k), 40)}: {n}"
            for k, n in sorted(stats.handles.items(), key=lambda kv: -kv[1])
        ]
        embed.add_field(
            name=say(locale, "stats.handles"),
            value=lines_block(per_platform, FIELD_VALUE_LIMIT) or none,
            inline=False,
        )
        recent = [
            entry_line(e, platform_name(self.bot, e.platform), budget=FIELD_VALUE_LIMIT // 5)
            for e in stats.recent
        ]
        embed.add_field(
            name=say(locale, "stats.recent"),
            value=lines_block(recent, FIELD_VALUE_LIMIT) or none,
            inline=False,
        )
        await send_with_chart(self.bot, interaction, embed, community.slug)

    @app_commands.command(name="audit", description="Recent changes, of everyone or of one member")
    @app_commands.describe(
        member="Only this member", action="Only this kind of change", platform="Only this platform's changes"
    )
    @app_commands.choices(action=AUDIT_GROUP_CHOICES)
    @ferry_admin()
    async def audit(
        self,
        interaction: Interaction,
        member: MemberArg | None = None,
        action: app_commands.Choice[str] | None = None,
        platform: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """The latest changes to the directory, newest first, optionally filtered."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = interaction.locale
        target = await resolve(interaction, member) if member else None
        records = await self.bot.app.moderation.audit(
            community=self.bot.community_slug(interaction),
            identity=target.identity if target else None,
            group=action.value if action else None,
            platform=platform,
            limit=AUDIT_ROWS,
        )
        lines = []
        for record in records:
            when = discord.utils.format_dt(record.at, "f")
            where = f" · {clean(platform_name(self.bot, record.platform), 40)}" if record.platform else ""
            details = ", ".join(f"{clean(k, 30)}={clean(v, 60)}" for k, v in record.detail.items())
            name, who = clean(record.action, 40), clean(record.actor, 60)
            lines.append(f"{when} · `{name}` · {who}{where} {details}".rstrip())
        title = (
            say(locale, "audit.title_member", member=target.name) if target else say(locale, "audit.title")
        )
        filters = [say(locale, f"audit.group.{action.value}")] if action else []
        if platform:
            filters.append(clean(platform, 40))
        if filters:
            title = say(locale, "audit.filtered", title=Raw(title), filters=Raw(" · ".join(filters)))
        # embeds_for_lines splits the lines over embeds within Discord's 6,000-character total.
        embeds = embeds_for_lines(title, lines or [say(locale, "audit.empty")])
        await interaction.followup.send(embeds=embeds, ephemeral=True)

    @audit.autocomplete("platform")
    async def audit_platform(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The community's platforms (a platform since removed can still be typed by its key)."""
        return platform_choices(interaction, current)

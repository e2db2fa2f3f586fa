"""/ferry …: the community's admins moderate the directory and manage the bot.

Hidden from members by ``default_permissions(manage_guild=True)`` on the group, and checked again
at run time (``ferry_admin``), because server owners can widen who sees a command.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import ConfigError, load_config
from bot.discord.checks import bot_owner, ferry_admin
from bot.discord.choices import platform_choices
from bot.discord.client import FerryBot, identity_of
from bot.discord.messages import Raw, error_text, say
from bot.discord.render import (
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    clean,
    embeds_for_lines,
    entry_line,
    fit,
    lines_block,
)
from bot.discord.views import ConfirmView, export_bytes, too_big
from bot.services.transfer import ExportFormat, ImportReport

log = logging.getLogger(__name__)
Interaction = discord.Interaction[FerryBot]
MAX_IMPORT_BYTES = 5 * 1024 * 1024  # a spreadsheet of 100,000 rows fits well within this
AUDIT_ROWS = 25
# Leave room for titles and the summary line in a message's 6,000 characters.
REPORT_BUDGET = EMBED_TOTAL_LIMIT - 1000


def _actor(interaction: Interaction) -> str:
    return f"admin:discord:{interaction.user.id}"


def _audit_log(interaction: Interaction, action: str, **details: object) -> None:
    """Every admin action is logged with who, what and where (the database audit has the rest)."""
    log.info(
        "admin action",
        extra={
            "action": action,
            "admin_id": interaction.user.id,
            "guild_id": interaction.guild_id,
            **details,
        },
    )


def _lines_reply(
    title: str, lines: list[str], filename: str, raw: list[str]
) -> tuple[list[discord.Embed], list[discord.File]]:
    """Embeds with every line when they fit in one message; otherwise the first lines and a file with all."""
    if sum(len(line) + 1 for line in lines) <= REPORT_BUDGET:
        return embeds_for_lines(title, lines), []
    shown = lines_block(lines, REPORT_BUDGET // 2)
    data = "\n".join(raw).encode("utf-8")
    return embeds_for_lines(title, shown.splitlines()), [discord.File(io.BytesIO(data), filename=filename)]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(commands.GroupCog, group_name="ferry", group_description="Ferry admin tools"):
    """Moderation, bulk import and export, statistics, the audit log and configuration."""

    def __init__(self, bot: FerryBot) -> None:
        self.bot = bot
        super().__init__()

    def _platform_name(self, key: str) -> str:
        spec = self.bot.app.config().catalogue.get(key)
        return spec.display_name if spec else key

    @app_commands.command(name="remove", description="Remove a member's handle on a platform")
    @ferry_admin()
    async def remove(
        self, interaction: Interaction, member: discord.User, platform: app_commands.Range[str, 1, 100]
    ) -> None:
        """Remove a member's handle on one platform."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        entry = await self.bot.app.directory.remove(
            community=self.bot.community_of(interaction),
            identity=identity_of(member),
            platform=platform,
            actor=_actor(interaction),
        )
        _audit_log(interaction, "remove", member_id=member.id, platform=entry.platform)
        text = say(
            interaction.locale,
            "admin.removed",
            member=member.display_name,
            platform=self._platform_name(entry.platform),
            handle=entry.handle,
        )
        await interaction.followup.send(text, ephemeral=True)

    @remove.autocomplete("platform")
    async def remove_platform(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The community's platforms (autocomplete only suggests; the command re-checks everything)."""
        return platform_choices(interaction, current)

    async def _set_hidden(self, interaction: Interaction, member: discord.User, hidden: bool) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.app.moderation.set_hidden(
            community=self.bot.community_of(interaction),
            identity=identity_of(member),
            hidden=hidden,
            actor=_actor(interaction),
        )
        _audit_log(interaction, "hide" if hidden else "unhide", member_id=member.id)
        key = "admin.hidden" if hidden else "admin.unhidden"
        await interaction.followup.send(
            say(interaction.locale, key, member=member.display_name), ephemeral=True
        )

    @app_commands.command(name="hide", description="Hide a member from the directory (data is kept)")
    @ferry_admin()
    async def hide(self, interaction: Interaction, member: discord.User) -> None:
        """Hide a member from every directory view; their data is kept."""
        await self._set_hidden(interaction, member, True)

    @app_commands.command(name="unhide", description="List a hidden member again")
    @ferry_admin()
    async def unhide(self, interaction: Interaction, member: discord.User) -> None:
        """List a hidden member in the directory again."""
        await self._set_hidden(interaction, member, False)

    @app_commands.command(name="verify", description="Mark a member's handle as verified by an admin")
    @ferry_admin()
    async def verify(
        self, interaction: Interaction, member: discord.User, platform: app_commands.Range[str, 1, 100]
    ) -> None:
        """Vouch for a member's handle on one platform."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        entry = await self.bot.app.moderation.verify(
            community=self.bot.community_of(interaction),
            identity=identity_of(member),
            platform=platform,
            actor=_actor(interaction),
        )
        _audit_log(interaction, "verify", member_id=member.id, platform=entry.platform)
        text = say(
            interaction.locale,
            "admin.verified",
            member=member.display_name,
            platform=self._platform_name(entry.platform),
            handle=entry.handle,
        )
        await interaction.followup.send(text, ephemeral=True)

    @verify.autocomplete("platform")
    async def verify_platform(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The community's platforms."""
        return platform_choices(interaction, current)

    @app_commands.command(name="import", description="Import a CSV of handles: check first, then confirm")
    @ferry_admin()
    async def import_(self, interaction: Interaction, file: discord.Attachment) -> None:
        """Check a CSV of handles (dry run) and offer to apply it."""
        locale = interaction.locale
        if file.size > MAX_IMPORT_BYTES:
            await interaction.response.send_message(
                say(locale, "import.too_big", limit=MAX_IMPORT_BYTES // (1024 * 1024)), ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            text = (await file.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            await interaction.followup.send(say(locale, "import.not_text"), ephemeral=True)
            return
        community = self.bot.community_of(interaction)
        transfer = self.bot.app.transfer
        report = await transfer.import_csv(io.StringIO(text), community=community, dry_run=True)
        embeds, files = self._report(locale, file.filename, report, "import.title", "import.summary")
        if report.added + report.replaced == 0:
            await interaction.followup.send(
                say(locale, "import.nothing"), embeds=embeds, files=files, ephemeral=True
            )
            return

        async def apply(confirmed: Interaction) -> None:
            # A large file takes longer than Discord's 3 s: acknowledge, then edit the prompt.
            await confirmed.response.defer()
            done = await transfer.import_csv(io.StringIO(text), community=community, dry_run=False)
            _audit_log(confirmed, "import", rows=done.rows, added=done.added, replaced=done.replaced)
            result, attachments = self._report(
                locale, file.filename, done, "import.applied_title", "import.applied"
            )
            await confirmed.edit_original_response(
                content=None, embeds=result, attachments=attachments, view=None
            )

        view = ConfirmView(
            owner_id=interaction.user.id,
            locale=locale,
            confirm_label=say(locale, "import.confirm"),
            action=apply,
            timeout=self.bot.view_timeout,
        )
        view.message = await interaction.followup.send(
            embeds=embeds, files=files, view=view, ephemeral=True, wait=True
        )

    def _report(
        self, locale: discord.Locale, filename: str, report: ImportReport, title_key: str, summary_key: str
    ) -> tuple[list[discord.Embed], list[discord.File]]:
        summary = say(
            locale,
            summary_key,
            rows=report.rows,
            added=report.added,
            replaced=report.replaced,
            unchanged=report.unchanged,
            rejected=len(report.rejected),
        )
        rejected = [
            say(locale, "import.rejected", line=row.line, reason=Raw(error_text(locale, row.error)))
            for row in report.rejected
        ]
        raw = [f"line {row.line}: {row.reason}" for row in report.rejected]
        title = fit(say(locale, title_key, file=filename), 256)
        return _lines_reply(title, [summary, *rejected], "rejected-rows.txt", raw)

    @app_commands.command(name="export", description="Export the directory as a file")
    @ferry_admin()
    async def export(self, interaction: Interaction, format: Literal["csv", "json"] = "csv") -> None:
        """The whole directory (every visibility) as CSV or JSON, sent only to you."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community_of(interaction)
        data, count = await export_bytes(self.bot, community, ExportFormat(format))
        _audit_log(interaction, "export", format=format, rows=count)
        if await too_big(interaction, data):
            return
        await interaction.followup.send(
            say(interaction.locale, "export.done", format=format.upper(), count=count),
            file=discord.File(io.BytesIO(data), filename=f"{community}-directory.{format}"),
            ephemeral=True,
        )

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
            f"{clean(self._platform_name(k), 40)}: {n}"
            for k, n in sorted(stats.handles.items(), key=lambda kv: -kv[1])
        ]
        embed.add_field(
            name=say(locale, "stats.handles"),
            value=lines_block(per_platform, FIELD_VALUE_LIMIT) or none,
            inline=False,
        )
        recent = [
            entry_line(e, self._platform_name(e.platform), budget=FIELD_VALUE_LIMIT // 5)
            for e in stats.recent
        ]
        embed.add_field(
            name=say(locale, "stats.recent"),
            value=lines_block(recent, FIELD_VALUE_LIMIT) or none,
            inline=False,
        )
        await interaction.followup.send(embed=embed, ephemeral=True)

    @app_commands.command(name="audit", description="Recent changes, of everyone or of one member")
    @ferry_admin()
    async def audit(self, interaction: Interaction, member: discord.User | None = None) -> None:
        """The latest changes to the directory, newest first."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = interaction.locale
        records = await self.bot.app.moderation.audit(
            community=self.bot.community_of(interaction),
            identity=identity_of(member) if member else None,
            limit=AUDIT_ROWS,
        )
        lines = []
        for record in records:
            when = discord.utils.format_dt(record.at, "f")
            platform = f" · {clean(self._platform_name(record.platform), 40)}" if record.platform else ""
            details = ", ".join(f"{clean(k, 30)}={clean(v, 60)}" for k, v in record.detail.items())
            action, actor = clean(record.action, 40), clean(record.actor, 60)
            lines.append(f"{when} · `{action}` · {actor}{platform} {details}".rstrip())
        title = (
            say(locale, "audit.title_member", member=member.display_name)
            if member
            else say(locale, "audit.title")
        )
        embeds = embeds_for_lines(title, lines or [say(locale, "audit.empty")])
        await interaction.followup.send(embeds=embeds, ephemeral=True)

    @app_commands.command(name="reload", description="Re-read the config files and report any problem")
    @ferry_admin()
    async def reload(self, interaction: Interaction) -> None:
        """Re-read the config files; a config with problems is reported and not applied."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = interaction.locale
        path = self.bot.app.settings.config_path
        try:
            config = await asyncio.to_thread(load_config, path)
        except ConfigError as exc:
            _audit_log(interaction, "reload", ok=False, problems=len(exc.problems))
            problems = [str(problem) for problem in exc.problems]
            lines = [say(locale, "reload.failed", count=len(problems)), *(clean(p, 1000) for p in problems)]
            embeds, files = _lines_reply("ferry reload", lines, "config-problems.txt", problems)
            await interaction.followup.send(embeds=embeds, files=files, ephemeral=True)
            return
        self.bot.app.config.current = config
        _audit_log(interaction, "reload", ok=True)
        text = say(locale, "reload.ok", files=len(config.source_files), communities=len(config.communities))
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="sync", description="Owner only: publish slash commands to Discord")
    @bot_owner()
    async def sync(self, interaction: Interaction, scope: Literal["global", "guild"] = "guild") -> None:
        """Push the command list to Discord, globally or to this server only."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        tree = self.bot.tree
        if scope == "guild" and interaction.guild is not None:
            tree.copy_global_to(guild=interaction.guild)
            synced = await tree.sync(guild=interaction.guild)
        else:
            synced = await tree.sync()
        _audit_log(interaction, "sync", scope=scope, commands=len(synced))
        where = say(interaction.locale, f"sync.{scope}")
        await interaction.followup.send(
            say(interaction.locale, "sync.done", count=len(synced), scope=Raw(where)), ephemeral=True
        )


async def setup(bot: FerryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Admin(bot))

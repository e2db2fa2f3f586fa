"""/ferry import | export: the directory in and out as files.

A mixin of the ``Admin`` group cog (``cogs.admin``).
"""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.admin import Interaction, lines_reply, log_action
from bot.discord.checks import ferry_admin
from bot.discord.client import FerryBot
from bot.discord.messages import Raw, error_text, say
from bot.discord.render import fit
from bot.discord.views import ConfirmView, export_bytes, too_big
from bot.services.transfer import ExportFormat, ImportReport

MAX_IMPORT_BYTES = 5 * 1024 * 1024  # a spreadsheet of 100,000 rows fits well within this


class DataCommands(commands.Cog):
    """Bulk import with a dry run and a confirm step, and exports."""

    bot: FerryBot

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
            log_action(confirmed, "import", rows=done.rows, added=done.added, replaced=done.replaced)
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
        return lines_reply(title, [summary, *rejected], "rejected-rows.txt", raw)

    @app_commands.command(name="export", description="Export the directory as a file")
    @ferry_admin()
    async def export(self, interaction: Interaction, format: Literal["csv", "json"] = "csv") -> None:
        """The whole directory (every visibility) as CSV or JSON, sent only to you."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community_of(interaction)
        data, count = await export_bytes(self.bot, community, ExportFormat(format))
        log_action(interaction, "export", format=format, rows=count)
        if await too_big(interaction, data):
            return
        await interaction.followup.send(
            say(interaction.locale, "export.done", format=format.upper(), count=count),
            file=discord.File(io.BytesIO(data), filename=f"{community}-directory.{format}"),
            ephemeral=True,
        )

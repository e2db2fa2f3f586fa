"""/ferry import | export: the directory in and out as files.

A mixin of the ``Admin`` group cog (``cogs.admin``).

An applied import shows "n / total rows" on its prompt while it runs. It is never cut short: one
that outlives the confirm click's 15-minute interaction token (far more rows than the upload limit
allows at usual speeds) carries on, and as its report can then reach no one in Discord (a public
message would show private data), the report's counts go to the log for the operator.
"""

from __future__ import annotations

import io
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.admin import Interaction, lines_reply, log_action
from bot.discord.checks import ferry_admin, is_ferry_admin
from bot.discord.client import FerryBot
from bot.discord.messages import Raw, error_text, say
from bot.discord.progress import ProgressEdits
from bot.discord.render import fit
from bot.discord.views import ConfirmView, export_bytes, too_big
from bot.errors import BannedError
from bot.services.transfer import ExportFormat, ExportScope, ImportReport, RejectedRow, export_filename

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 5 * 1024 * 1024  # a spreadsheet of 100,000 rows fits well within this
_LOGGED_REJECTIONS = 100  # rejected rows named in the log when the report cannot be shown
_LINE = 1024  # characters of one report line; a sheet with hundreds of columns still fits a message


class DataCommands(commands.Cog):
    """Bulk import with a dry run and a confirm step, and exports."""

    bot: FerryBot

    @app_commands.command(name="import", description="Import a CSV of handles: check first, then confirm")
    @app_commands.describe(file="The CSV file, one handle per row")
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
        community = self.bot.community_slug(interaction)
        transfer = self.bot.app.transfer
        report = await transfer.import_csv(io.StringIO(text), community=community, dry_run=True)
        embeds, files = self._report(locale, file.filename, report, "import.title", "import.summary")
        if report.changes == 0:
            await interaction.followup.send(
                say(locale, "import.nothing"), embeds=embeds, files=files, ephemeral=True
            )
            return

        async def apply(confirmed: Interaction) -> None:
            # A large file takes longer than Discord's 3 s: acknowledge, then edit the prompt.
            await confirmed.response.defer()
            progress = ProgressEdits(
                confirmed, lambda n, total: say(locale, "import.progress", done=n, total=total)
            )
            await progress.show(0, report.rows)  # also takes the buttons away
            done = await transfer.import_csv(
                io.StringIO(text), community=community, dry_run=False, progress=progress
            )
            await progress.settle()
            counts = {
                "rows": done.rows,
                "added": done.added,
                "replaced": done.replaced,
                "unchanged": done.unchanged,
                "kept": done.kept,
                "rejected": len(done.rejected),
            }
            log_action(confirmed, "import", **counts)
            result, attachments = self._report(
                locale, file.filename, done, "import.applied_title", "import.applied"
            )
            if not progress.refused:
                try:
                    await confirmed.edit_original_response(
                        content=None, embeds=result, attachments=attachments, view=None
                    )
                    return
                except discord.HTTPException:
                    pass  # logged below, with what the admin could not be shown
            # Locations only: the reasons quote handles, which are the members' data.
            where = [row.where for row in done.rejected[:_LOGGED_REJECTIONS]]
            log.warning(
                "import report not shown: the interaction can no longer be edited",
                extra={"community": community, "file": file.filename, **counts, "rejected_rows": where},
            )

        view = ConfirmView(
            owner_id=interaction.user.id,
            locale=locale,
            confirm_label=say(locale, "import.confirm"),
            action=apply,
            timeout=self.bot.view_timeout,
            still_allowed=is_ferry_admin,
        )
        view.message = await interaction.followup.send(
            embeds=embeds, files=files, view=view, ephemeral=True, wait=True
        )

    def _report(
        self, locale: discord.Locale, filename: str, report: ImportReport, title_key: str, summary_key: str
    ) -> tuple[list[discord.Embed], list[discord.File]]:
        layout = report.layout
        columns = ", ".join(
            say(locale, "import.column", title=column.title, meaning=column.meaning)
            for column in layout.columns
        )
        lines = [
            say(locale, f"import.layout_{layout.kind.value}"),
            fit(say(locale, "import.columns", columns=Raw(columns)), _LINE),
        ]
        if layout.unknown:
            unknown = ", ".join(say(locale, "import.column_title", title=title) for title in layout.unknown)
            lines.append(fit(say(locale, "import.unknown_columns", columns=Raw(unknown)), _LINE))
        lines.append(
            say(
                locale,
                summary_key,
                rows=report.rows,
                added=report.added,
                replaced=report.replaced,
                unchanged=report.unchanged,
                kept=report.kept,
                rejected=len(report.rejected),
            )
        )
        lines += [self._rejected(locale, row) for row in report.rejected]
        raw = [self._rejected(locale, row) for row in report.rejected]
        title = fit(say(locale, title_key, file=filename), 256)
        return lines_reply(title, lines, "rejected-rows.txt", raw, locale=locale, more_key="import.more")

    @staticmethod
    def _rejected(locale: discord.Locale, row: RejectedRow) -> str:
        # The member-facing sentence for a ban speaks to the banned person; the admin reads a fact.
        banned = isinstance(row.error, BannedError)
        reason = Raw(say(locale, "import.banned") if banned else error_text(locale, row.error))
        if row.column:
            return say(locale, "import.rejected_column", line=row.line, column=row.column, reason=reason)
        return say(locale, "import.rejected", line=row.line, reason=reason)

    @app_commands.command(name="export", description="Export the directory as a file")
    @app_commands.describe(
        format="CSV, JSON, a Mastodon following list, or the members' Bluesky DIDs",
        visibility="Only public entries, or all (public and community-only)",
    )
    @ferry_admin()
    async def export(
        self,
        interaction: Interaction,
        format: Literal["csv", "json", "mastodon", "dids"] = "csv",
        visibility: Literal["public", "all"] = "all",
    ) -> None:
        """One export, of one visibility scope that its name and the message both state; only for you."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.community_slug(interaction)
        fmt, scope = ExportFormat(format), ExportScope(visibility)
        data, count = await export_bytes(self.bot, community, fmt, scope)
        log_action(interaction, "export", format=format, visibility=visibility, records=count)
        locale = interaction.locale
        if not data:  # only a DID list can be empty, and Discord refuses an empty file
            await interaction.followup.send(say(locale, "export.none"), ephemeral=True)
            return
        if await too_big(interaction, data):
            return
        text = (
            f"{say(locale, f'export.{fmt.value}', count=count)} {say(locale, f'export.scope_{scope.value}')}"
        )
        await interaction.followup.send(
            text,
            file=discord.File(io.BytesIO(data), filename=export_filename(community, fmt, scope)),
            ephemeral=True,
        )

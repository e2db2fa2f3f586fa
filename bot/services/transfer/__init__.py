"""Bulk moves of directory data in and out of Ferry: spreadsheet imports and exports.

The import (``imports``) reads a community's existing sheet in the long or the wide layout
(``layout``) and reports on it (``report``); the exports (``exports``) write CSV, JSON, a Mastodon
follow list or the Bluesky DIDs, always of one declared scope.
"""

from __future__ import annotations

from typing import TextIO

from bot.services.directory import DirectoryService
from bot.services.transfer.exports import (
    EXPORT_COLUMNS,
    MASTODON_COLUMNS,
    Exporter,
    ExportFormat,
    ExportScope,
    export_filename,
)
from bot.services.transfer.imports import MAX_IMPORT_ROWS, Importer, Progress
from bot.services.transfer.layout import Column, Field, Layout, LayoutKind
from bot.services.transfer.report import ImportReport, RejectedRow, RowStatus
from bot.storage.repository import Repository

__all__ = [
    "EXPORT_COLUMNS",
    "MASTODON_COLUMNS",
    "MAX_IMPORT_ROWS",
    "Column",
    "ExportFormat",
    "ExportScope",
    "Field",
    "ImportReport",
    "Layout",
    "LayoutKind",
    "Progress",
    "RejectedRow",
    "RowStatus",
    "TransferService",
    "export_filename",
]


class TransferService:
    """Bulk moves of directory data in and out of Ferry, for every front."""

    def __init__(self, *, repository: Repository, directory: DirectoryService) -> None:
        self._exporter = Exporter(repository=repository, directory=directory)
        self._importer = Importer(repository=repository, directory=directory)

    async def export(
        self,
        out: TextIO,
        *,
        community: str,
        fmt: ExportFormat,
        scope: ExportScope,
        progress: Progress | None = None,
        account_ids: bool = True,
    ) -> int:
        """Write the community's listed entries in ``scope`` to ``out``; returns the record count."""
        return await self._exporter.export(
            out, community=community, fmt=fmt, scope=scope, progress=progress, account_ids=account_ids
        )

    async def import_csv(
        self, source: TextIO, *, community: str, dry_run: bool, progress: Progress | None = None
    ) -> ImportReport:
        """Check, and unless ``dry_run`` apply, a CSV sheet; see ``bot.services.transfer.imports``."""
        return await self._importer.run(source, community=community, dry_run=dry_run, progress=progress)

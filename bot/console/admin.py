"""Operator commands of the ``ferry`` CLI that read or change the directory in bulk."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.console.progress import ProgressBar
from bot.console.table import render_table
from bot.errors import FerryError
from bot.models import DirectoryQuery, Identity, IdentityKind, Verification, Visibility
from bot.services.transfer import ExportFormat, ExportScope, ImportReport, LayoutKind, export_filename
from bot.text.errors import error_sentence

VISIBILITY_CHOICES = {
    "all": frozenset(Visibility),
    "public": frozenset({Visibility.PUBLIC}),
    "community": frozenset({Visibility.COMMUNITY}),
}
_PAGE = 50
_MARKS = {Verification.SELF_REPORTED: "", Verification.BLUESKY_PROVEN: "✓", Verification.ADMIN_VERIFIED: "✓✓"}


def note_unconfigured(app: App, community: str, err: TextIO = sys.stderr) -> None:
    """Say so when a slug is not in the config, since a typo would otherwise look like an empty directory."""
    if not app.config().is_configured(community):
        err.write(f"note: community {community!r} is not in the config files; using defaults\n")


async def print_directory(
    app: App,
    *,
    community: str,
    platform: str | None,
    search: str | None,
    visibilities: frozenset[Visibility],
    out: TextIO = sys.stdout,
) -> int:
    """Print the whole (filtered) directory as a table, page by page; returns the entry count."""
    query = DirectoryQuery(
        community=community, platform=platform, search=search, visibilities=visibilities, limit=_PAGE
    )
    page = await app.directory.directory(query)
    rows: list[list[str]] = []
    while True:
        for entry in page.entries:
            rows.append(
                [
                    entry.member_name,
                    entry.platform,
                    entry.handle,
                    _MARKS[entry.verification],
                    entry.visibility.value,
                    entry.profile_url or "",
                ]
            )
        if page.next_cursor is None:
            break
        page = await app.directory.directory(dataclasses.replace(query, after=page.next_cursor))
    if rows:
        out.write(render_table(["member", "platform", "handle", "✓", "visibility", "link"], rows) + "\n")
    counts = await app.directory.counts(community=community, visibilities=visibilities)
    summary = ", ".join(f"{key} {count}" for key, count in sorted(counts.items())) or "none"
    out.write(f"{len(rows)} entries shown; per platform: {summary}\n")
    return len(rows)


_SCOPE_TEXT = {
    ExportScope.PUBLIC: "visibility: public (public entries only)",
    ExportScope.ALL: "visibility: all (public and community-only entries; keep the file private)",
}
_RECORDS = {
    ExportFormat.CSV: "entries",
    ExportFormat.JSON: "entries",
    ExportFormat.MASTODON: "Mastodon accounts",
    ExportFormat.DIDS: "Bluesky DIDs",
}
_LAYOUTS = {
    LayoutKind.LONG: "long (a platform and a handle column, one row per handle)",
    LayoutKind.WIDE: "wide (one column per platform, one row per person)",
    LayoutKind.MIXED: "mixed (platform and handle columns plus columns per platform)",
}


async def export(
    app: App,
    *,
    community: str,
    fmt: ExportFormat,
    scope: ExportScope,
    output: Path | None,
    err: TextIO = sys.stderr,
) -> int:
    """Export to a file (or stdout), with progress and a closing line that names the scope on ``err``.

    An ``output`` that is a directory gets the export's standard name, which carries the scope.
    """
    progress = ProgressBar("exporting", err)
    # One stat() of a local path before any work starts: nothing else is waiting on this loop.
    if output is not None and output.is_dir():  # noqa: ASYNC240
        output = output / export_filename(community, fmt, scope)
    if output is None:
        count = await app.transfer.export(
            sys.stdout, community=community, fmt=fmt, scope=scope, progress=progress
        )
    else:
        # newline="" because the csv module writes its own line ends.
        with output.open("w", encoding="utf-8", newline="") as stream:
            count = await app.transfer.export(
                stream, community=community, fmt=fmt, scope=scope, progress=progress
            )
    where = str(output) if output is not None else "stdout"
    err.write(f"exported {count} {_RECORDS[fmt]} of {community!r} to {where}; {_SCOPE_TEXT[scope]}\n")
    return count


async def import_file(
    app: App, *, community: str, path: Path, dry_run: bool, out: TextIO = sys.stdout
) -> int:
    """Import a CSV file and print the report; exit status 1 when anything was rejected."""
    # utf-8-sig drops the byte-order mark spreadsheet programs put first.
    with path.open("r", encoding="utf-8-sig", newline="") as stream:
        report = await app.transfer.import_csv(
            stream, community=community, dry_run=dry_run, progress=ProgressBar("importing")
        )
    out.write(import_summary(report))
    return 1 if report.rejected else 0


def import_summary(report: ImportReport) -> str:
    """The report as the operator reads it: layout, columns, counts and every rejected handle."""
    layout = report.layout
    columns = ", ".join(f"{c.title} -> {c.meaning}" for c in layout.columns)
    lines = [f"layout: {_LAYOUTS[layout.kind]}", f"columns: {columns}"]
    if layout.unknown:
        lines.append(f"unknown columns (ignored): {', '.join(layout.unknown)}")
    verb = "would be" if report.dry_run else "were"
    lines.append(
        f"{report.rows} rows: {report.added} {verb} added, {report.replaced} {verb} replaced, "
        f"{report.unchanged} unchanged, {report.kept} kept (changed or withdrawn by the member), "
        f"{len(report.rejected)} rejected"
    )
    lines += [
        f"  {rejected.where}: {error_sentence(rejected.error, 'en', outside=False)}"
        for rejected in report.rejected
    ]
    if report.dry_run:
        lines.append("dry run: nothing was changed. Run again without --dry-run to apply.")
    return "\n".join(lines) + "\n"


async def forget(
    app: App, *, community: str, kind: IdentityKind, external_id: str, out: TextIO = sys.stdout
) -> int:
    """Process a deletion request for one member; exit status 1 when nobody matched."""
    try:
        erasure = await app.directory.forget(
            community=community, identity=Identity(kind, external_id), actor="operator"
        )
    except FerryError:
        out.write(f"nobody with {kind.value} id {external_id!r} in {community!r}; nothing to erase\n")
        return 1
    if not erasure.member:
        rows = "record" if erasure.traces == 1 else "records"
        out.write(
            f"no member with {kind.value} id {external_id!r} in {community!r}; "
            f"scrubbed {erasure.traces} {rows} naming the account\n"
        )
        return 0
    noun = "handle" if erasure.handles == 1 else "handles"
    out.write(f"erased member {kind.value}:{external_id} and {erasure.handles} {noun} from {community!r}\n")
    return 0

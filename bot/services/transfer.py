"""Export of the directory (CSV, JSON) and import of a spreadsheet (CSV) with a dry run.

Exports stream in keyset batches, so a large directory never sits in memory; imports check every
row before touching anything and report each rejected row with its line number and reason.
"""

from __future__ import annotations

import csv
import enum
import json
import re
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from typing import TextIO

from bot.errors import FerryError, HandleTakenError, InvalidInputError
from bot.models import Entry, Identity, IdentityKind, Member, Source, Visibility
from bot.services.directory import DirectoryService
from bot.storage.repository import Repository

Progress = Callable[[int, int], None]  # (done, total); total is 0 when unknown

MAX_IMPORT_ROWS = 100_000
_MEMBER_CACHE = 4096  # members remembered while exporting
EXPORT_COLUMNS = (
    "platform",
    "handle",
    "profile_url",
    "name",
    "discord_id",
    "bluesky_did",
    "visibility",
    "verification",
    "source",
    "created_at",
    "updated_at",
)
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEADER_ALIASES = {
    "platform": ("platform", "site", "network", "app"),
    "handle": ("handle", "username", "account", "profile", "link", "url", "handle_or_link"),
    "name": ("name", "member", "display_name", "member_name", "nickname"),
    "discord_id": ("discord_id", "discord_user_id", "discord"),
    "bluesky_did": ("bluesky_did", "did"),
    "visibility": ("visibility",),
}
_DISCORD_ID = re.compile(r"^[0-9]{15,21}$")
_DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-z0-9.-]{1,253})$")


class ExportFormat(enum.StrEnum):
    """File formats the directory can be exported as."""

    CSV = "csv"
    JSON = "json"


class RowStatus(enum.StrEnum):
    """What an import did, or would do, with one row."""

    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that was not imported: its line in the file and the domain error that refused it.

    The error, not a sentence, is kept so each front can word the reason in its own language.
    """

    line: int
    error: FerryError

    @property
    def reason(self) -> str:
        """The error in plain English, for logs and the operator's CLI."""
        return str(self.error)


@dataclass(slots=True)
class ImportReport:
    """The outcome of an import or a dry run."""

    dry_run: bool
    rows: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def count(self, status: RowStatus) -> None:
        """Tally one accepted row."""
        if status is RowStatus.ADDED:
            self.added += 1
        elif status is RowStatus.REPLACED:
            self.replaced += 1
        elif status is RowStatus.UNCHANGED:
            self.unchanged += 1


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


class TransferService:
    """Bulk moves of directory data in and out of Ferry."""

    def __init__(self, *, repository: Repository, directory: DirectoryService) -> None:
        self._repo = repository
        self._directory = directory

    async def _rows(
        self, community: str, visibilities: frozenset[Visibility]
    ) -> AsyncIterator[dict[str, str]]:
        # Entries come in handle order, so one member's entries are scattered: a bounded cache of
        # members keeps the look-ups down without holding the whole community in memory.
        members: dict[int, Member | None] = {}
        async for entry in self._repo.iter_entries(community=community, visibilities=visibilities):
            if entry.member_id not in members:
                if len(members) >= _MEMBER_CACHE:
                    members.pop(next(iter(members)))
                members[entry.member_id] = await self._repo.get_member(entry.member_id)
            yield self._row(self._directory.with_link(entry), members[entry.member_id])

    @staticmethod
    def _row(entry: Entry, member: Member | None) -> dict[str, str]:
        ids = {i.kind: i.external_id for i in (member.identities if member else ())}
        return {
            "platform": entry.platform,
            "handle": entry.handle,
            "profile_url": entry.profile_url or "",
            "name": entry.member_name,
            "discord_id": ids.get(IdentityKind.DISCORD, ""),
            "bluesky_did": ids.get(IdentityKind.BLUESKY, ""),
            "visibility": entry.visibility.value,
            "verification": entry.verification.value,
            "source": entry.source.value,
            "created_at": entry.created_at.isoformat(),
            "updated_at": entry.updated_at.isoformat(),
        }

    async def export(
        self,
        out: TextIO,
        *,
        community: str,
        fmt: ExportFormat,
        visibilities: Collection[Visibility],
        progress: Progress | None = None,
    ) -> int:
        """Write the community's entries of the given visibilities to ``out``; returns the row count."""
        wanted = frozenset(visibilities)
        total = await self._repo.count_entries(community=community, visibilities=wanted)
        rows = self._rows(community, wanted)
        written = 0
        if fmt is ExportFormat.CSV:
            writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
            writer.writeheader()
        else:
            # Written piecewise rather than json.dump of one document, so memory stays flat.
            visible = json.dumps(sorted(v.value for v in wanted))
            out.write(f'{{"community": {json.dumps(community)}, "visibilities": {visible}, "entries": [')
        async for row in rows:
            if fmt is ExportFormat.CSV:
                writer.writerow({key: _safe_cell(value) for key, value in row.items()})
            else:
                out.write(("," if written else "") + "\n  " + json.dumps(row, ensure_ascii=False))
            written += 1
            if progress and written % 1000 == 0:
                progress(written, total)
        if fmt is ExportFormat.JSON:
            out.write("\n]}\n")
        if progress:
            progress(written, total)
        return written

    async def import_csv(
        self,
        source: TextIO,
        *,
        community: str,
        dry_run: bool,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import rows of ``platform, handle`` plus a member id column; see the README for the format.

        Every row is checked (format, duplicates within the file, handles held by someone else)
        before it is applied; a rejected row is reported with its line in the file and changes
        nothing. Rows are applied one by one, each in its own transaction, so a re-run after an
        interruption picks up where it stopped: rows already in are reported as unchanged.
        """
        reader = csv.reader(source)
        header = next(reader, None)
        if header is None:
            raise InvalidInputError("file", "the file is empty")
        columns = _map_header(header)
        rows: list[tuple[int, list[str]]] = []
        for cells in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                raise InvalidInputError("file", f"at most {MAX_IMPORT_ROWS} rows per import")
            if any(cell.strip() for cell in cells):  # blank lines in spreadsheets carry nothing
                # reader.line_num is the file line the row ended on; a quoted cell may span lines.
                rows.append((reader.line_num, cells))
        report = ImportReport(dry_run=dry_run)
        seen = _SeenRows()
        for done, (line, cells) in enumerate(rows, start=1):
            report.rows += 1
            try:
                status = await self._import_row(_Row(cells, columns), community, dry_run, seen, line)
            except FerryError as exc:
                report.rejected.append(RejectedRow(line, exc))
            else:
                report.count(status)
            if progress and done % 500 == 0:
                progress(done, len(rows))
        if progress:
            progress(len(rows), len(rows))
        return report

    async def _import_row(
        self, row: _Row, community: str, dry_run: bool, seen: _SeenRows, line: int
    ) -> RowStatus:
        identity = _row_identity(row["discord_id"], row["bluesky_did"], row["name"])
        visibility = _row_visibility(row["visibility"])
        spec, normalised = self._directory.normalise(community, row["platform"], row["handle"])
        seen.claim(line, identity, spec.key, normalised.key)
        holder = await self._repo.find_entry_by_handle(
            community=community, platform=spec.key, handle_key=normalised.key
        )
        member = await self._repo.find_member(community=community, identity=identity)
        if holder is not None and (member is None or holder.member_id != member.id):
            raise HandleTakenError(spec.display_name, normalised.handle)
        if (
            holder is not None
            and holder.handle == normalised.handle
            and visibility in (None, holder.visibility)
        ):
            return RowStatus.UNCHANGED
        if dry_run:
            current = await self._repo.list_entries(member.id) if member else []
            return RowStatus.REPLACED if any(e.platform == spec.key for e in current) else RowStatus.ADDED
        registration = await self._directory.register(
            community=community,
            identity=identity,
            display_name=row["name"],
            platform=spec.key,
            handle=normalised.handle,
            source=Source.IMPORT,
            visibility=visibility,
            actor="import",
        )
        return RowStatus.ADDED if registration.created else RowStatus.REPLACED


class _Row:
    """One CSV row read through the header mapping; a missing or short column reads as ''."""

    def __init__(self, cells: list[str], columns: dict[str, int]) -> None:
        self._cells = cells
        self._columns = columns

    def __getitem__(self, name: str) -> str:
        position = self._columns.get(name)
        return self._cells[position].strip() if position is not None and position < len(self._cells) else ""


class _SeenRows:
    """What earlier rows of the same file claimed, so a later row cannot silently undo one."""

    def __init__(self) -> None:
        self._handles: dict[tuple[str, str], int] = {}
        self._slots: dict[tuple[Identity, str], int] = {}

    def claim(self, line: int, identity: Identity, platform: str, handle_key: str) -> None:
        """Record the row, or raise when an earlier row has the handle or the member's platform."""
        earlier = self._handles.get((platform, handle_key))
        if earlier is not None:
            raise InvalidInputError("row", f"duplicate of line {earlier}")
        earlier = self._slots.get((identity, platform))
        if earlier is not None:
            raise InvalidInputError(
                "row", f"the same member already has a {platform} handle on line {earlier}"
            )
        self._handles[(platform, handle_key)] = line
        self._slots[(identity, platform)] = line


def _map_header(header: list[str]) -> dict[str, int]:
    normalised = [re.sub(r"[\s\-]+", "_", h.strip().lower().lstrip("\ufeff")) for h in header]
    columns: dict[str, int] = {}
    for name, aliases in _HEADER_ALIASES.items():
        for position, title in enumerate(normalised):
            if title in aliases:
                columns[name] = position
                break
    missing = [name for name in ("platform", "handle") if name not in columns]
    if missing:
        raise InvalidInputError("header", f"missing column(s): {', '.join(missing)}")
    if not {"discord_id", "bluesky_did", "name"} & columns.keys():
        raise InvalidInputError(
            "header", "needs a discord_id, bluesky_did or name column to know whose row it is"
        )
    return columns


def _row_identity(discord_id: str, did: str, name: str) -> Identity:
    if discord_id:
        if not _DISCORD_ID.match(discord_id):
            raise InvalidInputError("discord_id", "must be a Discord user id (15-21 digits)")
        return Identity(IdentityKind.DISCORD, discord_id)
    if did:
        if not _DID.match(did):
            raise InvalidInputError("bluesky_did", "must be a did:plc or did:web identifier")
        return Identity(IdentityKind.BLUESKY, did)
    if name:
        return Identity(IdentityKind.CONSOLE, name)
    raise InvalidInputError("row", "no discord_id, bluesky_did or name")


def _row_visibility(value: str) -> Visibility | None:
    if not value:
        return None
    try:
        return Visibility(value.lower())
    except ValueError:
        raise InvalidInputError("visibility", "must be 'community' or 'public'") from None

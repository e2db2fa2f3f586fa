"""Import of a community's spreadsheet (CSV), long or wide layout, with a dry run.

Every row is checked (format, duplicates within the file, handles held by someone else) before it
is applied; a refused handle is reported with its line, its column and the domain error, and
changes nothing. Handles are applied one by one, each in its own transaction, so a re-run after an
interruption picks up where it stopped: handles already in are reported as unchanged.

An import never overrides a member's own choices. A sheet's visibility applies only to an entry it
creates. An existing entry the member wrote themselves (any source but an import) is kept as it is
and reported as kept; one an earlier import wrote may take the sheet's new handle, keeping its
visibility, which the member may have changed since. Nor does it bring back a handle the member
removed themselves or anyone forgotten (``bot.storage.withdrawn``): such a row is reported as kept.

Whose row is it? A ``discord_id`` wins, then a ``bluesky_did``; a row with neither is keyed by its
name as a console identity (``console:<name>``, cleaned by ``bot.services.names.name_key``: no
invisible or control characters, spaces trimmed and runs of spaces made one), the same key
``ferry console --as <name>`` and ``ferry forget --console-name <name>`` use. That key is stable
across re-imports of the same sheet, unlike a handle, which its owner may change. Renaming a person
in the sheet therefore makes a new member, whose handles are then refused as held by someone else:
reported, never silently moved.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from bot.errors import BannedError, FerryError, HandleTakenError, InputReason, InvalidInputError
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.platforms.spec import PlatformSpec
from bot.services.directory import DirectoryService
from bot.services.names import name_key
from bot.services.transfer.cells import unguard_cell
from bot.services.transfer.layout import Field, Layout, LayoutKind, detect_layout
from bot.services.transfer.report import ImportReport, RejectedRow, RowStatus
from bot.storage.repository import Repository

Progress = Callable[[int, int], None]  # (done, total); total is 0 when unknown

log = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 100_000
MAX_NAME_KEY = 100  # characters of a name that identifies a member without an id
_PROGRESS_EVERY = 20  # rows; each front throttles its own display
_LOG_EVERY = 5000  # rows
_DISCORD_ID = re.compile(r"^[0-9]{15,21}$")
_DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-z0-9.-]{1,253})$")


class _RefusedError(Exception):
    """A domain error tied to the column it came from."""

    def __init__(self, column: str, error: FerryError) -> None:
        super().__init__(str(error))
        self.column = column
        self.error = error


@dataclass(frozen=True, slots=True)
class _Pair:
    """One handle a row offers: the platform as written, the handle, and the columns they came from."""

    platform: str
    platform_column: str
    handle: str
    handle_column: str


@dataclass(frozen=True, slots=True)
class _Who:
    """Whose row it is, the name it gives, and the visibility a new entry gets (None: the default)."""

    identity: Identity
    name: str
    visibility: Visibility | None


class _Row:
    """One CSV row read through the layout; a missing or short column reads as ''."""

    def __init__(self, cells: list[str], layout: Layout) -> None:
        self._cells = cells
        self.layout = layout

    def cell(self, position: int) -> str:
        # A sheet exported by Ferry guards "@name" as "'@name" against formulas: undo exactly that.
        return unguard_cell(self._cells[position]).strip() if position < len(self._cells) else ""

    def __getitem__(self, field: Field) -> str:
        column = self.layout.fields.get(field)
        return self.cell(column.position) if column is not None else ""

    def signature(self) -> tuple[str, ...]:
        """The row's recognised cells, to tell an exact duplicate from a clash."""
        return tuple(self.cell(c.position) for c in self.layout.columns)

    def pairs(self) -> Iterator[_Pair]:
        if self.layout.kind is not LayoutKind.WIDE and (self[Field.PLATFORM] or self[Field.HANDLE]):
            yield _Pair(
                self[Field.PLATFORM],
                self.layout.title(Field.PLATFORM),
                self[Field.HANDLE],
                self.layout.title(Field.HANDLE),
            )
        for column in self.layout.platforms:
            value = self.cell(column.position)
            if value:
                assert column.platform is not None
                yield _Pair(column.platform.key, column.title, value, column.title)


class _Seen:
    """What earlier rows of the same file claimed, so a later row cannot silently undo one."""

    def __init__(self) -> None:
        self._handles: dict[tuple[str, str], tuple[int, Identity]] = {}
        self._slots: dict[tuple[Identity, str], int] = {}
        self._people: dict[Identity, tuple[int, tuple[str, ...]]] = {}

    def person(self, line: int, identity: Identity, signature: tuple[str, ...]) -> None:
        """Wide layout: one row per person, so a second row for the same key is a mistake."""
        earlier = self._people.get(identity)
        if earlier is None:
            self._people[identity] = (line, signature)
            return
        if earlier[1] == signature:
            raise _RefusedError("", InvalidInputError("row", InputReason.DUPLICATE_ROW, line=earlier[0]))
        raise _RefusedError("", InvalidInputError("row", InputReason.SAME_PERSON, line=earlier[0]))

    def claim(self, line: int, identity: Identity, platform: str, handle_key: str) -> None:
        """Record the handle, or raise when an earlier row has it or the member's platform."""
        holder = self._handles.get((platform, handle_key))
        if holder is not None:
            if holder[1] == identity:
                raise InvalidInputError("row", InputReason.DUPLICATE_ROW, line=holder[0])
            raise InvalidInputError("row", InputReason.HANDLE_ELSEWHERE, line=holder[0])
        earlier = self._slots.get((identity, platform))
        if earlier is not None:
            raise InvalidInputError("row", InputReason.PLATFORM_TWICE, platform=platform, line=earlier)
        self._handles[(platform, handle_key)] = (line, identity)
        self._slots[(identity, platform)] = line


class Importer:
    """One community's import run; keeps no state between runs."""

    def __init__(self, *, repository: Repository, directory: DirectoryService) -> None:
        self._repo = repository
        self._directory = directory

    def _resolver(self, community: str) -> Callable[[str], PlatformSpec | None]:
        def resolve(name: str) -> PlatformSpec | None:
            try:
                return self._directory.platform(community, name)
            except FerryError:
                return None

        return resolve

    async def run(
        self, source: TextIO, *, community: str, dry_run: bool, progress: Progress | None = None
    ) -> ImportReport:
        """Check (and unless ``dry_run`` apply) every row of ``source``; see the module docstring."""
        reader = csv.reader(source)
        header = next(reader, None)
        if header is None:
            raise InvalidInputError("file", InputReason.EMPTY_FILE)
        layout = detect_layout(header, self._resolver(community))
        rows: list[tuple[int, list[str]]] = []
        for cells in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                raise InvalidInputError("file", InputReason.TOO_MANY_ROWS, limit=MAX_IMPORT_ROWS)
            if any(cell.strip() for cell in cells):  # blank lines in spreadsheets carry nothing
                # line_num is the file line the row ended on; a quoted cell may span lines.
                rows.append((reader.line_num, cells))
        report = ImportReport(dry_run=dry_run, layout=layout)
        seen = _Seen()
        for done, (line, cells) in enumerate(rows, start=1):
            report.rows += 1
            await self._row(report, _Row(cells, layout), line, community, seen)
            if progress and done % _PROGRESS_EVERY == 0:
                progress(done, len(rows))
            if done % _LOG_EVERY == 0:
                log.info("import progress", extra={"community": community, "done": done, "total": len(rows)})
        if progress:
            progress(len(rows), len(rows))
        log.info(
            "import finished",
            extra={
                "community": community,
                "dry_run": dry_run,
                "layout": layout.kind.value,
                "rows": report.rows,
                "added": report.added,
                "replaced": report.replaced,
                "unchanged": report.unchanged,
                "kept": report.kept,
                "rejected": len(report.rejected),
                "unknown_columns": len(layout.unknown),
            },
        )
        return report

    async def _row(self, report: ImportReport, row: _Row, line: int, community: str, seen: _Seen) -> None:
        try:
            who = _Who(*_row_identity(row), _row_visibility(row))
            pairs = list(row.pairs())
            if not pairs:
                raise _RefusedError("", InvalidInputError("row", InputReason.NO_HANDLE))
            if row.layout.kind is LayoutKind.WIDE:
                seen.person(line, who.identity, row.signature())
        except _RefusedError as refused:
            report.rejected.append(RejectedRow(line, refused.error, refused.column))
            return
        for pair in pairs:
            try:
                status = await self._handle(pair, who, community, report.dry_run, seen, line)
            except _RefusedError as refused:
                report.rejected.append(RejectedRow(line, refused.error, refused.column))
            else:
                report.count(status)

    async def _handle(
        self,
        pair: _Pair,
        who: _Who,
        community: str,
        dry_run: bool,
        seen: _Seen,
        line: int,
    ) -> RowStatus:
        try:
            spec = self._directory.platform(community, pair.platform)
        except FerryError as exc:
            raise _RefusedError(pair.platform_column, exc) from None
        try:
            _, normalised = self._directory.normalise(community, spec.key, pair.handle)
            identity, visibility = who.identity, who.visibility
            seen.claim(line, identity, spec.key, normalised.key)
            holder = await self._repo.find_entry_by_handle(
                community=community, platform=spec.key, handle_key=normalised.key
            )
            member = await self._repo.find_member(community=community, identity=identity)
            if member is not None and member.banned:  # the dry run says what the real run will do
                raise BannedError(str(identity))
            if member is None:  # as register would, so the dry run matches the real run
                await self._directory.refuse_tombstoned(community, identity)
            if holder is not None and (member is None or holder.member_id != member.id):
                raise HandleTakenError(spec.display_name, normalised.handle)
            mine = await self._repo.list_entries(member.id) if member else []
            current = next((e for e in mine if e.platform == spec.key), None)
            if current is not None:
                if current.handle == normalised.handle:
                    return RowStatus.UNCHANGED  # the sheet's visibility is not an import's to re-apply
                if current.source is not Source.IMPORT:
                    return RowStatus.KEPT  # the member wrote it: an import never overrides that
            elif await self._repo.is_withdrawn(community=community, identity=identity, platform=spec.key):
                return RowStatus.KEPT  # the member removed it, or was forgotten: it stays out
            if dry_run:
                return RowStatus.ADDED if current is None else RowStatus.REPLACED
            # Checked just above rather than in the write's transaction: a member changing this very
            # entry in the same instant can still lose to the import, a window of milliseconds.
            registration = await self._directory.register(
                community=community,
                identity=identity,
                display_name=who.name,
                platform=spec.key,
                handle=normalised.handle,
                source=Source.IMPORT,
                visibility=visibility if current is None else None,
                actor="import",
            )
        except FerryError as exc:
            raise _RefusedError(pair.handle_column, exc) from None
        return RowStatus.ADDED if registration.created else RowStatus.REPLACED


def _row_identity(row: _Row) -> tuple[Identity, str]:
    discord_id, did, name = row[Field.DISCORD_ID], row[Field.BLUESKY_DID], row[Field.NAME]
    if discord_id:
        if not _DISCORD_ID.match(discord_id):
            error = InvalidInputError("discord_id", InputReason.NOT_DISCORD_ID)
            raise _RefusedError(row.layout.title(Field.DISCORD_ID), error)
        return Identity(IdentityKind.DISCORD, discord_id), name
    if did:
        if not _DID.match(did):
            error = InvalidInputError("bluesky_did", InputReason.NOT_DID)
            raise _RefusedError(row.layout.title(Field.BLUESKY_DID), error)
        return Identity(IdentityKind.BLUESKY, did), name
    key = name_key(name)
    if not key:
        raise _RefusedError("", InvalidInputError("row", InputReason.NO_IDENTITY))
    if len(key) > MAX_NAME_KEY:
        error = InvalidInputError("name", InputReason.NAME_KEY_TOO_LONG, limit=MAX_NAME_KEY)
        raise _RefusedError(row.layout.title(Field.NAME), error)
    return Identity(IdentityKind.CONSOLE, key), key


def _row_visibility(row: _Row) -> Visibility | None:
    value = row[Field.VISIBILITY]
    if not value:
        return None
    try:
        return Visibility(value.lower())
    except ValueError:
        error = InvalidInputError("visibility", InputReason.ONE_OF, choices="community, public")
        raise _RefusedError(row.layout.title(Field.VISIBILITY), error) from None

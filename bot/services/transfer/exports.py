"""Exports of a community's directory: CSV, JSON, a Mastodon follow list and the Bluesky DIDs.

Every export is of one scope, public entries only or all of them, and says so: in its filename
(``export_filename``), in the JSON document's ``visibility`` field, and in each front's message.
Only listed entries are read (never those of hidden or banned members), in keyset batches, so a
large directory never sits in memory.
"""

from __future__ import annotations

import csv
import enum
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import TextIO

from bot.models import Entry, IdentityKind, Member, Visibility
from bot.platforms.spec import HandleKind
from bot.services.directory import DirectoryService
from bot.services.transfer.cells import guard_cell
from bot.storage.bluesky import OWN_ACCOUNT_LEVELS, OWN_ACCOUNT_SOURCE
from bot.storage.repository import Repository

Progress = Callable[[int, int], None]  # (done, total); total is 0 when unknown

log = logging.getLogger(__name__)

_MEMBER_CACHE = 4096  # members remembered while exporting
_PROGRESS_EVERY = 1000  # entries read
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
# Account ids say who someone is on Discord or Bluesky beyond the handle they chose to list: only an
# admin's export carries them (to re-import, or to answer a deletion request).
ACCOUNT_ID_COLUMNS = ("discord_id", "bluesky_did")
# Mastodon's Preferences → Import and export → Import, type "Following list": this header, then one
# account per row. Boosts shown and no notifications are Mastodon's own defaults for a new follow.
MASTODON_COLUMNS = ("Account address", "Show boosts", "Notify on new posts", "Languages")


class ExportFormat(enum.StrEnum):
    """File formats the directory can be exported as."""

    CSV = "csv"
    JSON = "json"
    MASTODON = "mastodon"  # a Mastodon "following list" import file of the Mastodon handles
    DIDS = "dids"  # the Bluesky DIDs of members, one per line


class ExportScope(enum.StrEnum):
    """Which entries an export includes."""

    PUBLIC = "public"  # only entries their members made public
    ALL = "all"  # public and community-only entries: for the community's own admins

    @property
    def visibilities(self) -> frozenset[Visibility]:
        """The entry visibilities in this scope."""
        return frozenset({Visibility.PUBLIC}) if self is ExportScope.PUBLIC else frozenset(Visibility)


_FILES = {
    ExportFormat.CSV: ("directory", "csv"),
    ExportFormat.JSON: ("directory", "json"),
    ExportFormat.MASTODON: ("mastodon-following", "csv"),
    ExportFormat.DIDS: ("bluesky-dids", "txt"),
}


def export_filename(community: str, fmt: ExportFormat, scope: ExportScope) -> str:
    """``movers-directory-public.csv``: the scope is in every export's name."""
    stem, extension = _FILES[fmt]
    return f"{community}-{stem}-{scope.value}.{extension}"


class Exporter:
    """Writes one export; keeps no state between exports."""

    def __init__(self, *, repository: Repository, directory: DirectoryService) -> None:
        self._repo = repository
        self._directory = directory

    async def _entries(
        self, community: str, scope: ExportScope, progress: Progress | None
    ) -> AsyncIterator[tuple[Entry, Member | None]]:
        # Entries come in handle order, so one member's entries are scattered: a bounded cache of
        # members keeps the look-ups down without holding the whole community in memory.
        wanted = scope.visibilities
        total = await self._repo.count_entries(community=community, visibilities=wanted)
        members: dict[int, Member | None] = {}
        done = 0
        async for entry in self._repo.iter_entries(community=community, visibilities=wanted):
            if entry.member_id not in members:
                if len(members) >= _MEMBER_CACHE:
                    members.pop(next(iter(members)))
                members[entry.member_id] = await self._repo.get_member(entry.member_id)
            yield self._directory.with_link(entry), members[entry.member_id]
            done += 1
            if done % _PROGRESS_EVERY == 0:
                if progress:
                    progress(done, total)
                log.info("export progress", extra={"community": community, "done": done, "total": total})
        if progress:
            progress(done, total)

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
        """Write the export to ``out``; returns how many records (rows, accounts, DIDs) it holds.

        ``account_ids=False`` leaves the Discord id and DID columns out of CSV and JSON: the export a
        member may take holds what the directory shows them, nothing more. A public export never
        carries them: it may be published, and a member made a handle public, not their accounts.
        """
        entries = self._entries(community, scope, progress)
        with_ids = account_ids and scope is ExportScope.ALL
        columns = (
            EXPORT_COLUMNS if with_ids else tuple(c for c in EXPORT_COLUMNS if c not in ACCOUNT_ID_COLUMNS)
        )
        if fmt is ExportFormat.CSV:
            written = await _write_csv(out, entries, columns)
        elif fmt is ExportFormat.JSON:
            written = await _write_json(out, entries, community, scope, columns)
        elif fmt is ExportFormat.MASTODON:
            # Every platform of Mastodon's kind: an admin may have added one for their own server.
            keys = {
                spec.key for spec in self._directory.platforms(community) if spec.kind is HandleKind.MASTODON
            }
            written = await _write_mastodon(out, entries, keys)
        else:
            written = await _write_dids(out, entries)
        log.info(
            "export finished",
            extra={"community": community, "format": fmt.value, "scope": scope.value, "records": written},
        )
        return written


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


Entries = AsyncIterator[tuple[Entry, Member | None]]


async def _write_csv(out: TextIO, entries: Entries, columns: tuple[str, ...]) -> int:
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    written = 0
    async for entry, member in entries:
        row = _row(entry, member)
        writer.writerow({key: guard_cell(row[key]) for key in columns})
        written += 1
    return written


async def _write_json(
    out: TextIO, entries: Entries, community: str, scope: ExportScope, columns: tuple[str, ...]
) -> int:
    # Written piecewise rather than json.dump of one document, so memory stays flat.
    visible = json.dumps(sorted(v.value for v in scope.visibilities))
    out.write(
        f'{{"community": {json.dumps(community)}, "visibility": {json.dumps(scope.value)}, '
        f'"visibilities": {visible}, "entries": ['
    )
    written = 0
    async for entry, member in entries:
        row = _row(entry, member)
        record = {key: row[key] for key in columns}
        out.write(("," if written else "") + "\n  " + json.dumps(record, ensure_ascii=False))
        written += 1
    out.write("\n]}\n")
    return written


async def _write_mastodon(out: TextIO, entries: Entries, platforms: set[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MASTODON_COLUMNS)
    written = 0
    async for entry, _ in entries:
        if entry.platform in platforms:  # stored normalised as user@server, the form Mastodon wants
            writer.writerow((entry.handle, "true", "false", ""))
            written += 1
    return written


async def _write_dids(out: TextIO, entries: Entries) -> int:
    # The same rule as the community's Bluesky list: a DID Ferry knows as the member's own, for
    # members whose Bluesky entry is in scope and came from their own post (not an import's claim:
    # see OWN_ACCOUNT_LEVELS). Never resolved from a typed handle, which anyone could have entered.
    dids: set[str] = set()
    async for entry, member in entries:
        proven = entry.source is OWN_ACCOUNT_SOURCE and entry.verification in OWN_ACCOUNT_LEVELS
        if entry.platform == "bluesky" and proven and member is not None:
            dids.update(i.external_id for i in member.identities if i.kind is IdentityKind.BLUESKY)
    for did in sorted(dids):
        out.write(did + "\n")
    return len(dids)

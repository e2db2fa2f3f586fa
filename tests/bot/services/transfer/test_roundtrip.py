"""An admin's CSV export re-imports into an empty community as the same directory, on both dialects.

The export guards cells against spreadsheet formulas ("@name" becomes "'@name"); the import undoes
exactly that guard and nothing else, so YouTube handles and names that start with "=", "-", "@" or
an apostrophe survive the trip.
"""

from __future__ import annotations

import csv
import io

from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.transfer import ExportFormat, ExportScope, TransferService
from bot.services.transfer.cells import guard_cell, unguard_cell

PUBLIC, COMMUNITY = Visibility.PUBLIC, Visibility.COMMUNITY
DIRECTORY_COLUMNS = ("platform", "handle", "profile_url", "name", "discord_id", "bluesky_did", "visibility")

MEMBERS = [
    (Identity(IdentityKind.DISCORD, "111111111111111111"), "=Alice", "youtube", "@alice_tube", PUBLIC),
    (Identity(IdentityKind.DISCORD, "111111111111111111"), "=Alice", "lemon8", "alice", COMMUNITY),
    (
        Identity(IdentityKind.BLUESKY, "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"),
        "'=Bob",
        "youtube",
        "@-bob-",
        PUBLIC,
    ),
    (Identity(IdentityKind.DISCORD, "444444444444444444"), "-Dan", "mastodon", "dan@mastodon.social", PUBLIC),
    (Identity(IdentityKind.DISCORD, "444444444444444444"), "-Dan", "youtube", "@テスト", COMMUNITY),
    (Identity(IdentityKind.CONSOLE, "@carol"), "@carol", "youtube", "@carol.cooks", PUBLIC),
    (Identity(IdentityKind.CONSOLE, "'Tis Erin"), "'Tis Erin", "instagram", "erin", COMMUNITY),
]


async def exported(transfer: TransferService, community: str) -> str:
    out = io.StringIO()
    await transfer.export(out, community=community, fmt=ExportFormat.CSV, scope=ExportScope.ALL)
    return out.getvalue()


def directory(sheet: str) -> list[tuple[str, ...]]:
    return sorted(tuple(row[c] for c in DIRECTORY_COLUMNS) for row in csv.DictReader(io.StringIO(sheet)))


async def test_an_export_reimports_as_the_same_directory(
    service: DirectoryService, transfer: TransferService
) -> None:
    for identity, name, platform, handle, visibility in MEMBERS:
        await service.register(
            community="demo",
            identity=identity,
            display_name=name,
            platform=platform,
            handle=handle,
            source=Source.BLUESKY if identity.kind is IdentityKind.BLUESKY else Source.DISCORD,
            visibility=visibility,
        )
    sheet = await exported(transfer, "demo")
    assert "'@alice_tube" in sheet and "'=Alice" in sheet and "''=Bob" in sheet  # guarded

    for dry_run in (True, False):
        report = await transfer.import_csv(io.StringIO(sheet), community="open", dry_run=dry_run)
        assert (report.added, report.rejected) == (len(MEMBERS), [])

    assert directory(await exported(transfer, "open")) == directory(sheet)
    youtube = await service.handles(community="open", identity=MEMBERS[0][0], visibilities=EVERY_VISIBILITY)
    assert {e.handle for e in youtube} == {"@alice_tube", "alice"}


def test_the_guard_is_undone_exactly() -> None:
    values = ["@x", "=1+1", "-3", "+", "'", "'@x", "''=x", "'Tis", "plain", "", "\tx", "a@b"]
    for value in values:
        assert unguard_cell(guard_cell(value)) == value
    # A cell no export could have written is read as it is.
    assert [unguard_cell(cell) for cell in ("'Tis", "'", "''", "it's")] == ["'Tis", "'", "''", "it's"]

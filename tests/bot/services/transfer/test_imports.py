"""Imports: the messy real-world sheet, long-layout rejections, idempotent re-imports, keys by name."""

import io

import pytest
from sqlalchemy import select

from bot.errors import BannedError, InvalidInputError
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.services.transfer import ImportReport, LayoutKind, TransferService
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import kv_state
from tests.bot.services.transfer.messy_sheet import SHEET

DISCORD = Identity(IdentityKind.DISCORD, "111111111111111111")

MESSY_REJECTED = [
    (5, "", "invalid row: duplicate_row (line=2)"),
    (6, "Lemon8 handle", "invalid Lemon8 handle: contains_whitespace (example: sunny.bakes)"),
    (10, "Bluesky", "invalid row: handle_elsewhere (line=2)"),
    (11, "Discord ID", "invalid discord_id: not_discord_id"),
    (12, "Instagram", "invalid Instagram handle: invalid_format (example: sunny.days_)"),
    (13, "", "invalid row: no_handle"),
]


def rejected(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(row.line, row.column, row.reason) for row in report.rejected]


async def import_sheet(transfer: TransferService, *, dry_run: bool) -> ImportReport:
    # As the CLI opens a file: utf-8-sig drops the byte-order mark, newline="" keeps CRLF for csv.
    text = io.TextIOWrapper(io.BytesIO(SHEET), encoding="utf-8-sig", newline="")
    return await transfer.import_csv(text, community="demo", dry_run=dry_run)


async def test_messy_sheet_dry_run_apply_and_reimport(
    service: DirectoryService, transfer: TransferService
) -> None:
    dry = await import_sheet(transfer, dry_run=True)
    assert dry.layout.kind is LayoutKind.WIDE
    assert [(c.title, c.meaning) for c in dry.layout.columns] == [
        ("Name", "name"),
        ("Discord ID", "discord_id"),
        ("RedNote", "rednote"),
        ("Lemon8 handle", "lemon8"),
        ("Bluesky", "bluesky"),
        ("Instagram", "instagram"),
    ]
    assert dry.layout.unknown == ("Notes",)
    assert (dry.rows, dry.added, dry.replaced, dry.unchanged) == (10, 10, 0, 0)
    assert rejected(dry) == MESSY_REJECTED
    assert (
        await service.counts(visibilities=EVERY_VISIBILITY, community="demo") == {}
    )  # a dry run changes nothing

    applied = await import_sheet(transfer, dry_run=False)
    assert (applied.rows, applied.added, applied.replaced, applied.unchanged) == (10, 10, 0, 0)
    assert rejected(applied) == MESSY_REJECTED
    counts = {"rednote": 2, "lemon8": 2, "bluesky": 4, "instagram": 2}
    assert await service.counts(visibilities=EVERY_VISIBILITY, community="demo") == counts

    again = await import_sheet(transfer, dry_run=False)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 10)
    assert rejected(again) == MESSY_REJECTED
    assert await service.counts(visibilities=EVERY_VISIBILITY, community="demo") == counts  # no duplicates

    alice = await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=DISCORD)
    assert {(e.platform, e.handle, e.source) for e in alice} == {
        ("rednote", "5e8f1a2b3c4d5e6f7a8b9c0d", Source.IMPORT),
        ("lemon8", "alice.bakes", Source.IMPORT),
        ("bluesky", "alice.bsky.social", Source.IMPORT),
    }
    # No id in the row: keyed by the trimmed name, the key `ferry console --as 李小明` uses.
    xiaoming = await service.member(community="demo", identity=Identity(IdentityKind.CONSOLE, "李小明"))
    assert xiaoming is not None and xiaoming.display_name == "李小明"
    carol = await service.member(
        community="demo", identity=Identity(IdentityKind.DISCORD, "333333333333333333")
    )
    assert carol is not None and carol.display_name.startswith("=HYPERLINK")  # kept; exports neutralise it


async def test_long_layout_reports_every_rejected_row_with_line_and_column(transfer: TransferService) -> None:
    source = io.StringIO(
        "Platform,Handle,Discord ID,Name,Visibility,Joined\r\n"
        "lemon8,cook,111111111111111111,Alice,public,2024\r\n"
        '"bsky","bob.bsky.social",222222222222222222,"Bob\nthe builder",,\r\n'  # a cell over two lines
        "lemon8,@cook,333333333333333333,Eve,,\r\n"  # someone else's handle in this file
        "lemon8,chef,111111111111111111,Alice,,\r\n"  # Alice again on the same platform
        "myspace,tom,444444444444444444,Tom,,\r\n"
        "lemon8,ok,12,Short id,,\r\n"
        "lemon8,fine,555555555555555555,Fine,secret,\r\n"
        ",,,,,\r\n"
        "lemon8,@cook,111111111111111111,Alice,public,\r\n"  # the same as line 2
    )
    report = await transfer.import_csv(source, community="demo", dry_run=True)
    assert report.layout.kind is LayoutKind.LONG and report.layout.unknown == ("Joined",)
    assert (report.rows, report.added) == (8, 2)
    assert rejected(report) == [
        (5, "Handle", "invalid row: handle_elsewhere (line=2)"),
        (6, "Handle", "invalid row: platform_twice (platform=lemon8, line=2)"),
        (7, "Platform", "unknown platform 'myspace'"),
        (8, "Discord ID", "invalid discord_id: not_discord_id"),
        (9, "Visibility", "invalid visibility: one_of (choices=community, public)"),
        (11, "Handle", "invalid row: duplicate_row (line=2)"),
    ]


async def test_import_applies_then_is_idempotent_and_keeps_names(
    service: DirectoryService, transfer: TransferService
) -> None:
    await service.register(
        community="demo",
        identity=DISCORD,
        display_name="Alice",
        platform="lemon8",
        handle="cook",
        source=Source.DISCORD,
        visibility=Visibility.PUBLIC,
    )
    text = (
        "platform,handle,discord_id,visibility\n"
        "lemon8,cook,111111111111111111,community\n"
        "ig,new.one,111111111111111111,\n"
    )
    first = await transfer.import_csv(io.StringIO(text), community="demo", dry_run=False)
    assert (first.added, first.replaced, first.unchanged, first.kept, first.rejected) == (1, 0, 1, 0, [])
    handles = await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=DISCORD)
    assert {(e.platform, e.handle, e.visibility) for e in handles} == {
        ("lemon8", "cook", Visibility.PUBLIC),  # the member's own choice: a sheet's applies to new entries
        ("instagram", "new.one", Visibility.COMMUNITY),
    }
    member = await service.member(community="demo", identity=DISCORD)
    assert member is not None and member.display_name == "Alice"  # no name column: kept
    again = await transfer.import_csv(io.StringIO(text), community="demo", dry_run=False)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 2)


async def test_wide_rows_keyed_by_name_clash_and_a_renamed_person_is_refused_not_moved(
    transfer: TransferService,
) -> None:
    sheet = "Name,Instagram,Lemon8\nLi  Wei,li.wei,\nLi Wei,,li.wei2\n"
    report = await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=False)
    assert report.added == 1
    assert rejected(report) == [(3, "", "invalid row: same_person (line=2)")]
    renamed = await transfer.import_csv(
        io.StringIO("Name,Instagram\nLiWei,li.wei\n"), community="demo", dry_run=True
    )
    assert rejected(renamed) == [
        (2, "Instagram", "Instagram handle 'li.wei' is already registered by another member")
    ]


async def test_progress_reaches_the_total(transfer: TransferService) -> None:
    calls: list[tuple[int, int]] = []
    text = "name,platform,handle\n" + "".join(f"n{i},lemon8,h{i}\n" for i in range(3))
    await transfer.import_csv(
        io.StringIO(text), community="demo", dry_run=True, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(3, 3)]


async def test_unusable_files_are_refused_whole(transfer: TransferService) -> None:
    with pytest.raises(InvalidInputError, match="empty_file"):
        await transfer.import_csv(io.StringIO(""), community="demo", dry_run=True)


async def test_row_limit_is_enforced_while_reading(
    transfer: TransferService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.services.transfer.imports.MAX_IMPORT_ROWS", 3)
    text = "platform,handle,name\n" + "".join(f"lemon8,h{i},n{i}\n" for i in range(5))
    with pytest.raises(InvalidInputError, match="too_many_rows"):
        await transfer.import_csv(io.StringIO(text), community="demo", dry_run=True)


async def test_a_banned_persons_rows_are_refused_in_the_dry_run_as_in_the_real_one(
    transfer: TransferService, moderation: ModerationService
) -> None:
    await moderation.ban(community="demo", identity=DISCORD, actor="operator")
    sheet = f"discord_id,platform,handle\r\n{DISCORD.external_id},lemon8,sunny.bakes\r\n"
    reports = [
        await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=dry_run)
        for dry_run in (True, False)
    ]
    for report in reports:
        assert report.added == 0
        [row] = report.rejected
        assert (row.line, isinstance(row.error, BannedError)) == (2, True)


async def test_a_reimport_never_undoes_what_the_member_changed_since(
    service: DirectoryService, transfer: TransferService, moderation: ModerationService
) -> None:
    sheet = (
        "discord_id,platform,handle,visibility\n"
        "111111111111111111,lemon8,cook,public\n"
        "111111111111111111,instagram,cook.ig,public\n"
    )
    first = await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=False)
    assert (first.added, first.rejected) == (2, [])
    # The member makes Lemon8 community-only and moves to another Instagram handle themselves.
    await moderation.set_visibility(
        community="demo", identity=DISCORD, platform="lemon8", visibility=Visibility.COMMUNITY
    )
    await service.register(
        community="demo",
        identity=DISCORD,
        display_name="Alice",
        platform="instagram",
        handle="cook.new",
        source=Source.DISCORD,
    )
    for dry_run in (True, False):  # the check says what the real run then does
        again = await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=dry_run)
        counts = (again.added, again.replaced, again.unchanged, again.kept, again.rejected)
        assert counts == (0, 0, 1, 1, [])
    handles = await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=DISCORD)
    assert {(e.platform, e.handle, e.visibility, e.source) for e in handles} == {
        ("lemon8", "cook", Visibility.COMMUNITY, Source.IMPORT),
        ("instagram", "cook.new", Visibility.PUBLIC, Source.DISCORD),
    }


async def test_a_new_sheet_replaces_an_imported_handle_but_keeps_its_visibility(
    service: DirectoryService, transfer: TransferService, moderation: ModerationService
) -> None:
    old = "discord_id,platform,handle,visibility\n111111111111111111,lemon8,cook,public\n"
    await transfer.import_csv(io.StringIO(old), community="demo", dry_run=False)
    await moderation.set_visibility(
        community="demo", identity=DISCORD, platform="lemon8", visibility=Visibility.COMMUNITY
    )
    new = "discord_id,platform,handle,visibility\n111111111111111111,lemon8,cook2,public\n"
    report = await transfer.import_csv(io.StringIO(new), community="demo", dry_run=False)
    assert (report.added, report.replaced, report.unchanged, report.kept) == (0, 1, 0, 0)
    [entry] = await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=DISCORD)
    assert (entry.handle, entry.visibility, entry.source) == ("cook2", Visibility.COMMUNITY, Source.IMPORT)


async def test_an_imported_public_did_is_not_put_on_the_bluesky_list(
    transfer: TransferService, repository: Repository
) -> None:
    did = "did:plc:iiiiiiiiiiiiiiiiiiiiiiii"
    sheet = f"bluesky_did,platform,handle,visibility\n{did},bluesky,eve.bsky.social,public\n"
    report = await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=False)
    assert (report.added, report.rejected) == (1, [])
    # Eve never posted to Ferry: only the sheet says the account is hers, so she is not listed.
    assert await repository.public_bluesky_members("demo") == set()


SHEET_ONE = (
    "discord_id,platform,handle\n111111111111111111,lemon8,cook\n111111111111111111,instagram,cook.ig\n"
)


async def reimport(transfer: TransferService, sheet: str) -> list[tuple[int, int, int, int]]:
    reports = [
        await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=dry_run)
        for dry_run in (True, False)
    ]
    return [(r.added, r.replaced, r.unchanged, r.kept) for r in reports]


async def test_a_handle_the_member_removed_stays_out_until_they_add_it_again(
    service: DirectoryService, transfer: TransferService
) -> None:
    await transfer.import_csv(io.StringIO(SHEET_ONE), community="demo", dry_run=False)
    await service.remove(community="demo", identity=DISCORD, platform="lemon8")
    assert await reimport(transfer, SHEET_ONE) == [(0, 0, 1, 1)] * 2
    assert [
        e.platform
        for e in await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=DISCORD)
    ] == ["instagram"]
    # Once they add it again themselves, a later sheet may update it like any imported handle.
    await service.register(
        community="demo",
        identity=DISCORD,
        display_name="A",
        platform="lemon8",
        handle="cook",
        source=Source.IMPORT,
    )
    assert await reimport(transfer, SHEET_ONE) == [(0, 0, 2, 0)] * 2


async def test_an_admins_removal_does_not_stop_a_reimport(
    service: DirectoryService, transfer: TransferService
) -> None:
    await transfer.import_csv(io.StringIO(SHEET_ONE), community="demo", dry_run=False)
    await service.remove(community="demo", identity=DISCORD, platform="lemon8", actor="admin:1")
    assert await reimport(transfer, SHEET_ONE) == [(1, 0, 1, 0), (1, 0, 1, 0)]


async def test_a_forgotten_member_is_not_brought_back_by_a_reimport(
    service: DirectoryService, transfer: TransferService, database: Database
) -> None:
    await transfer.import_csv(io.StringIO(SHEET_ONE), community="demo", dry_run=False)
    await service.forget(community="demo", identity=DISCORD)
    assert await reimport(transfer, SHEET_ONE) == [(0, 0, 0, 2)] * 2
    assert await service.member(community="demo", identity=DISCORD) is None
    # What stops it is a one-way hash: nothing stored names the account.
    async with database.transaction() as conn:
        keys = (await conn.execute(select(kv_state.c.key))).scalars().all()
    assert [k for k in keys if k.startswith("withdrawn:")] and not [
        k for k in keys if DISCORD.external_id in k
    ]


async def test_a_forgotten_banned_persons_rows_are_refused_in_the_dry_run_too(
    transfer: TransferService, moderation: ModerationService, service: DirectoryService
) -> None:
    await moderation.ban(community="demo", identity=DISCORD, actor="operator")
    await service.forget(community="demo", identity=DISCORD, actor="operator")
    sheet = f"discord_id,platform,handle\r\n{DISCORD.external_id},lemon8,sunny.bakes\r\n"
    for dry_run in (True, False):
        report = await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=dry_run)
        [row] = report.rejected
        assert (report.added, isinstance(row.error, BannedError)) == (0, True)

"""Export and import: formats, visibility, formula neutralising, per-row rejection."""

import csv
import io
import json

import pytest

from bot.errors import InvalidInputError
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.transfer import ExportFormat, TransferService

DISCORD = Identity(IdentityKind.DISCORD, "111111111111111111")
DID = Identity(IdentityKind.BLUESKY, "did:plc:abcdefghijklmnopqrstuvwx")


async def seed(service: DirectoryService) -> None:
    await service.register(
        community="demo",
        identity=DISCORD,
        display_name='=HYPERLINK("https://evil.example")',
        platform="lemon8",
        handle="cook",
        source=Source.DISCORD,
        visibility=Visibility.PUBLIC,
    )
    await service.register(
        community="demo",
        identity=DID,
        display_name="Bob 小明",
        platform="bluesky",
        handle="bob.bsky.social",
        source=Source.BLUESKY,
    )


async def test_csv_export_neutralises_formulas_and_keeps_ids(
    service: DirectoryService, transfer: TransferService
) -> None:
    await seed(service)
    out = io.StringIO()
    written = await transfer.export(out, community="demo", fmt=ExportFormat.CSV, visibilities=set(Visibility))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == len(rows) == 2
    by_handle = {row["handle"]: row for row in rows}
    assert by_handle["cook"]["name"].startswith("'=")  # a spreadsheet shows it, never runs it
    assert by_handle["cook"]["discord_id"] == "111111111111111111"
    assert by_handle["bob.bsky.social"]["bluesky_did"] == DID.external_id
    assert by_handle["bob.bsky.social"]["profile_url"] == "https://bsky.app/profile/bob.bsky.social"


async def test_json_export_is_valid_and_honours_visibility(
    service: DirectoryService, transfer: TransferService
) -> None:
    await seed(service)
    progress: list[tuple[int, int]] = []
    out = io.StringIO()
    await transfer.export(
        out,
        community="demo",
        fmt=ExportFormat.JSON,
        visibilities={Visibility.PUBLIC},
        progress=lambda done, total: progress.append((done, total)),
    )
    document = json.loads(out.getvalue())
    assert document["visibilities"] == ["public"]
    assert [entry["handle"] for entry in document["entries"]] == ["cook"]
    assert progress[-1] == (1, 1)
    empty = io.StringIO()
    await transfer.export(empty, community="nobody-here", fmt=ExportFormat.JSON, visibilities=set(Visibility))
    assert json.loads(empty.getvalue())["entries"] == []


async def test_import_reports_every_rejected_row_with_its_file_line(transfer: TransferService) -> None:
    source = io.StringIO(
        "Platform,Handle,Discord ID,Name,Visibility\r\n"
        "lemon8,cook,111111111111111111,Alice,public\r\n"
        '"bsky","bob.bsky.social",222222222222222222,"Bob\nthe builder",\r\n'  # a cell over two lines
        "lemon8,@cook,333333333333333333,Eve,\r\n"  # someone else's handle in this file
        "lemon8,chef,111111111111111111,Alice,\r\n"  # Alice again on the same platform
        "myspace,tom,444444444444444444,Tom,\r\n"
        "lemon8,ok,12,Short id,\r\n"
        "lemon8,fine,555555555555555555,Fine,secret\r\n"
        ",,,,\r\n"
    )
    report = await transfer.import_csv(source, community="demo", dry_run=True)
    assert (report.rows, report.added) == (7, 2)
    reasons = {row.line: row.reason for row in report.rejected}
    assert sorted(reasons) == [5, 6, 7, 8, 9]
    assert "duplicate of line 2" in reasons[5]
    assert "already has a lemon8 handle on line 2" in reasons[6]
    assert "myspace" in reasons[7]
    assert "discord_id" in reasons[8]
    assert "visibility" in reasons[9]


async def test_import_applies_then_is_idempotent_and_keeps_names(
    service: DirectoryService, transfer: TransferService
) -> None:
    await seed(service)
    text = (
        "platform,handle,discord_id,visibility\n"
        "lemon8,cook,111111111111111111,community\n"
        "ig,new.one,111111111111111111,\n"
    )
    first = await transfer.import_csv(io.StringIO(text), community="demo", dry_run=False)
    assert (first.added, first.replaced, first.unchanged, first.rejected) == (1, 1, 0, [])
    handles = await service.handles(community="demo", identity=DISCORD)
    assert {(e.platform, e.handle, e.visibility) for e in handles} == {
        ("lemon8", "cook", Visibility.COMMUNITY),  # the visibility change was applied
        ("instagram", "new.one", Visibility.COMMUNITY),
    }
    member = await service.member(community="demo", identity=DISCORD)
    assert member is not None and member.display_name.startswith("=HYPERLINK")  # no name column: kept
    again = await transfer.import_csv(io.StringIO(text), community="demo", dry_run=False)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 2)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("name,handle\nx,y\n", "platform"),
        ("platform,handle\nlemon8,x\n", "whose row"),
    ],
)
async def test_unusable_files_are_refused_whole(transfer: TransferService, text: str, problem: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await transfer.import_csv(io.StringIO(text), community="demo", dry_run=True)
    assert problem in str(caught.value)


async def test_row_limit_is_enforced_while_reading(
    transfer: TransferService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.services.transfer.MAX_IMPORT_ROWS", 3)
    text = "platform,handle,name\n" + "".join(f"lemon8,h{i},n{i}\n" for i in range(5))
    with pytest.raises(InvalidInputError, match="at most 3 rows"):
        await transfer.import_csv(io.StringIO(text), community="demo", dry_run=True)

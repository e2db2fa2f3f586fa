"""Exports: every format honours its scope, names it, and never holds hidden or banned members."""

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.config import load_config
from bot.models import Identity, IdentityKind, Source, Verification, Visibility
from bot.services.directory import DirectoryService
from bot.services.transfer import (
    MASTODON_COLUMNS,
    ExportFormat,
    ExportScope,
    TransferService,
    export_filename,
)
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import members

ALICE = Identity(IdentityKind.DISCORD, "111111111111111111")
BOB = Identity(IdentityKind.BLUESKY, "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb")
CAROL = Identity(IdentityKind.BLUESKY, "did:plc:cccccccccccccccccccccccc")
DAN = Identity(IdentityKind.DISCORD, "444444444444444444")
HIDDEN = Identity(IdentityKind.BLUESKY, "did:plc:hhhhhhhhhhhhhhhhhhhhhhhh")
BANNED = Identity(IdentityKind.BLUESKY, "did:plc:nnnnnnnnnnnnnnnnnnnnnnnn")
PUBLIC, COMMUNITY = Visibility.PUBLIC, Visibility.COMMUNITY


async def add(
    service: DirectoryService, who: Identity, name: str, platform: str, handle: str, seen: Visibility
):
    # As joining from Bluesky writes it: the member's own post proves their Bluesky handle.
    from_bluesky = who.kind is IdentityKind.BLUESKY
    proven = from_bluesky and platform == "bluesky"
    return await service.register(
        community="demo",
        identity=who,
        display_name=name,
        platform=platform,
        handle=handle,
        source=Source.BLUESKY if from_bluesky else Source.DISCORD,
        visibility=seen,
        verification=Verification.BLUESKY_PROVEN if proven else Verification.SELF_REPORTED,
    )


@pytest.fixture
async def seeded(service: DirectoryService, repository: Repository, database: Database) -> None:
    await add(service, ALICE, '=HYPERLINK("https://evil.example")', "lemon8", "cook", PUBLIC)
    await add(service, ALICE, "", "mastodon", "@alice@mastodon.social", PUBLIC)
    await add(service, BOB, "Bob 小明", "bluesky", "bob.bsky.social", PUBLIC)
    await add(service, CAROL, "Carol", "bluesky", "carol.bsky.social", COMMUNITY)
    await add(service, CAROL, "", "mastodon", "https://hachyderm.io/@carol", COMMUNITY)
    await add(service, DAN, "Dan", "bluesky", "dan.bsky.social", PUBLIC)  # typed, no DID known
    hidden = await add(service, HIDDEN, "Hidden", "bluesky", "hidden.bsky.social", PUBLIC)
    await add(service, HIDDEN, "", "mastodon", "hidden@mastodon.social", PUBLIC)
    banned = await add(service, BANNED, "Banned", "bluesky", "banned.bsky.social", PUBLIC)
    await add(service, BANNED, "", "mastodon", "banned@mastodon.social", PUBLIC)
    now = datetime(2025, 2, 1, tzinfo=UTC)
    await repository.set_hidden(member_id=hidden.entry.member_id, hidden=True, now=now, actor="test")
    async with database.transaction(write=True) as conn:  # no ban API yet on this branch: the flag itself
        await conn.execute(update(members).where(members.c.id == banned.entry.member_id).values(banned=True))


async def export(transfer: TransferService, fmt: ExportFormat, scope: ExportScope) -> tuple[str, int]:
    out = io.StringIO()
    count = await transfer.export(out, community="demo", fmt=fmt, scope=scope)
    return out.getvalue(), count


@pytest.mark.usefixtures("seeded")
async def test_csv_is_clean_neutralises_formulas_keeps_ids_and_honours_scope(
    transfer: TransferService,
) -> None:
    text, count = await export(transfer, ExportFormat.CSV, ExportScope.ALL)
    assert text.startswith("platform,handle,profile_url,name,")  # no comment line before the header
    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == len(rows) == 6
    by_handle = {row["handle"]: row for row in rows}
    assert by_handle["cook"]["name"].startswith("'=")  # a spreadsheet shows it, never runs it
    assert by_handle["cook"]["discord_id"] == ALICE.external_id
    assert by_handle["bob.bsky.social"]["bluesky_did"] == BOB.external_id
    assert by_handle["bob.bsky.social"]["profile_url"] == "https://bsky.app/profile/bob.bsky.social"
    assert by_handle["carol.bsky.social"]["visibility"] == "community"
    progress: list[tuple[int, int]] = []
    out = io.StringIO()
    count = await transfer.export(
        out,
        community="demo",
        fmt=ExportFormat.CSV,
        scope=ExportScope.PUBLIC,
        progress=lambda *p: progress.append(p),
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == 4 and progress == [(4, 4)]
    assert {row["visibility"] for row in rows} == {"public"}
    # A public file may be published: the handles members made public, not the accounts behind them.
    assert "discord_id" not in rows[0] and "bluesky_did" not in rows[0]


@pytest.mark.usefixtures("seeded")
async def test_json_states_its_scope(transfer: TransferService) -> None:
    text, count = await export(transfer, ExportFormat.JSON, ExportScope.PUBLIC)
    document = json.loads(text)
    assert (document["community"], document["visibility"], document["visibilities"]) == (
        "demo",
        "public",
        ["public"],
    )
    assert sorted(entry["handle"] for entry in document["entries"]) == [
        "alice@mastodon.social",
        "bob.bsky.social",
        "cook",
        "dan.bsky.social",
    ]
    assert count == 4
    text, _ = await export(transfer, ExportFormat.JSON, ExportScope.ALL)
    assert json.loads(text)["visibilities"] == ["community", "public"]


@pytest.mark.usefixtures("seeded")
async def test_mastodon_following_list(transfer: TransferService) -> None:
    header = ",".join(MASTODON_COLUMNS) + "\n"
    assert header == "Account address,Show boosts,Notify on new posts,Languages\n"
    assert await export(transfer, ExportFormat.MASTODON, ExportScope.PUBLIC) == (
        header + "alice@mastodon.social,true,false,\n",
        1,
    )
    assert await export(transfer, ExportFormat.MASTODON, ExportScope.ALL) == (
        header + "alice@mastodon.social,true,false,\ncarol@hachyderm.io,true,false,\n",
        2,
    )


@pytest.mark.usefixtures("seeded")
async def test_dids_are_only_members_own_and_follow_their_bluesky_entry(transfer: TransferService) -> None:
    # Dan typed a Bluesky handle from Discord: Ferry knows no DID for him, and guesses none.
    assert await export(transfer, ExportFormat.DIDS, ExportScope.PUBLIC) == (f"{BOB.external_id}\n", 1)
    assert await export(transfer, ExportFormat.DIDS, ExportScope.ALL) == (
        f"{BOB.external_id}\n{CAROL.external_id}\n",
        2,
    )


@pytest.mark.usefixtures("seeded")
async def test_an_imported_did_is_not_exported_until_its_member_proves_it(transfer: TransferService) -> None:
    eve = "did:plc:iiiiiiiiiiiiiiiiiiiiiiii"
    sheet = f"bluesky_did,platform,handle,visibility\n{eve},bluesky,eve.bsky.social,public\n"
    report = await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=False)
    assert report.added == 1
    # Eve's entry is public and her DID is stored, but only the sheet says the account is hers.
    assert await export(transfer, ExportFormat.DIDS, ExportScope.PUBLIC) == (f"{BOB.external_id}\n", 1)
    csv_text, _ = await export(transfer, ExportFormat.CSV, ExportScope.ALL)
    assert eve in csv_text  # the admin's full CSV still carries it


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("fmt", list(ExportFormat))
async def test_hidden_and_banned_members_are_in_no_export(
    transfer: TransferService, fmt: ExportFormat
) -> None:
    for scope in ExportScope:
        text, _ = await export(transfer, fmt, scope)
        for needle in ("hidden", "banned", HIDDEN.external_id, BANNED.external_id, "Hidden", "Banned"):
            assert needle not in text, (fmt, scope, needle)


async def test_an_empty_community_exports_valid_files(transfer: TransferService) -> None:
    text, count = await export(transfer, ExportFormat.JSON, ExportScope.ALL)
    assert (json.loads(text)["entries"], count) == ([], 0)
    assert await export(transfer, ExportFormat.DIDS, ExportScope.PUBLIC) == ("", 0)


def test_every_filename_names_its_scope() -> None:
    names = {
        (fmt.value, scope.value): export_filename("movers", fmt, scope)
        for fmt in ExportFormat
        for scope in ExportScope
    }
    assert names == {
        ("csv", "public"): "movers-directory-public.csv",
        ("csv", "all"): "movers-directory-all.csv",
        ("json", "public"): "movers-directory-public.json",
        ("json", "all"): "movers-directory-all.json",
        ("mastodon", "public"): "movers-mastodon-following-public.csv",
        ("mastodon", "all"): "movers-mastodon-following-all.csv",
        ("dids", "public"): "movers-bluesky-dids-public.txt",
        ("dids", "all"): "movers-bluesky-dids-all.txt",
    }


async def test_a_configured_platform_of_mastodons_kind_is_in_the_follow_list(
    repository: Repository, tmp_path: Path, clock: Callable[[], datetime]
) -> None:
    path = tmp_path / "fedi.toml"
    path.write_text(
        "[platforms.fedi]\n"
        'display_name = "Our Server"\n'
        'kind = "mastodon"\n'
        'pattern = "^[a-z0-9_]+@example[.]social$"\n'
        "max_length = 60\n"
        'example = "alice@example.social"\n\n'
        '[[communities]]\nslug = "demo"\nname = "Demo"\ndefault_visibility = "public"\n'
        'platforms = ["mastodon", "fedi", "lemon8"]\n',
        encoding="utf-8",
    )
    config = load_config(path)
    service = DirectoryService(repository=repository, config=lambda: config, clock=clock)
    await add(service, ALICE, "Alice", "fedi", "@alice@example.social", PUBLIC)
    await add(service, ALICE, "", "lemon8", "alice", PUBLIC)
    await add(service, DAN, "Dan", "mastodon", "dan@mastodon.social", PUBLIC)
    transfer = TransferService(repository=repository, directory=service)
    text, count = await export(transfer, ExportFormat.MASTODON, ExportScope.PUBLIC)
    assert (text.splitlines()[1:], count) == (
        ["alice@example.social,true,false,", "dan@mastodon.social,true,false,"],
        2,
    )


@pytest.mark.usefixtures("seeded")
async def test_without_account_ids_csv_and_json_leave_both_id_columns_out(transfer: TransferService) -> None:
    with_ids = io.StringIO()
    await transfer.export(with_ids, community="demo", fmt=ExportFormat.CSV, scope=ExportScope.ALL)
    assert any(row["discord_id"] for row in csv.DictReader(io.StringIO(with_ids.getvalue())))
    plain = io.StringIO()
    count = await transfer.export(
        plain, community="demo", fmt=ExportFormat.CSV, scope=ExportScope.ALL, account_ids=False
    )
    rows = list(csv.DictReader(io.StringIO(plain.getvalue())))
    assert len(rows) == count > 0
    assert "discord_id" not in rows[0] and "bluesky_did" not in rows[0] and rows[0]["handle"]
    document = io.StringIO()
    await transfer.export(
        document, community="demo", fmt=ExportFormat.JSON, scope=ExportScope.ALL, account_ids=False
    )
    entries = json.loads(document.getvalue())["entries"]
    assert entries and all("discord_id" not in e and "bluesky_did" not in e for e in entries)

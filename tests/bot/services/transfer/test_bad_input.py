"""Bad input in an imported sheet (security.md §8.1): a bad row is refused on its own, never a crash.

Runs on SQLite and PostgreSQL (the ``transfer`` fixture sits on the parametrised ``repository``):
PostgreSQL refuses a NUL in any text value, so a NUL reaching a query aborts the whole import there.
"""

from __future__ import annotations

import io

import pytest

from bot.models import EVERY_VISIBILITY, Identity, IdentityKind
from bot.services.directory import DirectoryService
from bot.services.names import NEUTRAL_NAME
from bot.services.transfer import ImportReport, TransferService

DISCORD = "111111111111111111"


async def run(transfer: TransferService, sheet: str, *, dry_run: bool) -> ImportReport:
    return await transfer.import_csv(io.StringIO(sheet), community="demo", dry_run=dry_run)


@pytest.mark.parametrize("dry_run", [True, False])
async def test_nul_and_control_characters_in_names_neither_crash_nor_get_stored(
    transfer: TransferService, service: DirectoryService, dry_run: bool
) -> None:
    sheet = (
        "name,discord_id,platform,handle\n"
        "Ali\x00ce,,lemon8,alice\n"  # keyed by the name: the NUL reached the member lookup
        "Bo\x00b\x07,111111111111111111,lemon8,bob\n"  # keyed by the id: the NUL reached the stored name
        "\x00\x00,,lemon8,carol\n"  # nothing visible: no key at all
        "Dan,,lemon8,dan\x00\n"
    )
    report = await run(transfer, sheet, dry_run=dry_run)
    assert (report.rows, report.added) == (4, 2)
    assert [(r.line, r.column, r.reason) for r in report.rejected] == [
        (4, "", "invalid row: no_identity"),
        (5, "handle", "invalid Lemon8 handle: control_character (example: sunny.bakes)"),
    ]
    if dry_run:
        return
    alice = await service.member(community="demo", identity=Identity(IdentityKind.CONSOLE, "Alice"))
    bob = await service.member(community="demo", identity=Identity(IdentityKind.DISCORD, DISCORD))
    assert alice is not None and alice.display_name == "Alice"
    assert bob is not None and bob.display_name == "Bob"


async def test_invisible_and_direction_changing_characters_do_not_make_a_new_person(
    transfer: TransferService, service: DirectoryService
) -> None:
    await run(transfer, "name,platform,handle\nAnn Lee,lemon8,ann\n", dry_run=False)
    # The same person, with a zero-width space, a bidi isolate and a Hangul filler around the name.
    again = "name,instagram\n\u2066Ann\u200b  Lee\u3164\u2069,ann.lee\n"
    report = await run(transfer, again, dry_run=False)
    assert (report.added, report.rejected) == (1, [])
    handles = await service.handles(
        community="demo", identity=Identity(IdentityKind.CONSOLE, "Ann Lee"), visibilities=EVERY_VISIBILITY
    )
    assert {e.platform for e in handles} == {"lemon8", "instagram"}


@pytest.mark.parametrize("invisible", ["\u200b\u200d", "\u3164", "\u2800\u2800", "\u202e\ufeff"])
async def test_a_name_with_nothing_visible_is_never_replaced_by_an_account_id(
    transfer: TransferService, service: DirectoryService, invisible: str
) -> None:
    sheet = f"name,discord_id,bluesky_did,lemon8\n{invisible},{DISCORD},,eve\n"
    sheet += f"{invisible},,did:plc:abcdefghijklmnopqrstuvwx,frank\n"
    report = await run(transfer, sheet, dry_run=False)
    assert (report.added, report.rejected) == (2, [])
    for identity in (
        Identity(IdentityKind.DISCORD, DISCORD),
        Identity(IdentityKind.BLUESKY, "did:plc:abcdefghijklmnopqrstuvwx"),
    ):
        member = await service.member(community="demo", identity=identity)
        assert member is not None and member.display_name == NEUTRAL_NAME

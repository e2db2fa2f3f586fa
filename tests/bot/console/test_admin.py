"""The operator's import summary, as printed by ``ferry import``, and ``ferry forget``'s report."""

import io
from types import SimpleNamespace

import pytest

from bot.config import FerryConfig
from bot.console.admin import forget, import_summary
from bot.errors import InputReason, InvalidInputError, LinkCodeError
from bot.models import IdentityKind
from bot.services.directory import DirectoryService
from bot.services.linking import LinkingService
from bot.services.transfer import Column, Field, ImportReport, Layout, LayoutKind, RejectedRow
from bot.storage.repository import Repository
from tests.support.services import FakeClock


def test_summary_of_a_dry_run_names_layout_columns_unknowns_and_rejections() -> None:
    layout = Layout(
        kind=LayoutKind.LONG,
        fields={
            Field.PLATFORM: Column(0, "Site", field=Field.PLATFORM),
            Field.HANDLE: Column(1, "Link", field=Field.HANDLE),
            Field.NAME: Column(2, "Who", field=Field.NAME),
        },
        platforms=(),
        unknown=("Notes", "#5"),
    )
    report = ImportReport(dry_run=True, layout=layout, rows=3, added=1, unchanged=1, kept=2)
    report.rejected.append(
        RejectedRow(4, InvalidInputError("row", InputReason.DUPLICATE_ROW, line=2), "Link")
    )
    assert import_summary(report).splitlines() == [
        "layout: long (a platform and a handle column, one row per handle)",
        "columns: Site -> platform, Link -> handle, Who -> name",
        "unknown columns (ignored): Notes, #5",
        (
            "3 rows: 1 would be added, 0 would be replaced, 1 unchanged, "
            "2 kept (changed or withdrawn by the member), 1 rejected"
        ),
        "  line 4, column Link: Invalid row: duplicate of line 2.",
        "dry run: nothing was changed. Run again without --dry-run to apply.",
    ]


def test_summary_of_an_applied_import_has_no_dry_run_line() -> None:
    layout = Layout(
        kind=LayoutKind.WIDE,
        fields={Field.NAME: Column(0, "Name", field=Field.NAME)},
        platforms=(),
        unknown=(),
    )
    text = import_summary(ImportReport(dry_run=False, layout=layout, rows=2, added=2))
    assert "2 rows: 2 were added, 0 were replaced" in text and "unknown columns" not in text
    assert "dry run" not in text


async def test_forget_of_an_account_with_no_member_reports_the_traces_it_scrubbed(
    service: DirectoryService, repository: Repository, config: FerryConfig, clock: FakeClock
) -> None:
    app = SimpleNamespace(directory=service)  # forget needs nothing else of the App
    linking = LinkingService(repository=repository, directory=service, config=lambda: config, clock=clock)
    did = "did:plc:neverjoined0000000000000"
    out = io.StringIO()
    assert await forget(app, community="demo", kind=IdentityKind.BLUESKY, external_id=did, out=out) == 1
    with pytest.raises(LinkCodeError):
        await linking.redeem(community="demo", code="AAAA-AAAA-AA", did=did, handle="x.bsky.social")
    assert await forget(app, community="demo", kind=IdentityKind.BLUESKY, external_id=did, out=out) == 0
    assert out.getvalue().splitlines() == [
        f"nobody with bluesky id {did!r} in 'demo'; nothing to erase",
        f"no member with bluesky id {did!r} in 'demo'; scrubbed 1 record naming the account",
    ]

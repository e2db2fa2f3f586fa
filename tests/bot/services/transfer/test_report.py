"""The import report: what each status counts and how a rejection names its place in the file."""

from bot.errors import InputReason, InvalidInputError
from bot.services.transfer import ImportReport, Layout, LayoutKind, RejectedRow, RowStatus

LAYOUT = Layout(kind=LayoutKind.LONG, fields={}, platforms=(), unknown=())


def test_statuses_are_tallied_and_changes_are_adds_and_replacements() -> None:
    report = ImportReport(dry_run=True, layout=LAYOUT)
    for status in (
        RowStatus.ADDED,
        RowStatus.ADDED,
        RowStatus.REPLACED,
        RowStatus.UNCHANGED,
        RowStatus.KEPT,
        RowStatus.KEPT,
        RowStatus.REJECTED,
    ):
        report.count(status)
    counts = (report.added, report.replaced, report.unchanged, report.kept, report.changes)
    assert counts == (2, 1, 1, 2, 3)  # kept entries are no change


def test_a_rejection_names_its_line_and_column() -> None:
    error = InvalidInputError("row", InputReason.DUPLICATE_ROW, line=2)
    assert RejectedRow(5, error).where == "line 5"
    assert RejectedRow(5, error, "Instagram").where == "line 5, column Instagram"
    assert RejectedRow(5, error).reason == "invalid row: duplicate_row (line=2)"

"""What an import did, or would do: counts, the detected columns and every rejected row."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bot.errors import FerryError
from bot.services.transfer.layout import Layout


class RowStatus(enum.StrEnum):
    """What an import did, or would do, with one handle."""

    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    KEPT = "kept"  # the member changed or withdrew this entry themselves: an import leaves it so
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A handle (or a whole row) not imported: its line in the file, the column, and the error.

    The error, not a sentence, is kept so each front can word the reason in its own language.
    ``column`` is the header as written in the file, "" when the row as a whole was refused.
    """

    line: int
    error: FerryError
    column: str = ""

    @property
    def reason(self) -> str:
        """The error as a short code and its values, for logs; fronts word ``error`` themselves."""
        return str(self.error)

    @property
    def where(self) -> str:
        """``line 7`` or ``line 7, column Instagram``: for the operator's CLI and attached files."""
        return f"line {self.line}, column {self.column}" if self.column else f"line {self.line}"


@dataclass(slots=True)
class ImportReport:
    """The outcome of an import or a dry run.

    ``rows`` counts the file's non-blank data rows; the other counts are handles, so a wide row with
    three platform columns can add three. ``kept`` counts handles the sheet would have changed but
    whose entry the member wrote, removed or had forgotten themselves (see ``bot.services.transfer.imports``).
    """

    dry_run: bool
    layout: Layout
    rows: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    kept: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def count(self, status: RowStatus) -> None:
        """Tally one accepted handle."""
        if status is RowStatus.ADDED:
            self.added += 1
        elif status is RowStatus.REPLACED:
            self.replaced += 1
        elif status is RowStatus.UNCHANGED:
            self.unchanged += 1
        elif status is RowStatus.KEPT:
            self.kept += 1

    @property
    def changes(self) -> int:
        """How many handles the import adds or replaces."""
        return self.added + self.replaced

"""The guard against spreadsheet formulas in exported cells, and its exact undoing on import.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (CSV injection), so the exporter writes such a cell behind an apostrophe, which
spreadsheets read as "text follows". A YouTube handle is ``@name``: without undoing the guard,
Ferry's own export would not re-import.

The two functions are exact inverses. A value is guarded when it starts with any number of
apostrophes and then a formula character, so ``'=x`` (a name that really starts with an
apostrophe) is guarded too and comes back unchanged; a cell that is an apostrophe in front of a
guarded value is unguarded, and nothing else is touched.
"""

from __future__ import annotations

import re

_GUARDED = re.compile(r"'*[=+\-@\t\r]")
GUARD = "'"


def guard_cell(value: str) -> str:
    """``value`` as it may sit in an exported spreadsheet cell."""
    return GUARD + value if _GUARDED.match(value) else value


def unguard_cell(cell: str) -> str:
    """The value :func:`guard_cell` wrote ``cell`` for; any other cell as it is."""
    if cell.startswith(GUARD) and _GUARDED.match(cell, 1):
        return cell[1:]
    return cell

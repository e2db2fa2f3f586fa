"""A plain-text table for the terminal that keeps columns aligned with CJK and emoji text."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import grapheme

MAX_CELL = 48  # display columns; longer cells are shortened so one row stays one line


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK, most emoji) graphemes take two, combining marks none."""
    total = 0
    for cluster in grapheme.graphemes(text):
        total += 2 if unicodedata.east_asian_width(cluster[0]) in {"W", "F"} else 1
    return total


def _fit(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    out = ""
    for cluster in grapheme.graphemes(text):
        if display_width(out + cluster) > limit - 1:
            break
        out += cluster
    return out + "…"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows under headers, columns padded by display width, separated by two spaces."""
    cells = [[_fit(cell, MAX_CELL) for cell in row] for row in [list(headers), *map(list, rows)]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        padded = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(padded).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)

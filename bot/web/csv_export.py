"""``directory.csv``: the public entries matching the page's filters, as a spreadsheet-safe file.

Not TransferService.export: that is the admins' backup, with Discord ids, DIDs and visibility, and
it cannot filter; this one has only the columns the page itself shows. The file is built whole so
that :class:`~bot.services.export_cache.ExportCache` can keep it for the next reader.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from bot.models import DirectoryQuery, Entry
from bot.services.directory import DirectoryService
from bot.services.export_cache import Export
from bot.services.transfer.cells import guard_cell

CSV_COLUMNS = ("name", "platform", "handle", "profile_url", "verification")
PAGE = 50  # entries read per query while the file is written


async def build_csv(
    directory: DirectoryService, query: DirectoryQuery, row: Callable[[Entry], Sequence[str]]
) -> Export:
    """Every entry ``query`` matches, a service page at a time, as CSV bytes with a header."""
    parts = [csv_rows([CSV_COLUMNS], header=True)]
    count = 0
    query = replace(query, limit=PAGE, after=None, before=None, last=False)
    while True:
        page = await directory.directory(query)
        parts.append(csv_rows(row(entry) for entry in page.entries))
        count += len(page.entries)
        if page.next_cursor is None:
            return Export(b"".join(parts), count)
        query = replace(query, after=page.next_cursor)


def csv_rows(rows: Iterable[Sequence[str]], *, header: bool = False) -> bytes:
    """CSV lines (CRLF); cells guarded as the admin export guards them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        # The admin export's guard, so that this file re-imports as that one does.
        writer.writerow(row if header else [guard_cell(v) for v in row])
    return out.getvalue().encode("utf-8")

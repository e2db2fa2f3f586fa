"""Reading the page back: the table's rows, the pager's links and every tag, with the stdlib parser."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Parsed:
    rows: list[list[str]] = field(default_factory=list)  # cell texts of each tbody row
    row_links: list[str | None] = field(default_factory=list)  # the profile href of each row
    links: dict[str, str] = field(default_factory=dict)  # rel -> href (prev/next)
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.out.tags.append((tag, a))
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.out.rows.append([])
            self.out.row_links.append(None)
        elif tag == "td" and self._in_body:
            self._cell = []
        elif tag == "a":
            if a.get("rel") in ("prev", "next"):
                self.out.links[str(a["rel"])] = str(a["href"])
            if self._cell is not None:
                self.out.row_links[-1] = a.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.out.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> Parsed:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.out


def handles(parsed: Parsed) -> list[str]:
    """The Profile column (platform handle) of every row."""
    return [row[2] for row in parsed.rows]


def csv_rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))

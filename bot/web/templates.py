"""HTML for the public page: small functions over ``html.escape``, no template engine.

Every value that reaches the markup passes through :func:`text` (element content) or :func:`attr`
(attribute values); names and handles are also wrapped in ``<bdi>`` so a right-to-left name or a
stray direction override cannot reorder the text around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from bot.models import Verification

# Text and symbol per level; the symbol is decoration, so screen readers get the words alone.
BADGES: dict[Verification, tuple[str, str, str]] = {
    Verification.SELF_REPORTED: ("", "Self-reported", "the member added it; nobody has checked it"),
    Verification.BLUESKY_PROVEN: ("✓", "Bluesky-proven", "the member proved they control the account"),
    Verification.ADMIN_VERIFIED: ("✓✓", "Admin-verified", "a community admin checked it"),
}


def text(value: object) -> str:
    """Escape for element content."""
    return escape(str(value), quote=False)


def attr(value: object) -> str:
    """Escape for a double-quoted attribute value."""
    return escape(str(value), quote=True)


def user(value: str) -> str:
    """User-written text, isolated from the surrounding text direction."""
    return f'<bdi dir="auto">{text(value)}</bdi>'


def badge(level: Verification) -> str:
    symbol, label, _ = BADGES[level]
    mark = f'<span aria-hidden="true">{symbol}</span> ' if symbol else ""
    return f'<span class="badge badge-{attr(level.value)}">{mark}{text(label)}</span>'


def safe_link(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link, else None: nothing else becomes an ``href``."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("https", "http") and parts.netloc else None


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    platform: str  # display name
    handle: str
    url: str | None
    verification: Verification


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryView:
    """Everything the directory page shows; hrefs are already URL-encoded by the caller."""

    community: str  # display name
    search: str
    platform: str | None  # selected key
    platforms: Sequence[tuple[str, str]]  # (key, display name) of the enabled platforms
    counts: Sequence[tuple[str, int]]  # (display name, public entries)
    rows: Sequence[Row]
    total: int | None  # None: a search whose matches go on past this page (not counted)
    page: int
    pages: int | None
    prev_href: str | None
    next_href: str | None
    json_href: str
    csv_href: str
    canonical: str


def layout(title: str, body: str, *, canonical: str | None = None, css: str = "../static/ferry.css") -> str:
    link = f'<link rel="canonical" href="{attr(canonical)}">\n' if canonical else ""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{text(title)}</title>\n{link}"
        f'<link rel="stylesheet" href="{attr(css)}">\n</head>\n<body>\n'
        '<a class="skip" href="#main">Skip to the directory</a>\n'
        f"{body}\n"
        "<footer><p>Ferry lists only what members chose to make public. "
        "Ask in the community to change or remove your entry.</p></footer>\n"
        "</body>\n</html>\n"
    )


def _options(view: DirectoryView) -> str:
    chosen = view.platform or ""
    options = [f'<option value=""{" selected" if not chosen else ""}>All platforms</option>']
    for key, name in view.platforms:
        selected = " selected" if key == chosen else ""
        options.append(f'<option value="{attr(key)}"{selected}>{text(name)}</option>')
    return "".join(options)


def _legend() -> str:
    items = "".join(
        f"<div><dt>{badge(level)}</dt><dd>{text(meaning)}</dd></div>"
        for level, (_, _, meaning) in BADGES.items()
    )
    return f'<h2 class="visually-hidden" id="legend">What the badges mean</h2><dl class="legend">{items}</dl>'


def _row(row: Row) -> str:
    url = safe_link(row.url)
    handle = user(row.handle)
    if url:
        handle = (
            f'<a href="{attr(url)}" rel="nofollow noopener ugc" referrerpolicy="no-referrer">{handle}</a>'
        )
    return (
        f'<tr><td class="name" data-label="Name">{user(row.name)}</td>'
        f'<td data-label="Platform">{text(row.platform)}</td>'
        f'<td data-label="Profile">{handle}</td>'
        f'<td data-label="Verification">{badge(row.verification)}</td></tr>'
    )


def _table(view: DirectoryView) -> str:
    if not view.rows:
        wanted = " matching your search" if view.search or view.platform else ""
        return f'<p class="empty">No public entries{text(wanted)} yet.</p>'
    rows = "\n".join(_row(row) for row in view.rows)
    return (
        '<table aria-describedby="legend">'
        f"<caption>Public entries, {_page_of(view).lower()}</caption>"
        '<thead><tr><th scope="col">Name</th><th scope="col">Platform</th>'
        '<th scope="col">Profile</th><th scope="col">Verification</th></tr></thead>'
        f"<tbody>\n{rows}\n</tbody></table>"
    )


def _page_of(view: DirectoryView) -> str:
    return f"Page {view.page}" if view.pages is None else f"Page {view.page} of {view.pages}"


def _pager(view: DirectoryView) -> str:
    links = []
    if view.prev_href:
        links.append(f'<a href="{attr(view.prev_href)}" rel="prev">← Previous</a>')
    links.append(f'<span class="muted">{_page_of(view)}</span>')
    if view.next_href:
        links.append(f'<a href="{attr(view.next_href)}" rel="next">Next →</a>')
    return f'<nav class="pager" aria-label="Pages">{"".join(links)}</nav>'


def directory_page(view: DirectoryView) -> str:
    counts = "".join(f"<li>{text(name)}: {n}</li>" for name, n in view.counts)
    if view.total is None:  # a search's matches are not counted
        matches = "Public entries that match" + (", more on the next page" if view.next_href else "")
    else:
        matches = f"{view.total} public {'entry' if view.total == 1 else 'entries'}"
        if view.search or view.platform:
            matches += " match"
    body = (
        f"<header><h1>{user(view.community)}: where we went</h1>"
        '<p class="lede">An opt-in directory of members\' new profiles.</p></header>\n'
        '<main id="main" tabindex="-1">\n'
        '<form class="filters" method="get" action="./" role="search">'
        '<label for="q">Search names and handles'
        f'<input id="q" name="q" type="search" maxlength="100" value="{attr(view.search)}"'
        ' autocomplete="off"></label>'
        '<label for="platform">Platform'
        f'<select id="platform" name="platform">{_options(view)}</select></label>'
        '<button type="submit">Search</button></form>\n'
        f'<h2 class="visually-hidden">Entries per platform</h2><ul class="counts">{counts}</ul>\n'
        '<p class="charts"><a href="stats">Where we went, in charts</a></p>\n'
        f"{_legend()}\n"
        f'<p role="status">{text(matches)}.</p>\n'
        f"{_table(view)}\n{_pager(view)}\n"
        f'<p class="downloads">Download these results: <a href="{attr(view.csv_href)}">CSV</a> · '
        f'<a href="{attr(view.json_href)}">JSON</a> (this page)</p>\n'
        "</main>"
    )
    return layout(f"{view.community}: where we went", body, canonical=view.canonical)


def error_page(status: int, title: str, message: str, *, css: str = "/static/ferry.css") -> str:
    body = (
        f"<header><h1>{text(title)}</h1></header>\n"
        f'<main id="main" tabindex="-1"><p>{text(message)}</p>'
        f'<p class="muted">HTTP {status}</p></main>'
    )
    return layout(title, body, css=css)


def index_page(communities: Iterable[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{attr(slug)}/">{user(name)}</a></li>' for slug, name in communities)
    body = (
        "<header><h1>Ferry directories</h1></header>\n"
        f'<main id="main" tabindex="-1"><ul>{items or "<li>None published.</li>"}</ul></main>'
    )
    return layout("Ferry directories", body, css="static/ferry.css")

"""Directory statements are built once per query shape and reused: every shape still returns its own
page, and no call's values stay behind in a kept statement for the next one."""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import replace
from typing import Any

from sqlalchemy import event

from bot.models import EVERY_VISIBILITY, Cursor, DirectoryPage, DirectoryQuery, Entry, Visibility
from bot.storage import _directory_sql as sql
from bot.storage.database import Database
from bot.storage.repository import Repository
from tests.bot.storage._helpers import COMMUNITY
from tests.bot.storage.test_directory import Seeded, order_key, query, seeded

__all__ = ["seeded"]  # the fixture, shared with test_directory

VISIBILITY_SETS = (
    EVERY_VISIBILITY,
    frozenset({Visibility.PUBLIC}),
    frozenset({Visibility.COMMUNITY}),
    frozenset(),
)


def matches(entry: Entry, q: DirectoryQuery) -> bool:
    if entry.community != q.community or entry.visibility not in q.visibilities:
        return False
    if q.platform not in (None, entry.platform):
        return False
    term = (q.search or "").lower()  # the seeded names and handles are ASCII
    return term in entry.member_name.lower() or term in entry.handle.lower()


def expected_page(listed: list[Entry], q: DirectoryQuery) -> DirectoryPage:
    """What ``directory_page`` answers, worked out in Python from the listed rows."""
    rows = [e for e in listed if matches(e, q)]
    low = None if q.after is None else (q.after.sort_key, q.after.entry_id)
    high = None if q.before is None else (q.before.sort_key, q.before.entry_id)
    window = [
        e for e in rows if (low is None or order_key(e) > low) and (high is None or order_key(e) < high)
    ]
    descending = low is None and (high is not None or q.last)
    if not window and (low is not None or high is not None):
        window, descending = rows, low is not None  # a stale cursor: the end the reader headed for
    shown = window[-q.limit :] if descending else window[: q.limit]
    if not shown:
        return DirectoryPage(entries=(), next_cursor=None, prev_cursor=None, total=len(rows))
    first, last = order_key(shown[0]), order_key(shown[-1])
    next_cursor = Cursor(*last) if any(order_key(e) > last for e in rows) else None
    prev_cursor = Cursor(*first) if any(order_key(e) < first for e in rows) else None
    # A search is counted only when every match is on the page (see DirectoryPage.total).
    uncounted = bool(q.search) and (next_cursor is not None or prev_cursor is not None)
    return DirectoryPage(
        entries=tuple(shown),
        next_cursor=next_cursor,
        prev_cursor=prev_cursor,
        total=None if uncounted else len(rows),
    )


def cursor_of(entry: Entry) -> Cursor:
    return Cursor(*order_key(entry))


def queries(listed: list[Entry]) -> list[DirectoryQuery]:
    """Every shape: cursor layouts x platform filter x visibility set x search, with cursors on
    rows of every platform (a filtered page seeks from a row it does not show) and stale ones."""
    early, middle, late = (cursor_of(listed[i]) for i in (6, 24, 44))
    layouts: list[dict[str, Any]] = [
        {},
        {"last": True},
        {"after": early},
        {"after": middle},
        {"before": middle},
        {"before": late, "last": True},  # ``last`` is ignored beside a cursor
        {"after": early, "before": late},
        {"after": Cursor("zzzz", 10**9)},  # past the end
        {"before": Cursor("", 0)},  # before the start
    ]
    return [
        query(limit=7, platform=platform, visibilities=visibilities, search=search, **layout)
        for layout, platform, visibilities, search in itertools.product(
            layouts, (None, "tiktok"), VISIBILITY_SETS, (None, "1")
        )
    ]


async def test_every_shape_returns_its_own_page(repository: Repository, seeded: Seeded) -> None:
    # One after another, shapes and values changing at every call: a kept statement that held on to
    # a value of the call before (a platform, a cursor, a limit) would answer some of these wrongly.
    for q in queries(seeded.listed):
        assert await repository.directory_page(q) == expected_page(seeded.listed, q), q


async def test_same_shape_with_other_values(repository: Repository, seeded: Seeded) -> None:
    stranger = [e for e in seeded.unlisted if e.community == "other"]  # listed in its own community
    listed = sorted(seeded.listed + stranger, key=order_key)
    asked = [
        query(platform="tiktok"),
        query(platform="instagram"),
        query(platform="tiktok", limit=3),
        query(after=cursor_of(listed[10])),
        query(after=cursor_of(listed[30]), limit=4),
        query(community="other"),
        query(search="member 1"),
        query(search="h4"),
        query(),
    ]
    for q in asked + asked[::-1]:
        assert await repository.directory_page(q) == expected_page(listed, q), q
    assert (await repository.directory_page(query(community="other"))).entries == tuple(stranger)


async def test_concurrent_pages_share_statements_not_values(repository: Repository, seeded: Seeded) -> None:
    listed = seeded.listed
    asked = [query(after=cursor_of(e), limit=5) for e in listed[::4]] + [
        query(platform=p, last=True) for p in ("instagram", "tiktok", "bluesky")
    ]
    pages = await asyncio.gather(*(repository.directory_page(q) for q in asked))
    assert list(pages) == [expected_page(listed, q) for q in asked]


async def test_kept_statements_hold_no_values(
    repository: Repository, database: Database, seeded: Seeded
) -> None:
    """The cached statements carry placeholders only: the values of a call never enter them."""
    q = query(platform="tiktok", search="member", after=cursor_of(seeded.listed[3]), limit=4)
    await repository.directory_page(q)
    shape = sql.shape_of(database.dialect, q)
    assert sql.page(shape, lower=True, upper=False, descending=False) is sql.page(
        shape, lower=True, upper=False, descending=False
    )
    for statement in (
        sql.page(shape, lower=True, upper=False, descending=False),
        sql.total_alone(sql.shape_of(database.dialect, replace(q, search=None))),
        sql.probe(shape, forward=True),
    ):
        params = statement.compile().params
        assert not {COMMUNITY, "tiktok", "member", q.after.sort_key} & set(params.values()), params


async def test_iteration_and_positions_agree_with_pages(repository: Repository, seeded: Seeded) -> None:
    public = frozenset({Visibility.PUBLIC})
    exported = [
        e.id async for e in repository.iter_entries(community=COMMUNITY, visibilities=public, batch=4)
    ]
    assert exported == [e.id for e in seeded.listed if e.visibility is Visibility.PUBLIC]
    for position in (0, 5, 26):
        q = query(visibilities=public, platform="bluesky")
        wanted = [e for e in seeded.listed if matches(e, q)]
        found = await repository.cursor_at(q, position)
        assert found == (cursor_of(wanted[position]) if position < len(wanted) else None)


async def test_limit_is_written_into_the_sql(
    repository: Repository, database: Database, seeded: Seeded
) -> None:
    """PostgreSQL's generic plan for ``LIMIT $n`` assumes a tenth of the table is read, so the server
    would plan every execution of the prepared page statement anew; an inline LIMIT avoids that."""
    sent: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await repository.directory_page(query(limit=12, after=Cursor("h10", 1)))
        await repository.directory_page(query(limit=3, last=True))
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    assert re.search(r"LIMIT 13\b", sent[0]), sent[0]
    assert re.search(r"LIMIT 1\b", sent[0]), "the probe past the cursor"
    assert re.search(r"LIMIT 4\b", sent[1]), sent[1]

"""The directory: listed entries of a community in (handle_key, id) order, paged by keyset.

A page never uses OFFSET: it seeks into the ``(community[, platform], handle_key, id)`` index at the
cursor and reads ``limit + 1`` rows, so it costs the same on page 1 and page 100,000, and rows added
or removed elsewhere never shift a page (no duplicates, no gaps). Listed means the member is neither
hidden nor banned.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, ScalarSelect, Select, Text, and_, func, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import EVERY_VISIBILITY, Cursor, DirectoryPage, DirectoryQuery, Entry, Visibility
from bot.storage import _dialect
from bot.storage._common import Store, entry_from_row, entry_select
from bot.storage.tables import entries, entry_counts, members

_LISTED_FROM = entries.join(members, members.c.id == entries.c.member_id)
_LIKE_ESCAPE = "/"
_ORDER_ASC = (entries.c.handle_key.asc(), entries.c.id.asc())
_ORDER_DESC = (entries.c.handle_key.desc(), entries.c.id.desc())


@dataclass(frozen=True, slots=True)
class _Slice:
    rows: Sequence[Row[Any]]  # in ascending directory order
    more: bool  # rows exist beyond the limit, in the direction that was read


class DirectoryStore(Store):
    """Queries over many entries: directory pages, counts and exports."""

    async def directory_page(self, query: DirectoryQuery) -> DirectoryPage:
        """One page of the directory for ``query``, with cursors to the neighbouring pages.

        ``after`` reads forward from a cursor, ``before`` reads backward (the page is still returned
        in ascending order), ``last`` reads the final page; with neither, the first page. A cursor
        whose side of the directory has emptied (every row past it was removed) gives the last page
        (for ``after``) or the first page (for ``before``) instead of an empty one. ``total`` counts
        every match: from the maintained counts, except with a ``search``, which reads every candidate row.
        """
        if query.limit < 1:
            raise ValueError("directory page limit must be at least 1")
        where = self._listed(query)
        lower, upper = query.after, query.before
        descending = lower is None and (upper is not None or query.last)
        # The total and, past a cursor, whether anything lies on its other side, ride along with the
        # page's rows as scalar subqueries: one statement, one round trip, one snapshot.
        total = self._total(query)
        behind = None
        if lower is not None and upper is None:
            behind = _exists_past(where, _at_or_before(lower), descending=True)
        elif upper is not None and lower is None:
            behind = _exists_past(where, _at_or_after(upper), descending=False)
        extra = [total.label("page_total")] + ([behind.label("page_behind")] if behind is not None else [])
        async with self._db.transaction() as conn:
            page = await _read(
                conn, where, lower=lower, upper=upper, descending=descending, limit=query.limit, extra=extra
            )
            if not page.rows and (lower is not None or upper is not None):
                # Past the cursor everything was removed: show the end the reader was heading to.
                descending = lower is not None
                lower = upper = None
                behind = None
                page = await _read(
                    conn, where, lower=None, upper=None, descending=descending, limit=query.limit, extra=extra
                )
            if not page.rows:
                count = (await conn.execute(select(total))).scalar_one()
                return DirectoryPage(entries=(), next_cursor=None, prev_cursor=None, total=int(count))
            first, last = _cursor(page.rows[0]), _cursor(page.rows[-1])
            # The direction read knows from its extra row whether more rows follow. The other side is
            # the directory's end when no cursor bounds it; past one cursor the statement said; between
            # two cursors (no front asks for that) it costs one index probe.
            behind_found = behind is not None and page.rows[0].page_behind is not None
            if descending:
                has_prev = page.more
                has_next = behind_found
            else:
                has_prev = behind_found
                has_next = page.more
                if upper is not None:
                    has_next = await _any(conn, where, _after(last), descending=False)
                if lower is not None and upper is not None:
                    has_prev = await _any(conn, where, _before(first), descending=True)
        return DirectoryPage(
            entries=tuple(entry_from_row(row) for row in page.rows),
            next_cursor=last if has_next else None,
            prev_cursor=first if has_prev else None,
            total=int(page.rows[0].page_total),
        )

    def _total(self, query: DirectoryQuery) -> ScalarSelect[Any]:
        """How many entries match ``query``: a sum of the kept counters, or with a ``search`` (names
        live on members, no index can count those) a count of every candidate row."""
        if query.search:
            inner = select(func.count()).select_from(_LISTED_FROM).where(*self._listed(query))
            return inner.correlate(None).scalar_subquery()
        return _counter_sum(query.community, query.visibilities, query.platform).scalar_subquery()

    async def count_by_platform(
        self, *, community: str, visibilities: Iterable[Visibility]
    ) -> dict[str, int]:
        """How many listed entries each platform has (platforms with none are absent)."""
        async with self._db.transaction() as conn:
            return await _counts(conn, community, visibilities)

    async def count_entries(self, *, community: str, visibilities: Iterable[Visibility]) -> int:
        """How many listed entries the community has."""
        async with self._db.transaction() as conn:
            return sum((await _counts(conn, community, visibilities)).values())

    async def iter_entries(
        self, *, community: str, visibilities: Iterable[Visibility], batch: int = 1000
    ) -> AsyncIterator[Entry]:
        """Every listed entry in directory order, read ``batch`` rows per short transaction.

        No transaction stays open while the consumer works on a batch, so an export can run beside
        the bot (and call the repository itself) without blocking it.
        """
        if batch < 1:
            raise ValueError("batch must be at least 1")
        where = self._listed(DirectoryQuery(community=community, visibilities=frozenset(visibilities)))
        cursor = None
        while True:
            async with self._db.transaction() as conn:
                page = await _read(conn, where, lower=cursor, upper=None, descending=False, limit=batch)
            for row in page.rows:
                yield entry_from_row(row)
            if not page.more:
                return
            cursor = _cursor(page.rows[-1])

    async def cursor_at(self, query: DirectoryQuery, position: int) -> Cursor | None:
        """The keyset position of the ``position``-th listed entry (0-based) in directory order.

        For fronts that speak in page numbers: one index walk of ``position`` keys, instead of one
        page query (and count) per page skipped. None when the directory is shorter than that.
        """
        if position < 0:
            raise ValueError("position must not be negative")
        where = self._listed(query)
        async with self._db.transaction() as conn:
            row = (
                await conn.execute(
                    select(entries.c.handle_key, entries.c.id)
                    .select_from(_LISTED_FROM)
                    .where(*where)
                    .order_by(*_ORDER_ASC)
                    .offset(position)
                    .limit(1)
                )
            ).one_or_none()
        return None if row is None else Cursor(sort_key=row.handle_key, entry_id=row.id)

    async def recent_entries(self, *, community: str, limit: int) -> list[Entry]:
        """The community's newest listed entries, newest first.

        Ids only grow, and a replaced handle keeps its entry's id, so id order is the order in
        which people first arrived on a platform.
        """
        where = self._listed(DirectoryQuery(community=community, visibilities=EVERY_VISIBILITY))
        async with self._db.transaction() as conn:
            rows = await conn.execute(entry_select(*where).order_by(entries.c.id.desc()).limit(limit))
            return [entry_from_row(row) for row in rows]

    async def count_members(self, *, community: str) -> int:
        """How many members of the community are listed (neither hidden nor banned)."""
        async with self._db.transaction() as conn:
            count = await conn.execute(
                select(func.count())
                .select_from(members)
                .where(members.c.community == community, not_(members.c.hidden), not_(members.c.banned))
            )
            return int(count.scalar_one())

    def _listed(self, query: DirectoryQuery) -> list[ColumnElement[bool]]:
        """Conditions for the entries a directory query lists (of the joined entries and members)."""
        where = [
            entries.c.community == query.community,
            *_entry_filters(query.visibilities, query.platform),
            not_(members.c.hidden),
            not_(members.c.banned),
        ]
        if query.search:
            where.append(self._matching(query.search))
        return where

    def _matching(self, search: str) -> ColumnElement[bool]:
        """A member's name or an entry's handle contains ``search``, case-insensitively."""
        # Lower-cased in SQL by the same function as the columns (Python's str.lower and PostgreSQL's
        # lower() disagree on a few letters, e.g. a final sigma), hence the hand-made LIKE escaping
        # instead of SQLAlchemy's autoescape, which needs a Python string.
        dialect = self._db.dialect
        term = _dialect.lower(dialect, literal(_escape_like(search), Text()))
        return or_(
            *(
                _dialect.lower(dialect, column).contains(term, escape=_LIKE_ESCAPE)
                for column in (members.c.display_name, entries.c.handle)
            )
        )

    async def find_entries(self, *, community: str, search: str | None, limit: int) -> list[Entry]:
        """Entries of every member, hidden and banned ones too, whose name or handle contains
        ``search``, in directory order: how an admin finds someone to act on."""
        where = [entries.c.community == community]
        if search:
            where.append(self._matching(search))
        statement = entry_select(*where).order_by(entries.c.handle_key, entries.c.id).limit(limit)
        async with self._db.transaction() as conn:
            return [entry_from_row(row) for row in await conn.execute(statement)]


def _entry_filters(visibilities: Iterable[Visibility], platform: str | None) -> list[ColumnElement[bool]]:
    """The conditions on an entry's own columns, community aside."""
    where: list[ColumnElement[bool]] = []
    wanted = frozenset(visibilities)
    if wanted != frozenset(Visibility):
        where.append(entries.c.visibility.in_(sorted(v.value for v in wanted)))
    if platform is not None:
        where.append(entries.c.platform == platform)
    return where


def _counter_sum(community: str, visibilities: Iterable[Visibility], platform: str | None) -> Select[Any]:
    """The listed entries matching, summed from ``entry_counts`` (see :func:`_counts`)."""
    where = _counter_filters(community, visibilities, platform)
    return select(func.coalesce(func.sum(entry_counts.c.n), 0)).where(*where).correlate(None)


def _counter_filters(
    community: str, visibilities: Iterable[Visibility], platform: str | None
) -> list[ColumnElement[bool]]:
    wanted = frozenset(visibilities)
    where = [entry_counts.c.community == community]
    if wanted != frozenset(Visibility):
        where.append(entry_counts.c.visibility.in_(sorted(v.value for v in wanted)))
    if platform is not None:
        where.append(entry_counts.c.platform == platform)
    return where


async def _counts(
    conn: AsyncConnection, community: str, visibilities: Iterable[Visibility], platform: str | None = None
) -> dict[str, int]:
    """Listed entries per platform, summed from ``entry_counts`` (a few rows per platform), which
    triggers keep exact in the same transaction as every change to an entry or a member's flags."""
    rows = await conn.execute(
        select(entry_counts.c.platform, func.sum(entry_counts.c.n))
        .where(*_counter_filters(community, visibilities, platform))
        .group_by(entry_counts.c.platform)
    )
    return {platform: int(n) for platform, n in rows if n}


def _escape_like(term: str) -> str:
    """Make ``%``, ``_`` and the escape character itself match literally in a LIKE pattern."""
    for char in (_LIKE_ESCAPE, "%", "_"):  # the escape character first, or it would be doubled
        term = term.replace(char, _LIKE_ESCAPE + char)
    return term


def _cursor(row: Row[Any]) -> Cursor:
    return Cursor(sort_key=row.handle_key, entry_id=row.id)


def _after(cursor: Cursor) -> ColumnElement[bool]:
    # Spelled as a range on handle_key plus a tie-break, a form both planners turn into an index seek.
    key = entries.c.handle_key
    return and_(key >= cursor.sort_key, or_(key > cursor.sort_key, entries.c.id > cursor.entry_id))


def _before(cursor: Cursor) -> ColumnElement[bool]:
    key = entries.c.handle_key
    return and_(key <= cursor.sort_key, or_(key < cursor.sort_key, entries.c.id < cursor.entry_id))


def _at_or_before(cursor: Cursor) -> ColumnElement[bool]:
    key = entries.c.handle_key
    return and_(key <= cursor.sort_key, or_(key < cursor.sort_key, entries.c.id <= cursor.entry_id))


def _at_or_after(cursor: Cursor) -> ColumnElement[bool]:
    key = entries.c.handle_key
    return and_(key >= cursor.sort_key, or_(key > cursor.sort_key, entries.c.id >= cursor.entry_id))


def _exists_past(
    where: Sequence[ColumnElement[bool]], bound: ColumnElement[bool], *, descending: bool
) -> ScalarSelect[Any]:
    """The id of one listed row past ``bound`` (NULL when there is none), as a scalar subquery of its
    own (not correlated with the page's rows). Ordered like a page read, rather than a bare EXISTS,
    so that PostgreSQL walks the index from the cursor instead of choosing a table scan."""
    order = _ORDER_DESC if descending else _ORDER_ASC
    probe = select(entries.c.id).select_from(_LISTED_FROM).where(*where, bound).order_by(*order).limit(1)
    return probe.correlate(None).scalar_subquery()


async def _read(
    conn: AsyncConnection,
    where: Sequence[ColumnElement[bool]],
    *,
    lower: Cursor | None,
    upper: Cursor | None,
    descending: bool,
    limit: int,
    extra: Sequence[ColumnElement[Any]] = (),
) -> _Slice:
    """Up to ``limit`` rows strictly between the bounds, from the low end or (descending) the high end,
    each with the ``extra`` columns."""
    bounds = [*where]
    if lower is not None:
        bounds.append(_after(lower))
    if upper is not None:
        bounds.append(_before(upper))
    order = _ORDER_DESC if descending else _ORDER_ASC
    statement = entry_select(*bounds).add_columns(*extra).order_by(*order).limit(limit + 1)
    rows = list((await conn.execute(statement)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    if descending:
        rows.reverse()
    return _Slice(rows=rows, more=more)


async def _any(
    conn: AsyncConnection,
    where: Sequence[ColumnElement[bool]],
    bound: ColumnElement[bool],
    *,
    descending: bool,
) -> bool:
    """Whether any listed row lies past ``bound``. Ordered like a page read (rather than a bare
    EXISTS) so that PostgreSQL walks the index from the cursor instead of choosing a table scan.
    """
    order = _ORDER_DESC if descending else _ORDER_ASC
    probe = select(entries.c.id).select_from(_LISTED_FROM).where(*where, bound).order_by(*order).limit(1)
    return (await conn.execute(probe)).first() is not None

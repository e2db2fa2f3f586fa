"""The directory: listed entries of a community in (handle_key, id) order, paged by keyset.

A page never uses OFFSET: it seeks into the ``(community[, platform], handle_key, id)`` index at the
cursor and reads ``limit + 1`` rows, so it costs the same on page 1 and page 100,000, and rows added
or removed elsewhere never shift a page (no duplicates, no gaps). Listed means the member is neither
hidden nor banned.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Text, func, literal, not_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import EVERY_VISIBILITY, Cursor, DirectoryPage, DirectoryQuery, Entry, Visibility
from bot.storage import _directory_sql as sql
from bot.storage._common import Store
from bot.storage.tables import entries, entry_counts, members


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
        every match, from the maintained counts; with a ``search`` it is only given when every match
        is on this page (else None: counting would read every candidate row, see DirectoryPage).
        """
        if query.limit < 1:
            raise ValueError("directory page limit must be at least 1")
        shape = sql.shape_of(self._db.dialect, query)
        values = sql.values_of(query)
        lower, upper = query.after, query.before
        descending = lower is None and (upper is not None or query.last)
        # The total and, past one cursor, whether anything lies on its other side (page_behind), ride
        # along with the page's rows: one statement, one round trip, one snapshot.
        behind = (lower is None) != (upper is None)
        async with self._db.transaction() as conn:
            statement = sql.page(
                shape, lower=lower is not None, upper=upper is not None, descending=descending
            )
            page = await _read(conn, statement, values, query.limit, descending=descending)
            if not page.rows and (lower is not None or upper is not None):
                # Past the cursor everything was removed: show the end the reader was heading to.
                descending = lower is not None
                lower = upper = None
                behind = False
                statement = sql.page(shape, lower=False, upper=False, descending=descending)
                page = await _read(conn, statement, values, query.limit, descending=descending)
            if not page.rows:
                # Nothing on either side of any cursor: a search matched nothing at all.
                count = (
                    0 if shape.search else (await conn.execute(sql.total_alone(shape), values)).scalar_one()
                )
                return DirectoryPage(entries=(), next_cursor=None, prev_cursor=None, total=int(count))
            first, last = _cursor(page.rows[0]), _cursor(page.rows[-1])
            # The direction read knows from its extra row whether more rows follow. The other side is
            # the directory's end when no cursor bounds it; past one cursor the statement said; between
            # two cursors (no front asks for that) it costs one index probe.
            behind_found = behind and page.rows[0].page_behind is not None
            if descending:
                has_prev = page.more
                has_next = behind_found
            else:
                has_prev = behind_found
                has_next = page.more
                if upper is not None:
                    has_next = await _any(conn, shape, values, last, forward=True)
                if lower is not None and upper is not None:
                    has_prev = await _any(conn, shape, values, first, forward=False)
        if not shape.search:
            total: int | None = int(page.rows[0].page_total)
        else:
            total = len(page.rows) if not (has_next or has_prev) else None
        return DirectoryPage(
            entries=tuple(map(sql.entry_of, page.rows)),
            next_cursor=last if has_next else None,
            prev_cursor=first if has_prev else None,
            total=total,
        )

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
        query = DirectoryQuery(community=community, visibilities=frozenset(visibilities), limit=batch)
        shape = sql.shape_of(self._db.dialect, query)
        values = sql.values_of(query)
        cursor = None
        while True:
            statement = sql.rows(shape, lower=cursor is not None, upper=False, descending=False)
            async with self._db.transaction() as conn:
                page = await _read(conn, statement, values, batch, descending=False)
            for row in page.rows:
                yield sql.entry_of(row)
            if not page.more:
                return
            cursor = _cursor(page.rows[-1])
            values.update(sql.cursor_values(sql.LOWER, cursor))

    async def cursor_at(self, query: DirectoryQuery, position: int) -> Cursor | None:
        """The keyset position of the ``position``-th listed entry (0-based) in directory order.

        For fronts that speak in page numbers: one index walk of ``position`` keys, instead of one
        page query (and count) per page skipped. None when the directory is shorter than that.
        """
        if position < 0:
            raise ValueError("position must not be negative")
        statement = sql.position(sql.shape_of(self._db.dialect, query))
        values = {**sql.values_of(query), "offset": position}
        async with self._db.transaction() as conn:
            row = (await conn.execute(statement, values)).one_or_none()
        return None if row is None else Cursor(sort_key=row.handle_key, entry_id=row.id)

    async def recent_entries(self, *, community: str, limit: int) -> list[Entry]:
        """The community's newest listed entries, newest first.

        Ids only grow, and a replaced handle keeps its entry's id, so id order is the order in
        which people first arrived on a platform.
        """
        query = DirectoryQuery(community=community, visibilities=EVERY_VISIBILITY)
        where = sql.listed(sql.shape_of(self._db.dialect, query))
        statement = sql.select_entries(*where).order_by(entries.c.id.desc()).limit(limit)
        async with self._db.transaction() as conn:
            return [sql.entry_of(row) for row in await conn.execute(statement, sql.values_of(query))]

    async def count_members(self, *, community: str) -> int:
        """How many members of the community are listed (neither hidden nor banned)."""
        async with self._db.transaction() as conn:
            count = await conn.execute(
                select(func.count())
                .select_from(members)
                .where(members.c.community == community, not_(members.c.hidden), not_(members.c.banned))
            )
            return int(count.scalar_one())

    async def find_entries(self, *, community: str, search: str | None, limit: int) -> list[Entry]:
        """Entries of every member, hidden and banned ones too, whose name or handle contains
        ``search``, in directory order: how an admin finds someone to act on."""
        where = [entries.c.community == community]
        if search:
            where.append(sql.matching(self._db.dialect, literal(sql.escape_like(search), Text())))
        statement = sql.select_entries(*where).order_by(*sql.ORDER_ASC).limit(limit)
        async with self._db.transaction() as conn:
            return [sql.entry_of(row) for row in await conn.execute(statement)]


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


def _cursor(row: Row[Any]) -> Cursor:
    return Cursor(sort_key=row.handle_key, entry_id=row.id)


async def _read(
    conn: AsyncConnection, statement: Select[Any], values: Mapping[str, Any], limit: int, *, descending: bool
) -> _Slice:
    """Run a :func:`~bot.storage._directory_sql.rows` statement (``values`` asking ``limit + 1`` rows)."""
    rows = list((await conn.execute(statement, values)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    if descending:
        rows.reverse()
    return _Slice(rows=rows, more=more)


async def _any(
    conn: AsyncConnection, shape: sql.Shape, values: Mapping[str, Any], cursor: Cursor, *, forward: bool
) -> bool:
    """Whether any listed row lies after (``forward``) or before ``cursor``."""
    probe = {**values, **sql.cursor_values(sql.PROBE, cursor)}
    return (await conn.execute(sql.probe(shape, forward=forward), probe)).first() is not None

"""The directory's statements, built once per query shape, their values given at execution.

Building a page statement (filters, keyset bounds, the total's subquery, the probe past a cursor) and
generating its SQLAlchemy cache key took about as long as the rest of a page read together, so each
statement is built on first use for its *shape* (which filters and cursors a query has, not their
values) and kept: ``conn.execute(statement, values_of(query))`` only binds values, and SQLAlchemy
finds the compiled form by the cache key memoised on the kept object. The shapes are few (dialects x
visibility sets x platform or not x search or not x five cursor layouts), so the caches stay small.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    Text,
    and_,
    bindparam,
    func,
    literal,
    not_,
    or_,
    select,
)

from bot.models import Cursor, DirectoryQuery, Entry, Source, Verification, Visibility
from bot.storage import _dialect
from bot.storage.tables import entries, entry_counts, members

LISTED_FROM = entries.join(members, members.c.id == entries.c.member_id)
LIKE_ESCAPE = "/"
ORDER_ASC = (entries.c.handle_key.asc(), entries.c.id.asc())
ORDER_DESC = (entries.c.handle_key.desc(), entries.c.id.desc())

# An entry with its member's name, in the order entry_of reads them (extra columns go after these).
_ENTRY_COLUMNS = (
    entries.c.id,
    entries.c.member_id,
    entries.c.community,
    entries.c.platform,
    entries.c.handle,
    entries.c.handle_key,
    entries.c.visibility,
    entries.c.verification,
    entries.c.source,
    entries.c.created_at,
    entries.c.updated_at,
    members.c.display_name.label("member_name"),
)
# Enum members by stored value: a dict look-up costs a fraction of calling the enum class.
_VISIBILITY = {v.value: v for v in Visibility}
_VERIFICATION = {v.value: v for v in Verification}
_SOURCE = {s.value: s for s in Source}

# Cursor placeholders: ``lower``/``upper`` are a query's ``after``/``before``, ``probe`` a page's own
# first or last row (see :func:`probe`).
LOWER, UPPER, PROBE = "lower", "upper", "probe"

# LIMIT is written into the SQL text at execution (SQLAlchemy's literal_execute), not sent as a
# parameter: with ``LIMIT $n`` PostgreSQL's generic plan assumes a tenth of the table is wanted,
# costs itself out, and the server plans every execution of the prepared statement anew.
_LIMIT = bindparam("limit", type_=Integer(), literal_execute=True)
_ONE = literal(1, Integer(), literal_execute=True)


class Shape(NamedTuple):
    """What a statement's filters depend on besides values; a tuple, so a cache look-up is cheap."""

    dialect: str  # the search lower-cases with a function of the dialect's
    visibilities: frozenset[Visibility]
    platform: bool
    search: bool


def shape_of(dialect: str, query: DirectoryQuery) -> Shape:
    """The shape of ``query``'s filters (its cursors are arguments of the builders)."""
    return Shape(dialect, frozenset(query.visibilities), query.platform is not None, bool(query.search))


def values_of(query: DirectoryQuery) -> dict[str, Any]:
    """The values of ``query`` for the placeholders of its statements (unused ones are ignored)."""
    # One row more than the page shows: whether it comes back says if more lie in that direction.
    values: dict[str, Any] = {"community": query.community, "limit": query.limit + 1}
    if query.platform is not None:
        values["platform"] = query.platform
    if query.search:
        values["pattern"] = escape_like(query.search)
    if query.after is not None:
        values.update(cursor_values(LOWER, query.after))
    if query.before is not None:
        values.update(cursor_values(UPPER, query.before))
    return values


def select_entries(*where: ColumnElement[bool]) -> Select[Any]:
    """Entries joined to their member, the columns :func:`entry_of` maps."""
    return select(*_ENTRY_COLUMNS).select_from(LISTED_FROM).where(*where)


def entry_of(row: Sequence[Any]) -> Entry:
    """The entry in a row of :func:`select_entries`.

    Read by position: a page maps every row it shows, and looking eleven columns up by name (and
    calling three enum classes) cost more than the rest of the mapping together.
    """
    return Entry(
        id=row[0],
        member_id=row[1],
        community=row[2],
        platform=row[3],
        handle=row[4],
        visibility=_VISIBILITY[row[6]],
        verification=_VERIFICATION[row[7]],
        source=_SOURCE[row[8]],
        created_at=row[9],
        updated_at=row[10],
        member_name=row[11],
    )


def cursor_values(name: str, cursor: Cursor) -> dict[str, Any]:
    """The values of the cursor placeholders ``name`` (see :func:`_cursor`)."""
    return {f"{name}_key": cursor.sort_key, f"{name}_id": cursor.entry_id}


@functools.cache
def rows(shape: Shape, *, lower: bool, upper: bool, descending: bool) -> Select[Any]:
    """Listed entries strictly between the ``lower`` and ``upper`` cursors (each optional), in
    directory order or (``descending``) its reverse, as many as the ``limit`` value."""
    bounds = listed(shape)
    if lower:
        bounds.append(_after(LOWER))
    if upper:
        bounds.append(_before(UPPER))
    order = ORDER_DESC if descending else ORDER_ASC
    return select_entries(*bounds).order_by(*order).limit(_LIMIT)


@functools.cache
def page(shape: Shape, *, lower: bool, upper: bool, descending: bool) -> Select[Any]:
    """:func:`rows` with the total as ``page_total`` (not for a search, see DirectoryPage.total) and,
    past one cursor, the id of a row on its other side (or NULL) as ``page_behind``, as scalar
    subqueries: one statement, one snapshot."""
    extra = [] if shape.search else [total(shape).label("page_total")]
    behind = None
    if lower and not upper:
        behind = _first_past(shape, _at_or_before(LOWER), descending=True)
    elif upper and not lower:
        behind = _first_past(shape, _at_or_after(UPPER), descending=False)
    if behind is not None:
        extra.append(behind.correlate(None).scalar_subquery().label("page_behind"))
    return rows(shape, lower=lower, upper=upper, descending=descending).add_columns(*extra)


@functools.cache
def total(shape: Shape) -> ScalarSelect[Any]:
    """How many entries match, a sum of the kept counters. Not for a search: names live on members,
    no index can count a substring, so a search is not counted (see DirectoryPage.total)."""
    if shape.search:
        raise ValueError("a search is not counted")
    counted = [entry_counts.c.community == bindparam("community")]
    if shape.visibilities != frozenset(Visibility):
        counted.append(entry_counts.c.visibility.in_(sorted(v.value for v in shape.visibilities)))
    if shape.platform:
        counted.append(entry_counts.c.platform == bindparam("platform"))
    summed = select(func.coalesce(func.sum(entry_counts.c.n), 0)).where(*counted)
    return summed.correlate(None).scalar_subquery()


@functools.cache
def total_alone(shape: Shape) -> Select[Any]:
    """:func:`total` as a statement of its own, for a page that found no rows."""
    return select(total(shape))


@functools.cache
def probe(shape: Shape, *, forward: bool) -> Select[Any]:
    """The id of one listed row after (``forward``) or before the ``probe`` cursor, if any."""
    if forward:
        return _first_past(shape, _after(PROBE), descending=False)
    return _first_past(shape, _before(PROBE), descending=True)


@functools.cache
def position(shape: Shape) -> Select[Any]:
    """The ``(handle_key, id)`` of the ``offset``-th listed entry (0-based) in directory order."""
    statement = select(entries.c.handle_key, entries.c.id).select_from(LISTED_FROM)
    ordered = statement.where(*listed(shape)).order_by(*ORDER_ASC)
    return ordered.offset(bindparam("offset", type_=Integer())).limit(_ONE)


def listed(shape: Shape) -> list[ColumnElement[bool]]:
    """Conditions for the entries a directory query lists (of the joined entries and members)."""
    where = [entries.c.community == bindparam("community")]
    if shape.visibilities != frozenset(Visibility):
        where.append(entries.c.visibility.in_(sorted(v.value for v in shape.visibilities)))
    if shape.platform:
        where.append(entries.c.platform == bindparam("platform"))
    where += [not_(members.c.hidden), not_(members.c.banned)]
    if shape.search:
        where.append(matching(shape.dialect, bindparam("pattern", type_=Text())))
    return where


def matching(dialect: str, term: ColumnElement[str]) -> ColumnElement[bool]:
    """A member's name or an entry's handle contains ``term`` (LIKE-escaped), case-insensitively."""
    # Lower-cased in SQL by the same function as the columns (Python's str.lower and PostgreSQL's
    # lower() disagree on a few letters, e.g. a final sigma), hence the hand-made LIKE escaping
    # instead of SQLAlchemy's autoescape, which needs a Python string.
    pattern = _dialect.lower(dialect, term)
    return or_(
        *(
            _dialect.lower(dialect, column).contains(pattern, escape=LIKE_ESCAPE)
            for column in (members.c.display_name, entries.c.handle)
        )
    )


def escape_like(term: str) -> str:
    """Make ``%``, ``_`` and the escape character itself match literally in a LIKE pattern."""
    for char in (LIKE_ESCAPE, "%", "_"):  # the escape character first, or it would be doubled
        term = term.replace(char, LIKE_ESCAPE + char)
    return term


def _cursor(name: str) -> tuple[ColumnElement[str], BindParameter[Any], BindParameter[Any]]:
    return (
        entries.c.handle_key,
        bindparam(f"{name}_key", type_=Text()),
        bindparam(f"{name}_id", type_=Integer()),
    )


# Each bound is spelled as a range on handle_key plus a tie-break on id, a form both planners turn
# into an index seek.
def _after(name: str) -> ColumnElement[bool]:
    key, at_key, at_id = _cursor(name)
    return and_(key >= at_key, or_(key > at_key, entries.c.id > at_id))


def _before(name: str) -> ColumnElement[bool]:
    key, at_key, at_id = _cursor(name)
    return and_(key <= at_key, or_(key < at_key, entries.c.id < at_id))


def _at_or_before(name: str) -> ColumnElement[bool]:
    key, at_key, at_id = _cursor(name)
    return and_(key <= at_key, or_(key < at_key, entries.c.id <= at_id))


def _at_or_after(name: str) -> ColumnElement[bool]:
    key, at_key, at_id = _cursor(name)
    return and_(key >= at_key, or_(key > at_key, entries.c.id >= at_id))


def _first_past(shape: Shape, bound: ColumnElement[bool], *, descending: bool) -> Select[Any]:
    """The id of the first listed row past ``bound``. Ordered like a page read, rather than a bare
    EXISTS, so that PostgreSQL walks the index from the cursor instead of choosing a table scan."""
    order = ORDER_DESC if descending else ORDER_ASC
    statement = select(entries.c.id).select_from(LISTED_FROM).where(*listed(shape), bound)
    return statement.order_by(*order).limit(_ONE)

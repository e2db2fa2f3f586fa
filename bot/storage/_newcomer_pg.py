"""A newcomer's registration on PostgreSQL as one statement of data-modifying CTEs.

Member, identity, entry and audit row (and a member's own command's rate-limit hit) are written by
one statement instead of four or five. Each part keeps its conflict rule: no identity back means a
concurrent command of the same account created its member; no entry back means the handle is
taken, and then no audit row is written.

:func:`register_at_once` goes one step further for the common case, a newcomer whose account was
never seen: the look-up, the rate limit and the writes are one statement, run on its own (it
commits by itself), so the whole registration is one round trip, as a bare ``INSERT`` is. It only
writes when nothing needs deciding in Python (no member yet, no ban tombstone, no withdrawal marker
to lift, no hit in the rate limit's longest window, so every window has room), and
``ferry_registration_guard`` (migration 0010) aborts the statement, writing nothing, when the
identity or the handle turns out to be taken. Otherwise the caller goes the transactional way,
which decides and words each refusal.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Column, Select, and_, bindparam, func, insert, not_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CTE

from bot.models import Entry, Member
from bot.storage._common import LostRaceError
from bot.storage._registration_writes import (
    FOUND_COUNTED,
    entry_values,
    new_entry,
    new_member,
    taken_error,
    undo_member,
)
from bot.storage.tables import audit_log, entries, member_identities, members, rate_limit_hits

if TYPE_CHECKING:
    from bot.storage.registration import Claim

GUARD_SQLSTATE = "FY001"  # raised by ferry_registration_guard: the statement wrote nothing
_OWN = ("community", "platform", "handle", "handle_key", "visibility", "verification", "source")


def _param(column: Column[Any], name: str | None = None) -> Any:
    """A value given at execution, typed like the column it fills (asyncpg needs the type)."""
    return bindparam(name or column.name, type_=column.type)


def _writes(member: CTE) -> tuple[CTE, CTE, CTE]:
    """The identity, entry and audit-row inserts that follow the member's (none when it made none)."""
    ident = member_identities.c
    identity = (
        pg_insert(member_identities)
        .from_select(
            ["community", "kind", "external_id", "member_id"],
            select(_param(ident.community), _param(ident.kind), _param(ident.external_id), member.c.id),
        )
        .on_conflict_do_nothing(index_elements=["community", "kind", "external_id"])
        .returning(ident.member_id)
        .cte("new_identity")
    )
    entry = (
        pg_insert(entries)
        .from_select(
            ["member_id", *_OWN, "created_at", "updated_at"],
            select(
                member.c.id,
                *(_param(entries.c[name]) for name in _OWN),
                _param(entries.c.created_at, "now"),
                _param(entries.c.updated_at, "now"),
            ),
        )
        .on_conflict_do_nothing(index_elements=["community", "platform", "handle_key"])
        .returning(entries.c.id)
        .cte("new_entry")
    )
    log = audit_log.c
    audited = insert(audit_log).from_select(
        ["community", "at", "action", "actor", "member_id", "platform", "detail"],
        select(
            _param(log.community),
            _param(log.at, "now"),
            _param(log.action, "audit_action"),
            _param(log.actor),
            member.c.id,
            _param(log.platform),
            _param(log.detail, "audit_detail"),
        ).select_from(member.join(entry, true())),
    )
    return identity, entry, audited.cte("new_audit")


def _member_columns() -> list[Any]:
    return [
        _param(members.c.community),
        _param(members.c.display_name),
        _param(members.c.created_at, "now"),
        _param(members.c.updated_at, "now"),
    ]


_MEMBER_NAMES = ["community", "display_name", "created_at", "updated_at"]


@functools.cache
def _in_transaction(counted: bool) -> Select[Any]:
    """The writes alone, for a registration whose transaction already decided (see
    :func:`create_newcomer`)."""
    member = insert(members).from_select(_MEMBER_NAMES, select(*_member_columns()))
    member_cte = member.returning(members.c.id).cte("new_member")
    identity, entry, audited = _writes(member_cte)
    statement = select(
        member_cte.c.id.label("member_id"),
        select(identity.c.member_id).scalar_subquery().label("claimed"),
        select(entry.c.id).scalar_subquery().label("entry_id"),
    ).add_cte(audited)
    if counted:
        hit = insert(rate_limit_hits).values(
            key=_param(rate_limit_hits.c.key, "hit_key"), at=_param(rate_limit_hits.c.at, "hit_at")
        )
        statement = statement.add_cte(hit.cte("new_hit"))
    return statement


@functools.cache
def _at_once() -> Select[Any]:
    """Look-up, rate limit and writes of a never-seen account's registration (see
    :func:`register_at_once`)."""
    found = FOUND_COUNTED.cte("found")
    # hits[1] is the clock: an array of one means no hit in the longest window.
    fresh = and_(
        found.c.member_id.is_(None),
        not_(found.c.tombstoned),
        not_(found.c.withdrawn),
        func.cardinality(found.c.hits) == 1,
    )
    member = insert(members).from_select(_MEMBER_NAMES, select(*_member_columns()).where(fresh))
    member_cte = member.returning(members.c.id).cte("new_member")
    identity, entry, audited = _writes(member_cte)
    hit = insert(rate_limit_hits).from_select(
        ["key", "at"],
        select(_param(rate_limit_hits.c.key, "hit_key"), found.c.hits[1]).select_from(
            found.join(member_cte, true())
        ),
    )
    made = select(member_cte.c.id).scalar_subquery()
    claimed = select(identity.c.member_id).scalar_subquery()
    entry_id = select(entry.c.id).scalar_subquery()
    # Reading the member, identity and entry inserts' rows here makes the guard run after them; it
    # raises when a member was made but its identity or its entry was not, so the statement commits
    # all of it or nothing (the audit row and the hit depend on the member and the entry).
    complete = made.is_(None) | (claimed.is_not(None) & entry_id.is_not(None))
    return (
        select(
            made.label("member_id"),
            entry_id.label("entry_id"),
            func.ferry_registration_guard(complete, type_=Boolean()).label("complete"),
            found.c.hits[1].label("now"),
        )
        .select_from(found)
        .add_cte(audited, hit.cte("new_hit"))
    )


def _values(c: Claim, name: str) -> dict[str, Any]:
    return {
        **entry_values(c),
        "kind": c.identity.kind.value,
        "external_id": c.identity.external_id,
        "display_name": name,
        "now": c.now,
        "actor": c.actor,
        "audit_action": "entry.add",
        "audit_detail": {"handle": c.handle},
    }


async def create_newcomer(
    conn: AsyncConnection, c: Claim, name: str, hit: tuple[str, float] | None
) -> tuple[Member, Entry]:
    """A newcomer's writes in the caller's transaction, with ``hit`` (key, time) counted. Raises
    HandleTakenError when another member holds the handle, having taken back the member made for
    it (the hit stays, for the caller to commit), or LostRaceError when a concurrent command of the
    same account created its member."""
    values = _values(c, name)
    if hit is not None:
        values |= {"hit_key": hit[0], "hit_at": hit[1]}
    row = (await conn.execute(_in_transaction(hit is not None), values)).one()
    if row.claimed is None:
        raise LostRaceError
    if row.entry_id is None:
        taken = await taken_error(conn, c)
        await undo_member(conn, row.member_id)
        raise taken
    return new_member(c, row.member_id, name), new_entry(c, row.entry_id, row.member_id, name)


async def register_at_once(
    conn: AsyncConnection, c: Claim, name: str, values: dict[str, object]
) -> tuple[Member, Entry, float] | None:
    """A never-seen account's registration as one statement on ``conn``, which must be in
    autocommit mode (the statement is its own transaction); ``values`` are the look-up's and the
    rate limit's. Returns the member, the entry and the database's time, or None when it wrote
    nothing: then the registration needs the transactional way."""
    try:
        row = (await conn.execute(_at_once(), {**_values(c, name), **values})).one()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == GUARD_SQLSTATE:
            return None
        raise
    if row.member_id is None:
        return None
    member = new_member(c, row.member_id, name)
    return member, new_entry(c, row.entry_id, row.member_id, name), float(row.now)

"""The writes of a registration (bot.storage.registration): a new member, a new entry, a changed
entry, and on PostgreSQL a newcomer's member, identity, entry, audit row and counted hit as one
statement."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Row, Select, bindparam, delete, insert, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import HandleTakenError
from bot.models import Entry, Member, Registration, Source, Verification, Visibility
from bot.storage._common import LostRaceError, load_entry
from bot.storage._common import record_audit as audit
from bot.storage._dialect import insert_ignoring_conflict_of
from bot.storage.tables import audit_log, entries, member_identities, members, rate_limit_hits

if TYPE_CHECKING:
    from bot.storage.registration import Claim

_RANK = {level: rank for rank, level in enumerate(Verification)}  # the enum lists the lowest first
_INSERT_MEMBER = insert(members).returning(members.c.id)


def _entry_values(c: Claim) -> dict[str, Any]:
    """A new entry's own columns (the member and the times aside)."""
    return {
        "community": c.community,
        "platform": c.platform,
        "handle": c.handle,
        "handle_key": c.handle_key,
        "visibility": (c.visibility or c.new_visibility).value,
        "verification": c.verification.value,
        "source": c.source.value,
    }


def _new_entry(c: Claim, entry_id: int, member_id: int, name: str) -> Entry:
    return Entry(
        id=entry_id,
        member_id=member_id,
        community=c.community,
        platform=c.platform,
        handle=c.handle,
        visibility=c.visibility or c.new_visibility,
        verification=c.verification,
        source=c.source,
        created_at=c.now,
        updated_at=c.now,
        member_name=name,
    )


def _new_member(c: Claim, member_id: int, name: str) -> Member:
    return Member(
        id=member_id,
        community=c.community,
        display_name=name,
        hidden=False,
        banned=False,
        created_at=c.now,
        updated_at=c.now,
        identities=(c.identity,),
    )


async def _taken(conn: AsyncConnection, c: Claim) -> HandleTakenError:
    """The error for a claimed handle another member holds (its visibility says how to word it)."""
    holder = await load_entry(
        conn,
        entries.c.community == c.community,
        entries.c.platform == c.platform,
        entries.c.handle_key == c.handle_key,
    )
    return HandleTakenError(c.platform, c.handle, holder.visibility if holder is not None else None)


async def undo_member(conn: AsyncConnection, member_id: int) -> None:
    """Take back a member made for a registration that ends up owning nothing: inside a batch, or
    when a refused command's count is kept, the transaction goes on (alone, the rollback would)."""
    await conn.execute(delete(member_identities).where(member_identities.c.member_id == member_id))
    await conn.execute(delete(members).where(members.c.id == member_id))


async def create_member(conn: AsyncConnection, dialect: str, c: Claim, name: str) -> Member:
    row = {"community": c.community, "display_name": name, "created_at": c.now, "updated_at": c.now}
    member_id = (await conn.execute(_INSERT_MEMBER, row)).scalar_one()
    claim = insert_ignoring_conflict_of(
        dialect, member_identities, ("community", "kind", "external_id"), returning=("member_id",)
    )
    identity_row = {
        "community": c.community,
        "kind": c.identity.kind.value,
        "external_id": c.identity.external_id,
        "member_id": member_id,
    }
    if (await conn.execute(claim, identity_row)).first() is None:
        raise LostRaceError  # a concurrent registration of the same account created its member
    return _new_member(c, member_id, name)


async def insert_entry(conn: AsyncConnection, dialect: str, c: Claim, member_id: int, name: str) -> Entry:
    values = {**_entry_values(c), "member_id": member_id, "created_at": c.now, "updated_at": c.now}
    statement = insert_ignoring_conflict_of(
        dialect, entries, ("community", "platform", "handle_key"), returning=("id",)
    )
    entry_id = (await conn.execute(statement, values)).scalar_one_or_none()
    if entry_id is None:
        raise await _taken(conn, c)
    await audit(
        conn,
        community=c.community,
        at=c.now,
        action="entry.add",
        actor=c.actor,
        member_id=member_id,
        platform=c.platform,
        detail={"handle": c.handle},
    )
    return _new_entry(c, entry_id, member_id, name)


async def change_entry(conn: AsyncConnection, c: Claim, old: Row[Any], name: str) -> Registration:
    """Replace the member's handle on the platform, or re-register the same one."""
    previous_handle = None
    if old.handle_key != c.handle_key:
        changes: dict[str, str] = {
            "handle": c.handle,
            "handle_key": c.handle_key,
            "visibility": (c.visibility or Visibility(old.visibility)).value,
            "verification": c.verification.value,
            "source": c.source.value,
        }
        previous_handle = old.handle
        action, detail = "entry.replace", {"old": old.handle, "new": c.handle}
    else:
        changes = _reregistration_changes(old, c)
        action, detail = "entry.update", changes
    if changes:
        await conn.execute(update(entries).where(entries.c.id == old.id).values(**changes, updated_at=c.now))
        await audit(
            conn,
            community=c.community,
            at=c.now,
            action=action,
            actor=c.actor,
            member_id=old.member_id,
            platform=c.platform,
            detail=detail,
        )
    current = {**old._asdict(), **changes}
    entry = Entry(
        id=old.id,
        member_id=old.member_id,
        community=old.community,
        platform=old.platform,
        handle=current["handle"],
        visibility=Visibility(current["visibility"]),
        verification=Verification(current["verification"]),
        source=Source(current["source"]),
        created_at=old.created_at,
        updated_at=c.now if changes else old.updated_at,
        member_name=name,
    )
    return Registration(entry=entry, previous_handle=previous_handle, created=False)


def _reregistration_changes(old: Row[Any], c: Claim) -> dict[str, str]:
    """What registering the same handle again may change: its display form, an explicit
    visibility, a higher verification (never a downgrade)."""
    changes = {}
    if old.handle != c.handle:
        changes["handle"] = c.handle
    if c.visibility is not None and c.visibility.value != old.visibility:
        changes["visibility"] = c.visibility.value
    if _RANK[c.verification] > _RANK[Verification(old.verification)]:
        changes["verification"] = c.verification.value
    return changes


def _param(column: Column[Any], name: str | None = None) -> Any:
    """A value given at execution, typed like the column it fills (asyncpg needs the type)."""
    return bindparam(name or column.name, type_=column.type)


@functools.cache
def _newcomer_statement(counted: bool) -> Select[Any]:
    """A newcomer's member, identity, entry and audit row (and with ``counted`` the command's
    rate-limit hit) in one PostgreSQL statement of data-modifying CTEs: one round trip instead of
    four or five. Each part keeps its conflict rule: no identity back means a concurrent command of
    the same account created its member; no entry back means the handle is taken (and then no
    audit row is written)."""
    member = (
        insert(members)
        .values(
            community=_param(members.c.community),
            display_name=_param(members.c.display_name),
            created_at=_param(members.c.created_at, "now"),
            updated_at=_param(members.c.updated_at, "now"),
        )
        .returning(members.c.id)
        .cte("new_member")
    )
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
    own = ["community", "platform", "handle", "handle_key", "visibility", "verification", "source"]
    entry = (
        pg_insert(entries)
        .from_select(
            ["member_id", *own, "created_at", "updated_at"],
            select(
                member.c.id,
                *(_param(entries.c[name]) for name in own),
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
    statement = select(
        member.c.id.label("member_id"),
        select(identity.c.member_id).scalar_subquery().label("claimed"),
        select(entry.c.id).scalar_subquery().label("entry_id"),
    ).add_cte(audited.cte("new_audit"))
    if counted:
        hit = insert(rate_limit_hits).values(
            key=_param(rate_limit_hits.c.key, "hit_key"), at=_param(rate_limit_hits.c.at, "hit_at")
        )
        statement = statement.add_cte(hit.cte("new_hit"))
    return statement


async def create_newcomer(
    conn: AsyncConnection, c: Claim, name: str, hit: tuple[str, float] | None
) -> tuple[Member, Entry]:
    """A newcomer's registration on PostgreSQL in one statement (see :func:`_newcomer_statement`),
    with ``hit`` (key, time) counted. Raises HandleTakenError when another member holds the handle,
    having taken back the member made for it (the hit stays, for the caller to commit), or
    LostRaceError when a concurrent command of the same account created its member."""
    values: dict[str, Any] = {
        **_entry_values(c),
        "kind": c.identity.kind.value,
        "external_id": c.identity.external_id,
        "display_name": name,
        "now": c.now,
        "actor": c.actor,
        "audit_action": "entry.add",
        "audit_detail": {"handle": c.handle},
    }
    if hit is not None:
        values |= {"hit_key": hit[0], "hit_at": hit[1]}
    row = (await conn.execute(_newcomer_statement(hit is not None), values)).one()
    if row.claimed is None:
        raise LostRaceError
    if row.entry_id is None:
        taken = await _taken(conn, c)
        await undo_member(conn, row.member_id)
        raise taken
    return _new_member(c, row.member_id, name), _new_entry(c, row.entry_id, row.member_id, name)

"""Pieces shared by the repository modules: the base class, row mapping and the audit writer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import MemberNotFoundError
from bot.models import AuditRecord, Entry, Identity, IdentityKind, Member, Source, Verification, Visibility
from bot.storage.database import Database
from bot.storage.tables import audit_log, entries, member_identities, members

# How often an operation that lost a race with a concurrent writer is retried before giving up. One
# retry settles every race we know of; the rest is headroom.
RACE_RETRIES = 3


class LostRaceError(Exception):
    """A concurrent transaction created, claimed or forgot the member first: start again."""


class Store:
    """Base of the repository parts: they all work on one :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self._db = database


def entry_select(*where: ColumnElement[bool]) -> Select[Any]:
    """Entries joined to their member, for the member's display name and hidden/banned flags."""
    return (
        select(entries, members.c.display_name.label("member_name"))
        .join(members, members.c.id == entries.c.member_id)
        .where(*where)
    )


def entry_from_row(row: Row[Any]) -> Entry:
    """Map a row of :func:`entry_select` to the model."""
    return Entry(
        id=row.id,
        member_id=row.member_id,
        community=row.community,
        platform=row.platform,
        handle=row.handle,
        visibility=Visibility(row.visibility),
        verification=Verification(row.verification),
        source=Source(row.source),
        created_at=row.created_at,
        updated_at=row.updated_at,
        member_name=row.member_name,
    )


async def load_entry(conn: AsyncConnection, *where: ColumnElement[bool]) -> Entry | None:
    """The single entry matching ``where``, or None."""
    row = (await conn.execute(entry_select(*where))).one_or_none()
    return None if row is None else entry_from_row(row)


async def load_member(conn: AsyncConnection, member_id: int, *, for_update: bool = False) -> Member | None:
    """A member with all its identities, or None; ``for_update`` locks the row on PostgreSQL."""
    query = select(members).where(members.c.id == member_id)
    row = (await conn.execute(query.with_for_update() if for_update else query)).one_or_none()
    if row is None:
        return None
    identity_rows = await conn.execute(
        select(member_identities.c.kind, member_identities.c.external_id)
        .where(member_identities.c.member_id == member_id)
        .order_by(member_identities.c.kind, member_identities.c.external_id)
    )
    return Member(
        id=row.id,
        community=row.community,
        display_name=row.display_name,
        hidden=row.hidden,
        banned=row.banned,
        created_at=row.created_at,
        updated_at=row.updated_at,
        identities=tuple(Identity(IdentityKind(kind), external_id) for kind, external_id in identity_rows),
    )


async def lock_member(conn: AsyncConnection, member_id: int) -> Row[Any]:
    """Select the member row FOR UPDATE (PostgreSQL), so writes to one member's data queue up.

    On SQLite the clause is dropped; BEGIN IMMEDIATE already serialises writers.
    """
    row = (
        await conn.execute(select(members).where(members.c.id == member_id).with_for_update())
    ).one_or_none()
    if row is None:
        raise MemberNotFoundError(f"no member with id {member_id}")
    return row


# Built once: values come with each execution (see _dialect.insert_ignoring_conflict_of for why).
_INSERT_AUDIT = insert(audit_log)

# The member behind an account, as a scalar subquery labelled ``member_id``, its values given at
# execution as ``account_values(...)``: hot paths embed it in their first statement.
MEMBER_OF_ACCOUNT = (
    select(member_identities.c.member_id)
    .where(
        member_identities.c.community == bindparam("community"),
        member_identities.c.kind == bindparam("kind"),
        member_identities.c.external_id == bindparam("external_id"),
    )
    .scalar_subquery()
    .label("member_id")
)


def account_values(community: str, kind: str, external_id: str) -> dict[str, str]:
    """The values :data:`MEMBER_OF_ACCOUNT` takes."""
    return {"community": community, "kind": kind, "external_id": external_id}


async def record_audit(
    conn: AsyncConnection,
    *,
    community: str,
    at: datetime,
    action: str,
    actor: str,
    member_id: int | None,
    platform: str | None = None,
    detail: Mapping[str, str] | None = None,
) -> None:
    """Append one audit row, inside the caller's transaction so it commits with the change."""
    row = {
        "community": community,
        "at": at,
        "action": action,
        "actor": actor,
        "member_id": member_id,
        "platform": platform,
        "detail": dict(detail) if detail else None,
    }
    await conn.execute(_INSERT_AUDIT, row)


def audit_from_row(row: Row[Any]) -> AuditRecord:
    """Map an ``audit_log`` row to the model; a scrubbed (NULL) detail becomes an empty dict."""
    return AuditRecord(
        id=row.id,
        community=row.community,
        at=row.at,
        action=row.action,
        actor=row.actor,
        member_id=row.member_id,
        platform=row.platform,
        detail=dict(row.detail or {}),
    )

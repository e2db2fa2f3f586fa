"""What a registration (bot.storage.registration) reads first and then writes: the look-up, a new
member, a new entry, a changed entry (PostgreSQL's one-statement newcomer, in
bot.storage._newcomer_pg, shares the look-up and the new entry's values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import HandleTakenError
from bot.models import Entry, Member, Registration, Source, Verification, Visibility
from bot.storage._common import MEMBER_OF_ACCOUNT, LostRaceError, load_entry
from bot.storage._common import record_audit as audit
from bot.storage._dialect import insert_ignoring_conflict_of
from bot.storage.coordination import ACCOUNT_HITS_PG
from bot.storage.tables import entries, kv_state, member_identities, members

if TYPE_CHECKING:
    from bot.storage.registration import Claim

_INSERT_MEMBER = insert(members).returning(members.c.id)

# What a registration must know before writing, in one statement built once (values come with each
# execution: on SQLite building and keying a statement cost more than running it). On PostgreSQL a
# counted command's first statement also locks the account's rate-limit key, then reads the clock
# and its hits; the one-statement newcomer embeds that same look-up as its first CTE.
FOUND = select(
    MEMBER_OF_ACCOUNT,
    exists().where(kv_state.c.key == bindparam("tombstone")).label("tombstoned"),
    exists().where(kv_state.c.key == bindparam("withdrawn")).label("withdrawn"),
)
FOUND_COUNTED = FOUND.add_columns(ACCOUNT_HITS_PG)


def entry_values(c: Claim) -> dict[str, Any]:
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


def new_entry(c: Claim, entry_id: int, member_id: int, name: str) -> Entry:
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


def new_member(c: Claim, member_id: int, name: str) -> Member:
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


async def taken_error(conn: AsyncConnection, c: Claim) -> HandleTakenError:
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
    return new_member(c, member_id, name)


async def insert_entry(conn: AsyncConnection, dialect: str, c: Claim, member_id: int, name: str) -> Entry:
    values = {**entry_values(c), "member_id": member_id, "created_at": c.now, "updated_at": c.now}
    statement = insert_ignoring_conflict_of(
        dialect, entries, ("community", "platform", "handle_key"), returning=("id",)
    )
    entry_id = (await conn.execute(statement, values)).scalar_one_or_none()
    if entry_id is None:
        raise await taken_error(conn, c)
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
    return new_entry(c, entry_id, member_id, name)


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
        changes = reregistration_changes(old, c.handle, c.visibility, c.verification)
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


def reregistration_changes(
    old: Row[Any], handle: str, visibility: Visibility | None, verification: Verification
) -> dict[str, str]:
    """What registering the same handle again may change in ``old``, an ``entries`` row: its
    display form, an explicit visibility, a higher verification (never a downgrade)."""
    changes = {}
    if old.handle != handle:
        changes["handle"] = handle
    if visibility is not None and visibility.value != old.visibility:
        changes["visibility"] = visibility.value
    if verification.outranks(Verification(old.verification)):
        changes["verification"] = verification.value
    return changes

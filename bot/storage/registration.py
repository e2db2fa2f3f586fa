"""A member's registration of one handle, from the first look-up to the audit row, in one write
transaction: the hot path of every front, so it sends as few statements as the rules allow.

A newcomer's registration is five statements (look-up, member, identity, entry, audit row); the
entry counts follow from triggers in the same transaction (see ``bot.storage.tables.entry_counts``).
The caller's rules (rate limits, bans) run inside the transaction through ``admit``, on the state the
write is based on, so a ban or a forget landing in between cannot slip through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import HandleTakenError
from bot.models import Entry, Identity, Member, Registration, Source, Verification, Visibility
from bot.storage._batch import GroupCommit
from bot.storage._common import (
    MEMBER_OF_ACCOUNT,
    RACE_RETRIES,
    Store,
    account_values,
    load_entry,
    load_member,
)
from bot.storage._common import record_audit as audit
from bot.storage._dialect import insert_ignoring_conflict_of
from bot.storage._merge import evict_unverified_claim
from bot.storage.members import ban_tombstone
from bot.storage.tables import entries, kv_state, member_identities, members
from bot.storage.withdrawn import withdrawn_key

_RANK = {level: rank for rank, level in enumerate(Verification)}  # the enum lists the lowest first

# Called inside the write transaction with the member found (None for a newcomer) and whether a
# forgotten banned member held the account; returns the display name to store, or raises to refuse
# (the transaction then rolls back and nothing is written).
Admit = Callable[[Member | None, bool], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """One registration as the storage layer sees it: the handle already normalised."""

    community: str
    identity: Identity
    platform: str
    handle: str
    handle_key: str
    visibility: Visibility | None  # None: ``new_visibility`` for a new entry, kept for a replaced one
    new_visibility: Visibility
    verification: Verification
    source: Source
    now: datetime
    actor: str
    clear_withdrawn: bool  # a member's own registration lifts their withdrawal marker here
    evict: bool  # a proof: another member's unverified claim on the handle gives way


@dataclass(frozen=True, slots=True, kw_only=True)
class Registered:
    """What a registration did: the outcome, the member after it, and an evicted claim if any."""

    registration: Registration
    member: Member
    evicted: Entry | None


class _LostRaceError(Exception):
    """A concurrent transaction created or forgot the member first: start again."""


class RegistrationStore(Store):
    """Registration of a handle by a member, created on first sight."""

    _group: GroupCommit[tuple[Claim, Admit], Registered] | None = None  # made on first use

    async def register_handle(self, claim: Claim, admit: Admit) -> Registered:
        """Find or create the member behind ``claim.identity``, let ``admit`` accept them, and add
        their handle on the platform or replace the one there (the rules of
        :meth:`~bot.storage.entries.EntryStore.upsert_entry`), audited, in one transaction.

        Raises :class:`~bot.errors.HandleTakenError` (with the platform key) when another member
        holds the handle: the unique constraint decides, so two racing claimants can't both win.

        On a SQLite file, whose writers take turns anyway, registrations arriving together share
        one transaction and one commit (see ``bot.storage._batch``); each still returns only after
        the commit that holds it.
        """
        if not self._db.one_writer:
            return await self.register_alone(claim, admit)
        if self._group is None:
            self._group = GroupCommit(self._db, self._batched_step, self._alone)
        return await self._group.submit((claim, admit))

    async def _batched_step(self, conn: AsyncConnection, item: tuple[Claim, Admit]) -> Registered:
        claim, admit = item
        try:
            return await _register(conn, self._db.dialect, claim, admit)
        except IntegrityError:
            # SQLite undid only the failed statement (a replaced handle's UPDATE): say who holds it.
            taken = await holder_of(conn, claim)
            if taken is not None:
                raise taken from None
            raise

    async def _alone(self, item: tuple[Claim, Admit]) -> Registered:
        return await self.register_alone(*item)

    async def register_alone(self, claim: Claim, admit: Admit) -> Registered:
        """:meth:`register_handle` in a transaction of its own."""
        for _ in range(RACE_RETRIES):
            try:
                async with self._db.transaction(write=True) as conn:
                    return await _register(conn, self._db.dialect, claim, admit)
            except _LostRaceError:
                continue
            except IntegrityError:
                # Only a replaced handle can get here: an UPDATE has no ON CONFLICT clause.
                async with self._db.transaction() as conn:
                    taken = await holder_of(conn, claim)
                if taken is not None:
                    raise taken from None
        raise RuntimeError(f"could not register for {claim.identity} in {claim.community!r}")


# The statements of a newcomer's registration, built once (values come with each execution): on
# SQLite building and keying a statement cost more than running it. _FOUND answers, in one
# statement, everything a registration must know before writing.
_FOUND = select(
    MEMBER_OF_ACCOUNT,
    exists().where(kv_state.c.key == bindparam("tombstone")).label("tombstoned"),
    exists().where(kv_state.c.key == bindparam("withdrawn")).label("withdrawn"),
)
_INSERT_MEMBER = insert(members).returning(members.c.id)


_MEMBER_OF = select(MEMBER_OF_ACCOUNT)


def _account(c: Claim) -> dict[str, str]:
    return account_values(c.community, c.identity.kind.value, c.identity.external_id)


async def _register(conn: AsyncConnection, dialect: str, c: Claim, admit: Admit) -> Registered:
    identity = c.identity
    # One statement answers everything a newcomer's registration must know before writing.
    found = (
        await conn.execute(
            _FOUND,
            {
                **_account(c),
                "tombstone": ban_tombstone(c.community, identity),
                "withdrawn": withdrawn_key(c.community, identity, c.platform),
            },
        )
    ).one()
    created = found.member_id is None
    if created:
        name = admit(None, bool(found.tombstoned))
        member = await _create_member(conn, dialect, c, name)
        withdrawn = [identity] if found.withdrawn else []
        old = None
    else:
        member = await _lock_member(conn, found.member_id)
        name = admit(member, False)
        withdrawn = list(member.identities)
        old = (
            await conn.execute(
                select(entries).where(entries.c.member_id == member.id, entries.c.platform == c.platform)
            )
        ).one_or_none()
    evicted = None
    if c.evict:
        evicted = await evict_unverified_claim(
            conn,
            member_id=member.id,
            community=c.community,
            platform=c.platform,
            handle=c.handle,
            handle_key=c.handle_key,
            now=c.now,
        )
    if old is None:
        try:
            entry = await _insert_entry(conn, dialect, c, member.id, name)
        except HandleTakenError:
            if created:
                # Inside a batch the transaction goes on for the others: take back the member made
                # for someone who ends up owning nothing (alone, the rollback would do it anyway).
                mine = member_identities.c.member_id == member.id
                await conn.execute(delete(member_identities).where(mine))
                await conn.execute(delete(members).where(members.c.id == member.id))
            raise
        if c.clear_withdrawn and withdrawn:
            keys = [withdrawn_key(c.community, i, c.platform) for i in withdrawn]
            await conn.execute(delete(kv_state).where(kv_state.c.key.in_(keys)))
        registration = Registration(entry=entry, previous_handle=None, created=True)
    else:
        registration = await _change_entry(conn, c, old, name)
    if name != member.display_name:  # after the entry: a refused registration renames no one
        await conn.execute(
            update(members).where(members.c.id == member.id).values(display_name=name, updated_at=c.now)
        )
    return Registered(registration=registration, member=member, evicted=evicted)


async def holder_of(conn: AsyncConnection, c: Claim) -> HandleTakenError | None:
    """The error to raise when another member holds the claimed handle (after a failed write)."""
    holder = await load_entry(
        conn,
        entries.c.community == c.community,
        entries.c.platform == c.platform,
        entries.c.handle_key == c.handle_key,
    )
    mine = (await conn.execute(_MEMBER_OF, _account(c))).scalar_one_or_none()
    if holder is not None and holder.member_id != mine:
        return HandleTakenError(c.platform, c.handle, holder.visibility)
    return None


async def _create_member(conn: AsyncConnection, dialect: str, c: Claim, name: str) -> Member:
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
        raise _LostRaceError  # a concurrent registration of the same account created its member
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


async def _lock_member(conn: AsyncConnection, member_id: int) -> Member:
    """The member, locked FOR UPDATE on PostgreSQL so one member's writes queue up (SQLite's
    BEGIN IMMEDIATE already serialises every writer)."""
    member = await load_member(conn, member_id, for_update=True)
    if member is None:
        raise _LostRaceError  # forgotten or merged away since the look-up
    return member


async def _insert_entry(conn: AsyncConnection, dialect: str, c: Claim, member_id: int, name: str) -> Entry:
    visibility = c.visibility or c.new_visibility
    values = {
        "member_id": member_id,
        "community": c.community,
        "platform": c.platform,
        "handle": c.handle,
        "handle_key": c.handle_key,
        "visibility": visibility.value,
        "verification": c.verification.value,
        "source": c.source.value,
        "created_at": c.now,
        "updated_at": c.now,
    }
    statement = insert_ignoring_conflict_of(
        dialect, entries, ("community", "platform", "handle_key"), returning=("id",)
    )
    entry_id = (await conn.execute(statement, values)).scalar_one_or_none()
    if entry_id is None:
        # Raised inside the transaction, so the member made for this registration goes too.
        holder = await load_entry(
            conn,
            entries.c.community == c.community,
            entries.c.platform == c.platform,
            entries.c.handle_key == c.handle_key,
        )
        raise HandleTakenError(c.platform, c.handle, holder.visibility if holder is not None else None)
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
    return Entry(
        id=entry_id,
        member_id=member_id,
        community=c.community,
        platform=c.platform,
        handle=c.handle,
        visibility=visibility,
        verification=c.verification,
        source=c.source,
        created_at=c.now,
        updated_at=c.now,
        member_name=name,
    )


async def _change_entry(conn: AsyncConnection, c: Claim, old: Row[Any], name: str) -> Registration:
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

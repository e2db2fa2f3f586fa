"""A member's registration of one handle, from the first look-up to the audit row, in one write
transaction: the hot path of every front, so it sends as few statements as the rules allow.

A newcomer's registration is a look-up and four writes (member, identity, entry, audit row) on
SQLite, a look-up and one statement doing the four on PostgreSQL; the entry counts follow from
triggers in the same transaction (see ``bot.storage.tables.entry_counts``). The caller's rules (rate
limits, bans) run inside the transaction through ``admit`` and, for a limit shared by several
processes, ``Claim.counting``, on the state the write is based on, so a ban or a forget landing in
between cannot slip through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import FerryError, HandleTakenError
from bot.models import Entry, Identity, Member, Registration, Source, Verification, Visibility
from bot.storage._batch import GroupCommit
from bot.storage._common import (
    MEMBER_OF_ACCOUNT,
    RACE_RETRIES,
    LostRaceError,
    Store,
    account_values,
    load_entry,
    load_member,
)
from bot.storage._merge import evict_unverified_claim
from bot.storage._newcomer_pg import create_newcomer, register_at_once
from bot.storage._registration_writes import (
    FOUND,
    FOUND_COUNTED,
    change_entry,
    create_member,
    insert_entry,
    undo_member,
)
from bot.storage.coordination import ACCOUNT_HITS_PG, Counting, Tally
from bot.storage.members import ban_tombstone
from bot.storage.tables import entries, kv_state, members
from bot.storage.withdrawn import withdrawn_key

log = logging.getLogger(__name__)

# Called inside the write transaction with the member found (None for a newcomer) and whether a
# forgotten banned member held the account; returns the display name to store, or raises to refuse
# (the transaction then rolls back and nothing is written, but what ``Claim.counting`` counted).
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
    # A member's own command on PostgreSQL, counted against the shared rate limit inside this
    # transaction (None: not counted here).
    counting: Counting | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Registered:
    """What a registration did: the outcome, the member after it, and an evicted claim if any."""

    registration: Registration
    member: Member
    evicted: Entry | None


class RegistrationStore(Store):
    """Registration of a handle by a member, created on first sight."""

    _group: GroupCommit[tuple[Claim, Admit], Registered] | None = None  # made on first use

    async def register_handle(self, claim: Claim, admit: Admit) -> Registered:
        """Find or create the member behind ``claim.identity``, let ``admit`` accept them, and add
        their handle on the platform or replace the one there (the rules of
        :meth:`~bot.storage.entries.EntryStore.upsert_entry`), audited, in one transaction.

        Raises :class:`~bot.errors.HandleTakenError` (with the platform key) when another member
        holds the handle: the unique constraint decides, so two racing claimants can't both win.
        A refused registration writes nothing but its count (``claim.counting``), which is kept.

        On a SQLite file, whose writers take turns anyway, registrations arriving together share
        one transaction and one commit (see ``bot.storage._batch``); each still returns only after
        the commit that holds it. On PostgreSQL a member's own first registration is one statement
        that commits itself when nothing needs deciding (see ``bot.storage._newcomer_pg``).
        """
        if self._db.dialect == "postgresql" and claim.counting is not None and not claim.evict:
            done = await self._newcomer_at_once(claim, admit)
            if done is not None:
                return done
        if not self._db.one_writer or claim.counting is not None:
            return await self.register_alone(claim, admit)
        if self._group is None:
            self._group = GroupCommit(self._db, self._batched_step, self._alone)
        return await self._group.submit((claim, admit))

    async def _newcomer_at_once(self, claim: Claim, admit: Admit) -> Registered | None:
        """A member's own first registration on PostgreSQL as one statement (see
        bot.storage._newcomer_pg), or None when it is not that case or it wrote nothing."""
        assert claim.counting is not None
        try:
            # As a newcomer who is not banned; if they are not, the statement writes nothing and the
            # transactional way asks again, on what it finds.
            name = admit(None, False)
        except FerryError:
            return None  # the transactional way counts and words the refusal
        tally = Tally(claim.counting)
        values = {**_found_values(claim), **tally.values}
        async with self._db.autocommit() as conn:
            made = await register_at_once(conn, claim, name, values)
            if made is None:
                return None
            member, entry, now = made
            try:
                await tally.begin(conn, [now])  # deletes old hits when due
            except DBAPIError:
                # The registration is committed: a failed clean-up must not report it as failed.
                log.warning("old rate-limit hits not deleted", exc_info=True)
        registration = Registration(entry=entry, previous_handle=None, created=True)
        return Registered(registration=registration, member=member, evicted=None)

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
            refused: FerryError | None = None
            try:
                async with self._db.transaction(write=True) as conn:
                    try:
                        return await _register(conn, self._db.dialect, claim, admit)
                    except FerryError as exc:
                        if claim.counting is None:
                            raise
                        # A refusal has written nothing but the command's count: commit that, so
                        # that refused attempts are braked like the rest.
                        refused = exc
            except LostRaceError:
                continue
            except IntegrityError:
                # Only a replaced handle can get here: an UPDATE has no ON CONFLICT clause, and the
                # failed statement ended the transaction, count included.
                async with self._db.transaction(write=True) as conn:
                    taken = await holder_of(conn, claim)
                    if taken is not None and claim.counting is not None:
                        await _recount(conn, claim.counting, claim)
                if taken is not None:
                    raise taken from None
            if refused is not None:
                raise refused
        raise RuntimeError(f"could not register for {claim.identity} in {claim.community!r}")


_MEMBER_OF = select(MEMBER_OF_ACCOUNT)
_ACCOUNT_HITS = select(ACCOUNT_HITS_PG)
_OWN_ENTRY = select(entries).where(
    entries.c.member_id == bindparam("member_id"), entries.c.platform == bindparam("platform")
)


def _account(c: Claim) -> dict[str, str]:
    return account_values(c.community, c.identity.kind.value, c.identity.external_id)


def _found_values(c: Claim) -> dict[str, object]:
    """What :data:`FOUND` takes."""
    return {
        **_account(c),
        "tombstone": ban_tombstone(c.community, c.identity),
        "withdrawn": withdrawn_key(c.community, c.identity, c.platform),
    }


async def _register(conn: AsyncConnection, dialect: str, c: Claim, admit: Admit) -> Registered:
    identity = c.identity
    values = _found_values(c)
    tally = Tally(c.counting) if c.counting is not None else None
    if tally is not None and dialect == "postgresql":
        # The look-up also locks the account's rate-limit key and reads its hits after the lock.
        found = (await conn.execute(FOUND_COUNTED, {**values, **tally.values})).one()
        await tally.begin(conn, found.hits)
    else:
        found = (await conn.execute(FOUND, values)).one()
        if tally is not None:
            await tally.begin(conn, None)
    created = found.member_id is None
    if created:
        if tally is not None:
            tally.check()
        name = await _admitted(conn, admit, None, bool(found.tombstoned), tally)
        if dialect == "postgresql" and not c.evict:
            hit = (tally.keys[0], tally.now) if tally is not None else None
            member, entry = await create_newcomer(conn, c, name, hit)
            if c.clear_withdrawn and found.withdrawn:
                await _lift_withdrawal(conn, c, [identity])
            registration = Registration(entry=entry, previous_handle=None, created=True)
            return Registered(registration=registration, member=member, evicted=None)
        if tally is not None:
            await tally.record(conn)
        member = await create_member(conn, dialect, c, name)
        withdrawn = [identity] if found.withdrawn else []
        old = None
    else:
        member = await _lock_member(conn, found.member_id)
        if tally is not None:
            await tally.read(conn, tally.counting.member_key(member.id))
            tally.check()
        name = await _admitted(conn, admit, member, False, tally)
        if tally is not None:
            await tally.record(conn)
        withdrawn = list(member.identities)
        old = (await conn.execute(_OWN_ENTRY, {"member_id": member.id, "platform": c.platform})).one_or_none()
    evicted = None
    added: Entry | None = None
    try:
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
            added = await insert_entry(conn, dialect, c, member.id, name)
    except HandleTakenError:
        if created:
            # The transaction goes on (a batch's others, or a refusal's count to commit): take back
            # the member made for someone who ends up owning nothing.
            await undo_member(conn, member.id)
        raise
    if old is not None:
        registration = await change_entry(conn, c, old, name)
    else:
        assert added is not None  # inserted above, or HandleTakenError was raised
        if c.clear_withdrawn and withdrawn:
            await _lift_withdrawal(conn, c, withdrawn)
        registration = Registration(entry=added, previous_handle=None, created=True)
    if name != member.display_name:  # after the entry: a refused registration renames no one
        await conn.execute(
            update(members).where(members.c.id == member.id).values(display_name=name, updated_at=c.now)
        )
    return Registered(registration=registration, member=member, evicted=evicted)


async def _admitted(
    conn: AsyncConnection, admit: Admit, member: Member | None, tombstoned: bool, tally: Tally | None
) -> str:
    """``admit``'s answer; a refusal still records the command's count (before any write)."""
    try:
        return admit(member, tombstoned)
    except FerryError:
        if tally is not None:
            await tally.record(conn)
        raise


async def _lift_withdrawal(conn: AsyncConnection, c: Claim, identities: list[Identity]) -> None:
    keys = [withdrawn_key(c.community, i, c.platform) for i in identities]
    await conn.execute(delete(kv_state).where(kv_state.c.key.in_(keys)))


async def _recount(conn: AsyncConnection, counting: Counting, c: Claim) -> None:
    """Count a command whose transaction failed after counting it (a replaced handle taken)."""
    tally = Tally(counting)
    if conn.dialect.name == "postgresql":
        await tally.begin(conn, (await conn.execute(_ACCOUNT_HITS, tally.values)).scalar_one())
    else:
        await tally.begin(conn, None)
    member_id = (await conn.execute(_MEMBER_OF, _account(c))).scalar_one_or_none()
    if member_id is not None:
        await tally.read(conn, counting.member_key(member_id))
    await tally.record(conn)


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


async def _lock_member(conn: AsyncConnection, member_id: int) -> Member:
    """The member, locked FOR UPDATE on PostgreSQL so one member's writes queue up (SQLite's
    BEGIN IMMEDIATE already serialises every writer)."""
    member = await load_member(conn, member_id, for_update=True)
    if member is None:
        raise LostRaceError  # forgotten or merged away since the look-up
    return member

"""Members: get-or-create by identity, hiding, banning, and forgetting everything about a person."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import MemberNotFoundError
from bot.models import Identity, IdentityKind, Member
from bot.storage._common import RACE_RETRIES, LostRaceError, Store, load_member, lock_member, record_audit
from bot.storage._dialect import insert_ignoring_conflict, upsert
from bot.storage.bluesky import scrub_finished
from bot.storage.link_codes import link_handle_state_key
from bot.storage.tables import (
    audit_log,
    discord_views,
    entries,
    kv_state,
    link_codes,
    member_identities,
    members,
)
from bot.storage.withdrawn import EVERY_PLATFORM, mark_withdrawn

FORGOTTEN_ACTOR = "forgotten"  # what the audit log says instead of a forgotten person's account id


@dataclass(frozen=True, slots=True)
class Forgotten:
    """The member as they were just before being erased, and how many entries went with them."""

    member: Member
    erased: int


class MemberStore(Store):
    """Queries about members and their identities."""

    async def ensure_member(
        self, *, community: str, identity: Identity, display_name: str, now: datetime
    ) -> Member:
        """The member behind ``identity`` in ``community``, created on first sight.

        Safe under concurrency: the identity's primary key decides which of two simultaneous calls
        creates the member; the other rolls back its half-made member and returns the winner's.
        The display name is refreshed when it changed.
        """
        for _ in range(RACE_RETRIES):
            try:
                return await self._ensure_member_once(community, identity, display_name, now)
            except LostRaceError:
                continue
        raise RuntimeError(f"could not create or find the member for {identity} in {community!r}")

    async def _ensure_member_once(
        self, community: str, identity: Identity, display_name: str, now: datetime
    ) -> Member:
        async with self._db.transaction(write=True) as conn:
            member_id = await _member_id_for(conn, community, identity)
            if member_id is not None:
                await conn.execute(
                    update(members)
                    .where(members.c.id == member_id, members.c.display_name != display_name)
                    .values(display_name=display_name, updated_at=now)
                )
            else:
                member_id = (
                    await conn.execute(
                        insert(members)
                        .values(
                            community=community, display_name=display_name, created_at=now, updated_at=now
                        )
                        .returning(members.c.id)
                    )
                ).scalar_one()
                claim = insert_ignoring_conflict(
                    self._db.dialect,
                    member_identities,
                    {
                        "community": community,
                        "kind": identity.kind.value,
                        "external_id": identity.external_id,
                        "member_id": member_id,
                    },
                    on=("community", "kind", "external_id"),
                ).returning(member_identities.c.member_id)
                if (await conn.execute(claim)).first() is None:
                    raise LostRaceError
            member = await load_member(conn, member_id)
            if member is None:  # forgotten by a concurrent transaction since we found it
                raise LostRaceError
        return member

    async def find_member(self, *, community: str, identity: Identity) -> Member | None:
        """The member behind ``identity`` in ``community``, or None (never creates one)."""
        async with self._db.transaction() as conn:
            member_id = await _member_id_for(conn, community, identity)
            return None if member_id is None else await load_member(conn, member_id)

    async def get_member(self, member_id: int) -> Member | None:
        """A member by id, with its identities, or None."""
        async with self._db.transaction() as conn:
            return await load_member(conn, member_id)

    async def set_hidden(self, *, member_id: int, hidden: bool, now: datetime, actor: str) -> Member:
        """Hide the member's entries from the directory and exports (or show them again).

        Raises :class:`~bot.errors.MemberNotFoundError`. Audited as ``member.hide``/``member.show``
        only when the flag actually changes.
        """
        async with self._db.transaction(write=True) as conn:
            row = await lock_member(conn, member_id)
            if row.hidden != hidden:
                await conn.execute(
                    update(members).where(members.c.id == member_id).values(hidden=hidden, updated_at=now)
                )
                await record_audit(
                    conn,
                    community=row.community,
                    at=now,
                    action="member.hide" if hidden else "member.show",
                    actor=actor,
                    member_id=member_id,
                )
            member = await load_member(conn, member_id)
        assert member is not None  # locked above
        return member

    async def set_banned(
        self, *, member_id: int, banned: bool, now: datetime, actor: str, reason: str | None = None
    ) -> Member:
        """Ban the member from registering (or lift the ban); their entries stay but go unlisted.

        Raises :class:`~bot.errors.MemberNotFoundError`. Audited as ``member.ban``/``member.unban``
        (with the admin's reason, if any) only when the flag actually changes.
        """
        async with self._db.transaction(write=True) as conn:
            row = await lock_member(conn, member_id)
            if row.banned != banned:
                await conn.execute(
                    update(members).where(members.c.id == member_id).values(banned=banned, updated_at=now)
                )
                await record_audit(
                    conn,
                    community=row.community,
                    at=now,
                    action="member.ban" if banned else "member.unban",
                    actor=actor,
                    member_id=member_id,
                    detail={"reason": reason} if reason else None,
                )
            member = await load_member(conn, member_id)
        assert member is not None  # locked above
        return member

    async def forget_member(self, *, member_id: int, now: datetime, actor: str) -> int:
        """Erase the member by id (see :meth:`forget_identity`); returns the number of entries erased.

        Forgetting an unknown id still scrubs audit details and returns 0.
        """
        async with self._db.transaction(write=True) as conn:
            return await self._forget(conn, member_id, now, actor)

    async def forget_identity(
        self, *, community: str, identity: Identity, now: datetime, actor: str
    ) -> Forgotten | None:
        """Erase the member behind ``identity``, found inside the erasing transaction so a merge
        landing just before cannot leave the merged member untouched; None when there is none.

        Erased: entries, identities, link codes and the member row, the text of their finished
        Bluesky mentions and of the bot's replies, the ``detail`` of the member's audit rows and
        every audit ``actor`` naming one of their accounts; then ``member.forget`` is logged with
        nothing but the (now anonymous) id. A banned member leaves a one-way hash of each account
        id behind (:func:`ban_tombstone`), so forgetting does not lift the ban.
        """
        async with self._db.transaction(write=True) as conn:
            member_id = await _member_id_for(conn, community, identity)
            if member_id is None:
                return None
            try:
                await lock_member(conn, member_id)
            except MemberNotFoundError:
                return None  # forgotten or merged away between the two reads: nothing left here
            member = await load_member(conn, member_id)
            assert member is not None  # locked above
            erased = await self._forget(conn, member_id, now, actor)
        return Forgotten(member=member, erased=erased)

    async def _forget(self, conn: AsyncConnection, member_id: int, now: datetime, actor: str) -> int:
        row = (
            await conn.execute(
                select(members.c.community, members.c.banned)
                .where(members.c.id == member_id)
                .with_for_update()
            )
        ).one_or_none()
        identities = [
            Identity(IdentityKind(kind), external_id)
            for kind, external_id in await conn.execute(
                select(member_identities.c.kind, member_identities.c.external_id).where(
                    member_identities.c.member_id == member_id
                )
            )
        ]
        dids = [i.external_id for i in identities if i.kind is IdentityKind.BLUESKY]
        # What the person wrote to the bot, and what it answered, goes with them.
        await scrub_finished(conn, author_dids=dids)
        codes = (
            await conn.execute(select(link_codes.c.code_hash).where(link_codes.c.member_id == member_id))
        ).scalars()
        bound = [link_handle_state_key(code) for code in codes]
        if bound:
            await conn.execute(delete(kv_state).where(kv_state.c.key.in_(bound)))
        # Explicit deletes rather than ON DELETE CASCADE: erasure must not hinge on a PRAGMA.
        await conn.execute(delete(link_codes).where(link_codes.c.member_id == member_id))
        erased = (await conn.execute(delete(entries).where(entries.c.member_id == member_id))).rowcount
        await conn.execute(delete(member_identities).where(member_identities.c.member_id == member_id))
        await conn.execute(delete(members).where(members.c.id == member_id))
        await conn.execute(update(audit_log).where(audit_log.c.member_id == member_id).values(detail=null()))
        if row is None:
            return erased
        await _scrub_actor_names(conn, row.community, identities)
        await _drop_view_states(conn, row.community, identities)
        # Whatever a sheet still says about them, a re-import must not bring them back.
        await mark_withdrawn(conn, self._db.dialect, row.community, identities, EVERY_PLATFORM, now)
        if row.banned:
            for identity in identities:
                await conn.execute(
                    upsert(
                        self._db.dialect,
                        kv_state,
                        {"key": ban_tombstone(row.community, identity), "value": "1", "updated_at": now},
                        on=("key",),
                    )
                )
        await record_audit(
            conn, community=row.community, at=now, action="member.forget", actor=actor, member_id=member_id
        )
        return erased

    async def scrub_identity(self, *, community: str, identity: Identity, now: datetime, actor: str) -> int:
        """Erase the traces an account left without being a member: audit rows naming it as actor
        (say, a refused link attempt) and the words of its finished Bluesky mentions. Returns how
        many rows were scrubbed; when any were, ``member.forget`` is logged with no member."""
        async with self._db.transaction(write=True) as conn:
            scrubbed = await _scrub_actor_names(conn, community, [identity])
            scrubbed += await _drop_view_states(conn, community, [identity])
            if identity.kind is IdentityKind.BLUESKY:
                scrubbed += await scrub_finished(conn, author_dids=[identity.external_id])
            if scrubbed:
                await record_audit(
                    conn, community=community, at=now, action="member.forget", actor=actor, member_id=None
                )
        return scrubbed

    async def is_ban_tombstoned(self, *, community: str, identity: Identity) -> bool:
        """Whether a banned member forgotten earlier held this account."""
        async with self._db.transaction() as conn:
            key = ban_tombstone(community, identity)
            return (
                await conn.execute(select(kv_state.c.key).where(kv_state.c.key == key))
            ).first() is not None

    async def lift_ban_tombstone(
        self, *, community: str, identity: Identity, now: datetime, actor: str
    ) -> bool:
        """Remove the account's ban tombstone; True when there was one (audited ``member.unban``)."""
        async with self._db.transaction(write=True) as conn:
            key = ban_tombstone(community, identity)
            if not (await conn.execute(delete(kv_state).where(kv_state.c.key == key))).rowcount:
                return False
            await record_audit(
                conn, community=community, at=now, action="member.unban", actor=actor, member_id=None
            )
        return True


def ban_tombstone(community: str, identity: Identity) -> str:
    """The ``kv_state`` key that keeps a forgotten banned account banned: a one-way hash of its id."""
    raw = f"ban:{community}:{identity.kind.value}:{identity.external_id}"
    return f"ban:{hashlib.sha256(raw.encode()).hexdigest()}"


async def _scrub_actor_names(conn: AsyncConnection, community: str, identities: list[Identity]) -> int:
    # Rows the person wrote under an account id (a link attempt, an admin action) keep what was
    # done but no longer say by whom.
    names = [name for i in identities for name in (str(i), f"admin:{i}")]
    if not names:
        return 0
    result = await conn.execute(
        update(audit_log)
        .where(audit_log.c.community == community, audit_log.c.actor.in_(names))
        .values(actor=FORGOTTEN_ACTOR)
    )
    return int(result.rowcount)


async def _drop_view_states(conn: AsyncConnection, community: str, identities: list[Identity]) -> int:
    # A directory message's state names who opened it and what they searched for.
    owners = [i.external_id for i in identities if i.kind is IdentityKind.DISCORD]
    if not owners:
        return 0
    result = await conn.execute(
        delete(discord_views).where(
            discord_views.c.community == community, discord_views.c.owner_id.in_(owners)
        )
    )
    return int(result.rowcount)


async def _member_id_for(conn: AsyncConnection, community: str, identity: Identity) -> int | None:
    return (
        await conn.execute(
            select(member_identities.c.member_id).where(
                member_identities.c.community == community,
                member_identities.c.kind == identity.kind.value,
                member_identities.c.external_id == identity.external_id,
            )
        )
    ).scalar_one_or_none()

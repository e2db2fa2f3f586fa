"""Members: get-or-create by identity, hiding, and forgetting everything about a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import Identity, IdentityKind, Member
from bot.storage._common import RACE_RETRIES, Store, load_member, lock_member, record_audit
from bot.storage._dialect import insert_ignoring_conflict
from bot.storage.bluesky import scrub_finished
from bot.storage.tables import audit_log, entries, link_codes, member_identities, members


class _LostRaceError(Exception):
    """A concurrent transaction claimed the identity first (or forgot its member): start again."""


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
            except _LostRaceError:
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
                    raise _LostRaceError
            member = await load_member(conn, member_id)
            if member is None:  # forgotten by a concurrent transaction since we found it
                raise _LostRaceError
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
        """Erase the member: entries, identities, link codes and the member row, the text of their
        finished Bluesky mentions and of the bot's replies, and the ``detail`` of the member's audit
        rows; then log ``member.forget`` with nothing but the (now anonymous) id.

        Returns the number of entries erased. All in one transaction: either the person is gone or
        nothing changed. Forgetting an unknown id still scrubs audit details and returns 0.
        """
        async with self._db.transaction(write=True) as conn:
            community = (
                await conn.execute(
                    select(members.c.community).where(members.c.id == member_id).with_for_update()
                )
            ).scalar_one_or_none()
            dids = (
                await conn.execute(
                    select(member_identities.c.external_id).where(
                        member_identities.c.member_id == member_id,
                        member_identities.c.kind == IdentityKind.BLUESKY.value,
                    )
                )
            ).scalars()
            # What the person wrote to the bot, and what it answered, goes with them.
            await scrub_finished(conn, author_dids=list(dids))
            # Explicit deletes rather than ON DELETE CASCADE: erasure must not hinge on a PRAGMA.
            await conn.execute(delete(link_codes).where(link_codes.c.member_id == member_id))
            erased = (await conn.execute(delete(entries).where(entries.c.member_id == member_id))).rowcount
            await conn.execute(delete(member_identities).where(member_identities.c.member_id == member_id))
            await conn.execute(delete(members).where(members.c.id == member_id))
            await conn.execute(
                update(audit_log).where(audit_log.c.member_id == member_id).values(detail=null())
            )
            if community is not None:
                await record_audit(
                    conn,
                    community=community,
                    at=now,
                    action="member.forget",
                    actor=actor,
                    member_id=member_id,
                )
        return erased


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

"""Entries: one member's handles, added, replaced, removed and re-labelled, each change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import HandleTakenError, MemberNotFoundError, NotRegisteredError
from bot.models import Entry, Identity, Registration, Source, Verification, Visibility
from bot.storage._common import RACE_RETRIES, Store, entry_from_row, entry_select, load_entry, lock_member
from bot.storage._common import record_audit as audit
from bot.storage._registration_writes import reregistration_changes
from bot.storage.tables import entries
from bot.storage.withdrawn import clear_withdrawn


@dataclass(frozen=True, slots=True)
class _Wanted:
    """The arguments of one :meth:`EntryStore.upsert_entry` call, kept together across retries."""

    member_id: int
    community: str
    platform: str
    handle: str
    handle_key: str
    visibility: Visibility | None
    verification: Verification
    source: Source
    now: datetime
    actor: str
    new_visibility: Visibility  # for an inserted entry when ``visibility`` is None
    withdrawn_by: tuple[Identity, ...]  # accounts whose withdrawal marker an inserted entry clears


class EntryStore(Store):
    """Queries about individual entries."""

    async def upsert_entry(
        self,
        *,
        member_id: int,
        community: str,
        platform: str,
        handle: str,
        handle_key: str,
        visibility: Visibility | None,
        verification: Verification,
        source: Source,
        now: datetime,
        actor: str,
        new_visibility: Visibility = Visibility.COMMUNITY,
        withdrawn_by: tuple[Identity, ...] = (),
    ) -> Registration:
        """Add the member's handle on ``platform``, or replace the one there, atomically.

        - No entry yet: insert (``visibility`` None means ``new_visibility``, the community's
          default); audit ``entry.add``; the platform's withdrawal markers of ``withdrawn_by`` go
          (the member added back what they had removed, in the same transaction);
          ``created=True``.
        - Another handle: replace it in place (id and created_at kept; ``visibility`` None keeps the
          old one; verification and source are the new ones, since the new handle is unproven);
          audit ``entry.replace`` with the old and new handle; ``previous_handle`` is the old one.
        - The same handle (same ``handle_key``) again: a re-registration, ``created=False`` and
          ``previous_handle=None``. It only applies what it can improve: a new display form of the
          handle, an explicit ``visibility``, a higher ``verification`` (never a downgrade). When
          something changed it is audited as ``entry.update``; otherwise nothing is written.

        Raises :class:`~bot.errors.HandleTakenError` when another member of the community holds
        ``(platform, handle_key)``; the unique constraint decides, so two racing claimants can't both
        win. Raises :class:`~bot.errors.MemberNotFoundError` for an unknown member.
        """
        wanted = _Wanted(
            member_id,
            community,
            platform,
            handle,
            handle_key,
            visibility,
            verification,
            source,
            now,
            actor,
            new_visibility,
            withdrawn_by,
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._upsert_entry_once(wanted)
            except IntegrityError:
                holder = await self.find_entry_by_handle(
                    community=community, platform=platform, handle_key=handle_key
                )
                if holder is not None and holder.member_id != member_id:
                    raise HandleTakenError(platform, handle) from None
                # The holder let go between our write and this read: try again.
                if attempt >= RACE_RETRIES:
                    raise

    async def _upsert_entry_once(self, w: _Wanted) -> Registration:
        async with self._db.transaction(write=True) as conn:
            # Locking the member queues this member's concurrent writes, so the only unique
            # constraint left to fail is the handle's.
            member = await lock_member(conn, w.member_id)
            if member.community != w.community:
                raise ValueError(f"member {w.member_id} belongs to {member.community!r}, not {w.community!r}")
            mine = (entries.c.member_id == w.member_id, entries.c.platform == w.platform)
            old = (await conn.execute(select(entries).where(*mine))).one_or_none()
            previous_handle = None
            if old is None:
                await conn.execute(
                    insert(entries).values(
                        member_id=w.member_id,
                        community=w.community,
                        platform=w.platform,
                        handle=w.handle,
                        handle_key=w.handle_key,
                        visibility=(w.visibility or w.new_visibility).value,
                        verification=w.verification.value,
                        source=w.source.value,
                        created_at=w.now,
                        updated_at=w.now,
                    )
                )
                await clear_withdrawn(conn, w.community, w.withdrawn_by, w.platform)
                action, detail = "entry.add", {"handle": w.handle}
            elif old.handle_key != w.handle_key:
                await conn.execute(
                    update(entries)
                    .where(*mine)
                    .values(
                        handle=w.handle,
                        handle_key=w.handle_key,
                        visibility=(w.visibility or Visibility(old.visibility)).value,
                        verification=w.verification.value,
                        source=w.source.value,
                        updated_at=w.now,
                    )
                )
                previous_handle = old.handle
                action, detail = "entry.replace", {"old": old.handle, "new": w.handle}
            else:
                detail = reregistration_changes(old, w.handle, w.visibility, w.verification)
                action = "entry.update" if detail else ""
                if detail:
                    await conn.execute(update(entries).where(*mine).values(**detail, updated_at=w.now))
            if action:
                await audit(
                    conn,
                    community=w.community,
                    at=w.now,
                    action=action,
                    actor=w.actor,
                    member_id=w.member_id,
                    platform=w.platform,
                    detail=detail,
                )
            entry = await load_entry(conn, *mine)
        assert entry is not None  # written above, under the member's lock
        return Registration(entry=entry, previous_handle=previous_handle, created=old is None)

    async def delete_entry(self, *, member_id: int, platform: str, now: datetime, actor: str) -> Entry | None:
        """Remove the member's entry on ``platform``; returns what was removed, or None if nothing was.

        Audited as ``entry.remove`` with the handle.
        """
        where = (entries.c.member_id == member_id, entries.c.platform == platform)
        async with self._db.transaction(write=True) as conn:
            if not await _lock_owner(conn, member_id):
                return None
            entry = await load_entry(conn, *where)
            if entry is None:
                return None
            if not (await conn.execute(delete(entries).where(entries.c.id == entry.id))).rowcount:
                return None  # removed by a concurrent call that also wrote the audit row
            await audit(
                conn,
                community=entry.community,
                at=now,
                action="entry.remove",
                actor=actor,
                member_id=member_id,
                platform=platform,
                detail={"handle": entry.handle},
            )
        return entry

    async def list_entries(self, member_id: int) -> list[Entry]:
        """All of the member's entries, by platform, whatever their visibility."""
        async with self._db.transaction() as conn:
            rows = await conn.execute(
                entry_select(entries.c.member_id == member_id).order_by(entries.c.platform)
            )
            return [entry_from_row(row) for row in rows]

    async def find_entry_by_handle(self, *, community: str, platform: str, handle_key: str) -> Entry | None:
        """Who holds this handle in the community, hidden members included (the caller decides)."""
        async with self._db.transaction() as conn:
            return await load_entry(
                conn,
                entries.c.community == community,
                entries.c.platform == platform,
                entries.c.handle_key == handle_key,
            )

    async def set_visibility(
        self, *, member_id: int, platform: str | None, visibility: Visibility, now: datetime, actor: str
    ) -> int:
        """Set the visibility of the member's entry on ``platform`` (of all their entries when None).

        Returns how many entries changed; raises :class:`~bot.errors.NotRegisteredError` when there
        is no matching entry at all. Audited as ``entry.visibility`` when something changed.
        """
        where = [entries.c.member_id == member_id]
        if platform is not None:
            where.append(entries.c.platform == platform)
        async with self._db.transaction(write=True) as conn:
            if not await _lock_owner(conn, member_id):
                raise NotRegisteredError(platform)
            changed = (
                await conn.execute(
                    update(entries)
                    .where(*where, entries.c.visibility != visibility.value)
                    .values(visibility=visibility.value, updated_at=now)
                    .returning(entries.c.community)
                )
            ).all()
            if changed:
                await audit(
                    conn,
                    community=changed[0].community,
                    at=now,
                    action="entry.visibility",
                    actor=actor,
                    member_id=member_id,
                    platform=platform,
                    detail={"visibility": visibility.value},
                )
            elif not await _exists(conn, *where):
                raise NotRegisteredError(platform)
        return len(changed)

    async def set_verification(
        self, *, member_id: int, platform: str, verification: Verification, now: datetime, actor: str
    ) -> Entry:
        """Set the verification level of the member's entry on ``platform`` (up or down).

        Raises :class:`~bot.errors.NotRegisteredError`. Audited as ``entry.verification`` when it
        changed.
        """
        where = (entries.c.member_id == member_id, entries.c.platform == platform)
        async with self._db.transaction(write=True) as conn:
            if not await _lock_owner(conn, member_id):
                raise NotRegisteredError(platform)
            changed = (
                await conn.execute(
                    update(entries)
                    .where(*where, entries.c.verification != verification.value)
                    .values(verification=verification.value, updated_at=now)
                    .returning(entries.c.community)
                )
            ).one_or_none()
            if changed is not None:
                await audit(
                    conn,
                    community=changed.community,
                    at=now,
                    action="entry.verification",
                    actor=actor,
                    member_id=member_id,
                    platform=platform,
                    detail={"verification": verification.value},
                )
            entry = await load_entry(conn, *where)
        if entry is None:
            raise NotRegisteredError(platform)
        return entry


async def _lock_owner(conn: AsyncConnection, member_id: int) -> bool:
    """Lock the entries' member before touching them; False when the member is gone.

    Every writer takes the member first and its entries after (a registration, a hide, a forget
    and a merge all do): one order for everyone, or a removal holding the entry while waiting for
    the member would deadlock with a re-registration holding the member while waiting for the entry.
    """
    try:
        await lock_member(conn, member_id)
    except MemberNotFoundError:
        return False
    return True


async def _exists(conn: AsyncConnection, *where: Any) -> bool:
    return bool((await conn.execute(select(exists().where(*where)))).scalar())

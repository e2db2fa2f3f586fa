"""Merging one member into another, and proving a member's Bluesky entry; steps of a redemption.

These run inside the caller's write transaction, with both members already locked (see
``bot.storage.link_codes``), so they read and write without further checks for concurrent changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import HandleTakenError
from bot.models import Entry, Source, Verification
from bot.storage._common import entry_from_row, entry_select, load_entry, record_audit
from bot.storage.tables import audit_log, entries, link_codes, member_identities, members

if TYPE_CHECKING:
    from bot.storage.link_codes import ProvenHandle

SYSTEM = "system"  # the actor of what Ferry does by its own rule, not at anyone's command
PROVEN_BY_OWNER = "proven by its owner"  # why another member's claim on a proven handle went


@dataclass(frozen=True, slots=True)
class Absorbed:
    """The member merged away, and the entries that lost a same-platform conflict."""

    member_id: int
    dropped: tuple[Entry, ...]


async def absorb(
    conn: AsyncConnection, *, target_id: int, absorbed_id: int, keep: tuple[str, str], now: datetime
) -> Absorbed:
    """Move everything of ``absorbed_id`` onto ``target_id`` and delete the absorbed member.

    Per platform the newer entry (``updated_at``) wins a conflict; on a tie the target's stays.
    A loser whose ``(platform, handle_key)`` equals ``keep`` is not reported: that handle lives on.
    Hidden and banned are OR-ed, so neither a hide nor a ban is undone by linking accounts.
    """
    mine = await _entries(conn, target_id)
    theirs = await _entries(conn, absorbed_id)
    dropped = []
    for platform, (entry, key) in theirs.items():
        if platform not in mine:
            continue
        kept, kept_key = mine[platform]
        theirs_newer = entry.updated_at > kept.updated_at
        loser, loser_key = (kept, kept_key) if theirs_newer else (entry, key)
        winner_key = key if theirs_newer else kept_key
        await conn.execute(delete(entries).where(entries.c.id == loser.id))
        # The same handle on both sides, or the one about to be proven, is not lost to anyone.
        if loser_key != winner_key and (platform, loser_key) != keep:
            dropped.append(loser)
    moved = {"member_id": target_id}
    await conn.execute(update(entries).where(entries.c.member_id == absorbed_id).values(moved))
    await conn.execute(
        update(member_identities).where(member_identities.c.member_id == absorbed_id).values(moved)
    )
    await conn.execute(update(link_codes).where(link_codes.c.member_id == absorbed_id).values(moved))
    # The absorbed member's history becomes the merged member's, so a later "forget" scrubs it too.
    await conn.execute(update(audit_log).where(audit_log.c.member_id == absorbed_id).values(moved))
    flags = (
        await conn.execute(
            select(members.c.hidden, members.c.banned).where(members.c.id.in_((target_id, absorbed_id)))
        )
    ).all()
    await conn.execute(
        update(members)
        .where(members.c.id == target_id)
        .values(hidden=any(f.hidden for f in flags), banned=any(f.banned for f in flags), updated_at=now)
    )
    await conn.execute(delete(members).where(members.c.id == absorbed_id))
    return Absorbed(absorbed_id, tuple(sorted(dropped, key=lambda e: e.platform)))


async def _entries(conn: AsyncConnection, member_id: int) -> dict[str, tuple[Entry, str]]:
    rows = await conn.execute(entry_select(entries.c.member_id == member_id))
    return {row.platform: (entry_from_row(row), row.handle_key) for row in rows}


@dataclass(frozen=True, slots=True, kw_only=True)
class Proof:
    """The member's proven Bluesky entry, the typed handle it replaced, and the claim it evicted."""

    entry: Entry
    replaced: tuple[Entry, ...]
    evicted: Entry | None


async def evict_unverified_claim(
    conn: AsyncConnection,
    *,
    member_id: int | None,
    community: str,
    platform: str,
    handle: str,
    handle_key: str,
    now: datetime,
) -> Entry | None:
    """Clear the way for the handle's proven owner ``member_id`` (None: not a member yet): remove
    another member's claim on it.

    A proof beats what someone else merely typed (or imported, or proved from an account that has
    since given the handle up), so that entry is removed, audited ``entry.remove`` by "system".
    An admin's verification of the other member's entry outranks a proof: then this raises
    :class:`~bot.errors.HandleTakenError` and nothing is changed. Returns the removed entry.
    """
    holder = await load_entry(
        conn,
        entries.c.community == community,
        entries.c.platform == platform,
        entries.c.handle_key == handle_key,
    )
    if holder is None or holder.member_id == member_id:
        return None
    if holder.verification is Verification.ADMIN_VERIFIED:
        raise HandleTakenError(platform, handle)
    await conn.execute(delete(entries).where(entries.c.id == holder.id))
    await record_audit(
        conn,
        community=community,
        at=now,
        action="entry.remove",
        actor=SYSTEM,
        member_id=holder.member_id,
        platform=platform,
        # No handle: it is the proven owner's, and this row is the other member's, so it would
        # outlive the owner's forget.
        detail={"reason": PROVEN_BY_OWNER},
    )
    return holder


async def prove_bluesky_entry(
    conn: AsyncConnection, *, member_id: int, community: str, account: ProvenHandle, now: datetime
) -> Proof:
    """Make the member's Bluesky entry the proven account's handle, marked ``bluesky-proven``.

    Returns the entry, the different (typed) handle it replaced if any, and another member's
    unverified claim on the handle that was removed (see :func:`evict_unverified_claim`).
    """
    platform = account.platform
    evicted = await evict_unverified_claim(
        conn,
        member_id=member_id,
        community=community,
        platform=platform,
        handle=account.handle,
        handle_key=account.handle_key,
        now=now,
    )
    where = (entries.c.member_id == member_id, entries.c.platform == platform)
    old = (await conn.execute(select(entries).where(*where))).one_or_none()
    proven = Verification.BLUESKY_PROVEN
    replaced: tuple[Entry, ...] = ()
    if old is None:
        await conn.execute(
            insert(entries).values(
                member_id=member_id,
                community=community,
                platform=platform,
                handle=account.handle,
                handle_key=account.handle_key,
                visibility=account.visibility.value,
                verification=proven.value,
                source=Source.BLUESKY.value,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        same = old.handle_key == account.handle_key
        level = Verification(old.verification)
        # An admin's vouching for this very handle outranks the proof; for another handle it is void.
        keep_level = same and level.outranks(proven)
        if not same:
            previous = await load_entry(conn, *where)
            assert previous is not None  # read above, under the member's lock
            replaced = (previous,)
        await conn.execute(
            update(entries)
            .where(*where)
            .values(
                handle=account.handle,
                handle_key=account.handle_key,
                verification=(level if keep_level else proven).value,
                source=Source.BLUESKY.value,
                updated_at=now,
            )
        )
    entry = await load_entry(conn, *where)
    assert entry is not None  # written above
    return Proof(entry=entry, replaced=replaced, evicted=evicted)

"""Link codes: issuing them (rate-limited), and redeeming one, which merges two members into one.

Only the SHA-256 of a code is ever stored or compared. Every refused redemption is written to the
audit log as ``link.refused`` in the same transaction that decided it, and those rows are also what
the per-account attempt limit counts (through the ``(community, action, id)`` index), so the limit
survives restarts and holds across processes without any state of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import MemberNotFoundError
from bot.models import Entry, IdentityKind, Member, Visibility
from bot.storage._common import RACE_RETRIES, Store, load_member, lock_member, record_audit
from bot.storage._merge import Absorbed, absorb, evict_unverified_claim, prove_bluesky_entry
from bot.storage.tables import audit_log, kv_state, link_codes, member_identities, members

REFUSED = "link.refused"
LINKED = "member.link"
LINKED_BY = "member"  # the actor of a link: the member themselves, not an account id forget must hunt


def link_handle_state_key(code_hash: str) -> str:
    """The ``kv_state`` key holding the normalised Bluesky handle a code was issued for.

    Kept beside the code rather than in it, so a thief's redemption can be told from a mistyped
    code (and refused as ``other_account``) without a schema change; forget removes it with the code.
    """
    return f"link-handle:{code_hash}"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkRules:
    """The limits a redemption is checked against; the service owns the numbers."""

    max_failures: int  # refused tries per Bluesky account per window before every try is refused
    window: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvenHandle:
    """The redeeming Bluesky account: its DID and its handle in display and normalised form."""

    platform: str  # the catalogue key of Bluesky
    did: str
    handle: str
    handle_key: str
    visibility: Visibility  # for a Bluesky entry the member does not have yet


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkResult:
    """What a redemption did: refused (with a reason), or linked into ``member``."""

    refused: str | None = None
    member: Member | None = None
    entry: Entry | None = None  # the member's Bluesky entry, now proven
    absorbed_id: int | None = None  # the Bluesky account's former member, merged and gone
    dropped: tuple[Entry, ...] = ()  # entries that lost a same-platform conflict (older ones)
    evicted: Entry | None = None  # another member's unverified claim on the proven handle, removed


class _RaceError(Exception):
    """Someone changed the code or the DID's member between the first read and the locks."""


class LinkCodeStore(Store):
    """Link codes and the member merge they lead to."""

    async def create_link_code(
        self,
        *,
        code_hash: str,
        community: str,
        member_id: int,
        handle_key: str,
        now: datetime,
        expires_at: datetime,
        max_codes: int,
        window: timedelta,
    ) -> float | None:
        """Store a new open code for the member, bound to the Bluesky handle ``handle_key`` that
        alone may redeem it, and revoke their older open codes.

        Returns None when the code was stored, or the seconds until one more is allowed when the
        member already has ``max_codes`` codes created within ``window`` (nothing is written then).
        Counted and written under the member's lock, so two quick requests can't both slip under.
        """
        async with self._db.transaction(write=True) as conn:
            await lock_member(conn, member_id)
            await _drop_dead_codes(conn, member_id, now - window, now)
            recent = (
                (
                    await conn.execute(
                        select(link_codes.c.created_at)
                        .where(link_codes.c.member_id == member_id, link_codes.c.created_at > now - window)
                        .order_by(link_codes.c.created_at)
                    )
                )
                .scalars()
                .all()
            )
            if len(recent) >= max_codes:
                # One slot frees when the oldest of the last ``max_codes`` leaves the window.
                frees_at: datetime = recent[len(recent) - max_codes] + window
                return max((frees_at - now).total_seconds(), 1.0)
            revoked = (
                await conn.execute(
                    update(link_codes)
                    .where(link_codes.c.member_id == member_id, link_codes.c.state == "open")
                    .values(state="revoked")
                    .returning(link_codes.c.code_hash)
                )
            ).scalars()
            stale = [link_handle_state_key(old) for old in revoked]
            if stale:
                await conn.execute(delete(kv_state).where(kv_state.c.key.in_(stale)))
            await conn.execute(
                insert(link_codes).values(
                    code_hash=code_hash,
                    community=community,
                    member_id=member_id,
                    state="open",
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            await conn.execute(
                insert(kv_state).values(
                    key=link_handle_state_key(code_hash), value=handle_key, updated_at=now
                )
            )
        return None

    async def link_code_community(self, code_hash: str) -> str | None:
        """The community a code was issued in, or None for a code that does not exist."""
        async with self._db.transaction() as conn:
            return (
                await conn.execute(select(link_codes.c.community).where(link_codes.c.code_hash == code_hash))
            ).scalar_one_or_none()

    async def redeem_link_code(
        self,
        *,
        code_hash: str,
        community: str,
        account: ProvenHandle,
        rules: LinkRules,
        now: datetime,
    ) -> LinkResult:
        """Redeem a code for the Bluesky ``account``: check it, merge, prove the Bluesky entry.

        ``community`` is where the attempt was made (the mention's); the code is found by its hash
        alone and the link happens in the community it was issued in. All in one transaction. A
        refusal is audited and returned (``refused`` set), not raised, so its audit row commits.
        Raises :class:`~bot.errors.HandleTakenError` (and changes nothing) when a third member
        holds the account's handle with an admin's verification.
        """
        for _ in range(RACE_RETRIES):
            try:
                async with self._db.transaction(write=True) as conn:
                    return await _redeem(conn, code_hash, community, account, rules, now)
            except (_RaceError, IntegrityError):
                continue
        raise RuntimeError("link code redemption kept losing races")

    async def evict_for_proof(
        self,
        *,
        community: str,
        member_id: int | None,
        platform: str,
        handle: str,
        handle_key: str,
        now: datetime,
    ) -> Entry | None:
        """Remove another member's unverified claim on a handle about to be proven (by a ``join``);
        see :func:`~bot.storage._merge.evict_unverified_claim`. Returns the removed entry."""
        async with self._db.transaction(write=True) as conn:
            return await evict_unverified_claim(
                conn,
                member_id=member_id,
                community=community,
                platform=platform,
                handle=handle,
                handle_key=handle_key,
                now=now,
            )

    async def link_refusals(self, *, community: str, did: str, since: datetime) -> int:
        """How many redemptions by this Bluesky account were refused since ``since``."""
        async with self._db.transaction() as conn:
            return await _refusals(conn, community, _actor(did), since)


async def _drop_dead_codes(conn: AsyncConnection, member_id: int, before: datetime, now: datetime) -> None:
    # A code nobody can use any more is kept only while the rate limit still counts it (created
    # after ``before``), then goes with the handle it was bound to.
    dead = (
        await conn.execute(
            delete(link_codes)
            .where(
                link_codes.c.member_id == member_id,
                link_codes.c.created_at <= before,
                or_(
                    link_codes.c.state == "revoked",
                    and_(link_codes.c.state == "open", link_codes.c.expires_at <= now),
                ),
            )
            .returning(link_codes.c.code_hash)
        )
    ).scalars()
    keys = [link_handle_state_key(code) for code in dead]
    if keys:
        await conn.execute(delete(kv_state).where(kv_state.c.key.in_(keys)))


def _actor(did: str) -> str:
    return f"{IdentityKind.BLUESKY.value}:{did}"


async def _refusals(conn: AsyncConnection, community: str, actor: str, since: datetime) -> int:
    return (
        await conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(
                audit_log.c.community == community,
                audit_log.c.action == REFUSED,
                audit_log.c.actor == actor,
                audit_log.c.at >= since,
            )
        )
    ).scalar_one()


async def _refuse(
    conn: AsyncConnection, community: str, actor: str, reason: str, member_id: int | None, now: datetime
) -> LinkResult:
    # The code itself is never written anywhere: a refused one may be a real code mistyped by one
    # character, and the audit log is readable by admins.
    await record_audit(
        conn,
        community=community,
        at=now,
        action=REFUSED,
        actor=actor,
        member_id=member_id,
        detail={"reason": reason},
    )
    return LinkResult(refused=reason)


async def _did_member(conn: AsyncConnection, community: str, did: str) -> int | None:
    return (
        await conn.execute(
            select(member_identities.c.member_id).where(
                member_identities.c.community == community,
                member_identities.c.kind == IdentityKind.BLUESKY.value,
                member_identities.c.external_id == did,
            )
        )
    ).scalar_one_or_none()


async def _any_banned(conn: AsyncConnection, member_ids: set[int]) -> bool:
    found = await conn.execute(select(members.c.id).where(members.c.id.in_(member_ids), members.c.banned))
    return found.first() is not None


async def _redeem(
    conn: AsyncConnection,
    code_hash: str,
    asked_in: str,
    account: ProvenHandle,
    rules: LinkRules,
    now: datetime,
) -> LinkResult:
    actor = _actor(account.did)
    since = now - rules.window
    tried = await _refusals(conn, asked_in, actor, since)
    if tried >= rules.max_failures:
        return await _refuse(conn, asked_in, actor, "too_many_attempts", None, now)
    code = (await conn.execute(select(link_codes).where(link_codes.c.code_hash == code_hash))).one_or_none()
    if code is None:
        return await _refuse(conn, asked_in, actor, "unknown", None, now)
    community: str = code.community
    # Refusals about a real code are written where the code lives; they count against the same
    # budget as the guesses, or a guesser could spread tries over two communities.
    elsewhere = await _refusals(conn, community, actor, since) if community != asked_in else 0
    if tried + elsewhere >= rules.max_failures:
        return await _refuse(conn, asked_in, actor, "too_many_attempts", None, now)
    if code.state == "used":
        reason = "used" if code.used_by == account.did else "other_account"
        return await _refuse(conn, community, actor, reason, code.member_id, now)
    if code.state == "revoked" or code.expires_at <= now:
        # A revoked code was replaced by a newer one: for the person it is simply no longer valid.
        return await _refuse(conn, community, actor, "expired", code.member_id, now)
    bound = (
        await conn.execute(select(kv_state.c.value).where(kv_state.c.key == link_handle_state_key(code_hash)))
    ).scalar_one_or_none()
    # (A code issued before codes named a handle has none; it expires within minutes anyway.)
    if bound is not None and bound != account.handle_key:
        # Posted by an account other than the one the member named: someone copied the code.
        return await _refuse(conn, community, actor, "other_account", code.member_id, now)
    target_id: int = code.member_id
    other_id = await _did_member(conn, community, account.did)
    # Lock both members in id order (the order every merge uses), then check nothing moved in between.
    try:
        for member_id in sorted({target_id} if other_id is None else {target_id, other_id}):
            await lock_member(conn, member_id)
    except MemberNotFoundError:
        raise _RaceError from None  # forgotten meanwhile: read again (its code went with it)
    locked = (
        await conn.execute(
            select(link_codes.c.state).where(link_codes.c.code_hash == code_hash).with_for_update()
        )
    ).scalar_one_or_none()
    if locked != "open" or await _did_member(conn, community, account.did) != other_id:
        raise _RaceError
    # Checked under the locks: a ban landing meanwhile must not be slipped past by a link.
    if await _any_banned(conn, {target_id} if other_id is None else {target_id, other_id}):
        return await _refuse(conn, community, actor, "banned", target_id, now)
    absorbed: Absorbed | None = None
    if other_id is not None and other_id != target_id:
        absorbed = await absorb(
            conn,
            target_id=target_id,
            absorbed_id=other_id,
            keep=(account.platform, account.handle_key),
            now=now,
        )
    await _claim_did(conn, community, account.did, target_id)
    proof = await prove_bluesky_entry(
        conn, member_id=target_id, community=community, account=account, now=now
    )
    entry, replaced = proof.entry, proof.replaced
    dropped = (absorbed.dropped if absorbed else ()) + replaced
    await conn.execute(
        update(link_codes)
        .where(link_codes.c.code_hash == code_hash)
        .values(state="used", used_at=now, used_by=account.did)
    )
    await conn.execute(delete(kv_state).where(kv_state.c.key == link_handle_state_key(code_hash)))
    detail = {"bluesky": entry.handle}
    if absorbed is not None:
        detail["absorbed"] = str(absorbed.member_id)
    if dropped:
        detail["dropped"] = ",".join(f"{e.platform}:{e.handle}" for e in dropped)
    await record_audit(
        conn, community=community, at=now, action=LINKED, actor=LINKED_BY, member_id=target_id, detail=detail
    )
    member = await load_member(conn, target_id)
    assert member is not None  # locked above
    return LinkResult(
        member=member,
        entry=entry,
        absorbed_id=absorbed.member_id if absorbed else None,
        dropped=dropped,
        evicted=proof.evicted,
    )


async def _claim_did(conn: AsyncConnection, community: str, did: str, member_id: int) -> None:
    """Give the member this DID; a member proves one Bluesky account, so an earlier one is let go."""
    await conn.execute(
        member_identities.delete().where(
            member_identities.c.member_id == member_id,
            member_identities.c.kind == IdentityKind.BLUESKY.value,
            member_identities.c.external_id != did,
        )
    )
    if await _did_member(conn, community, did) is None:
        await conn.execute(
            insert(member_identities).values(
                community=community, kind=IdentityKind.BLUESKY.value, external_id=did, member_id=member_id
            )
        )

"""The Bluesky front's bookkeeping: the notification inbox, the planned reply posts, list members.

The inbox and outbox make replies effectively-once (see ``bot.bluesky.poller``): a notification is
recorded once by URI, its answer is planned with chosen record keys in one transaction, and each
part is marked done only after the PDS has it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import IdentityKind, Source, Verification, Visibility
from bot.storage._common import Store
from bot.storage._dialect import insert_ignoring_conflict
from bot.storage.tables import bsky_inbox, bsky_outbox, entries, member_identities, members

# A Bluesky entry the member proved is theirs: written when they posted from the account (join, or
# linking it), possibly vouched for by an admin since. An imported DID is only what a sheet claims, and
# listing it would publish someone who never agreed to it. The DIDs export applies the same rule.
OWN_ACCOUNT_SOURCE = Source.BLUESKY
OWN_ACCOUNT_LEVELS = frozenset({Verification.BLUESKY_PROVEN, Verification.ADMIN_VERIFIED})


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxItem:
    """One notification as recorded. ``payload`` holds what answering needs, as JSON-safe values."""

    uri: str
    cid: str
    author_did: str
    reason: str
    indexed_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    state: str = "pending"
    attempts: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxPart:
    """One planned post of an answer; ``uri``/``cid`` are set once the PDS has it."""

    inbox_uri: str
    part_no: int
    rkey: str
    text: str
    lang: str
    uri: str | None = None
    cid: str | None = None

    @property
    def done(self) -> bool:
        return self.uri is not None


class BlueskyStore(Store):
    """Inbox, outbox and the list-sync query."""

    async def record_notifications(self, items: Iterable[InboxItem], now: datetime) -> int:
        """Insert notifications not seen before (by URI); returns how many were new."""
        new = 0
        async with self._db.transaction(write=True) as conn:
            for item in items:
                values = {
                    "uri": item.uri,
                    "cid": item.cid,
                    "author_did": item.author_did,
                    "reason": item.reason,
                    "indexed_at": item.indexed_at,
                    "payload": item.payload,
                    "state": item.state,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                stmt = insert_ignoring_conflict(self._db.dialect, bsky_inbox, values, on=("uri",))
                result = await conn.execute(stmt.returning(bsky_inbox.c.uri))
                new += result.first() is not None
        return new

    async def known_uris(self, uris: Sequence[str]) -> set[str]:
        """Which of ``uris`` the inbox already holds."""
        if not uris:
            return set()
        async with self._db.transaction() as conn:
            rows = await conn.execute(select(bsky_inbox.c.uri).where(bsky_inbox.c.uri.in_(list(uris))))
            return {row.uri for row in rows}

    async def due_inbox(self, now: datetime, limit: int) -> list[InboxItem]:
        """Notifications still to answer (new, or planned but not all posted), oldest first."""
        async with self._db.transaction() as conn:
            rows = await conn.execute(
                select(bsky_inbox)
                .where(
                    bsky_inbox.c.state.in_(("pending", "replying")),
                    or_(bsky_inbox.c.not_before.is_(None), bsky_inbox.c.not_before <= now),
                )
                .order_by(bsky_inbox.c.indexed_at, bsky_inbox.c.uri)
                .limit(limit)
            )
            return [_inbox(row) for row in rows]

    async def inbox_item(self, uri: str) -> InboxItem | None:
        """One recorded notification."""
        async with self._db.transaction() as conn:
            row = (await conn.execute(select(bsky_inbox).where(bsky_inbox.c.uri == uri))).one_or_none()
            return None if row is None else _inbox(row)

    async def plan_reply(self, uri: str, parts: Sequence[OutboxPart], now: datetime) -> bool:
        """Store the answer's parts and move the notification to ``replying``, in one transaction.

        Returns False (storing nothing) when another worker planned it first.
        """
        async with self._db.transaction(write=True) as conn:
            moved = await conn.execute(
                update(bsky_inbox)
                .where(bsky_inbox.c.uri == uri, bsky_inbox.c.state == "pending")
                .values(state="replying", updated_at=now)
            )
            if moved.rowcount != 1:
                return False
            for part in parts:
                await conn.execute(
                    bsky_outbox.insert().values(
                        inbox_uri=uri,
                        part_no=part.part_no,
                        rkey=part.rkey,
                        text=part.text,
                        lang=part.lang,
                        state="pending",
                        updated_at=now,
                    )
                )
        return True

    async def outbox(self, uri: str) -> list[OutboxPart]:
        """The planned parts of one answer, in order."""
        async with self._db.transaction() as conn:
            rows = await conn.execute(
                select(bsky_outbox).where(bsky_outbox.c.inbox_uri == uri).order_by(bsky_outbox.c.part_no)
            )
            return [
                OutboxPart(
                    inbox_uri=row.inbox_uri,
                    part_no=row.part_no,
                    rkey=row.rkey,
                    text=row.text,
                    lang=row.lang,
                    uri=row.uri,
                    cid=row.cid,
                )
                for row in rows
            ]

    async def part_posted(self, uri: str, part_no: int, post_uri: str, cid: str, now: datetime) -> None:
        """Record that the PDS holds this part."""
        async with self._db.transaction(write=True) as conn:
            await conn.execute(
                update(bsky_outbox)
                .where(bsky_outbox.c.inbox_uri == uri, bsky_outbox.c.part_no == part_no)
                .values(state="done", uri=post_uri, cid=cid, updated_at=now)
            )

    async def finish(self, uri: str, state: str, now: datetime, error: str | None = None) -> None:
        """Close a notification: ``done``, ``skipped`` or ``failed``."""
        async with self._db.transaction(write=True) as conn:
            await conn.execute(
                update(bsky_inbox)
                .where(bsky_inbox.c.uri == uri)
                .values(state=state, last_error=error, not_before=None, updated_at=now)
            )

    async def defer(self, uri: str, not_before: datetime, error: str, now: datetime) -> int:
        """Count a failed attempt and hold the notification back until ``not_before``; returns attempts."""
        async with self._db.transaction(write=True) as conn:
            await conn.execute(
                update(bsky_inbox)
                .where(bsky_inbox.c.uri == uri)
                .values(
                    attempts=bsky_inbox.c.attempts + 1,
                    not_before=not_before,
                    last_error=error[:500],
                    updated_at=now,
                )
            )
            attempts = (
                await conn.execute(select(bsky_inbox.c.attempts).where(bsky_inbox.c.uri == uri))
            ).scalar_one()
        return int(attempts)

    async def answered_since(self, author_did: str, since: datetime) -> int:
        """How many of this author's notifications were answered (or are being answered) since ``since``."""
        async with self._db.transaction() as conn:
            count = await conn.execute(
                select(func.count())
                .select_from(bsky_inbox)
                .where(
                    bsky_inbox.c.author_did == author_did,
                    bsky_inbox.c.state.in_(("replying", "done")),
                    bsky_inbox.c.updated_at >= since,
                )
            )
            return int(count.scalar_one())

    async def prune_finished(self, before: datetime) -> int:
        """Delete every notification that finished before ``before``, with its planned replies.

        Safe once ``before`` is older than the poller's ``max_age``: a notification that old is never
        answered again even if it is listed, so its row no longer guards against a second answer.
        Returns how many notifications went.
        """
        async with self._db.transaction(write=True) as conn:
            old = select(bsky_inbox.c.uri).where(
                bsky_inbox.c.state.in_(FINISHED_STATES), bsky_inbox.c.updated_at < before
            )
            await conn.execute(delete(bsky_outbox).where(bsky_outbox.c.inbox_uri.in_(old)))
            result = await conn.execute(
                delete(bsky_inbox).where(
                    bsky_inbox.c.state.in_(FINISHED_STATES), bsky_inbox.c.updated_at < before
                )
            )
            return int(result.rowcount)

    async def public_bluesky_members(self, community: str) -> set[str]:
        """DIDs of listed members who proved their Bluesky account and show it as a public entry.

        These are the people a community's Bluesky list should hold: the entry came from the member's
        own post (source Bluesky, proven or since admin-verified; see ``OWN_ACCOUNT_LEVELS``), and
        they chose to be visible beyond the community. An imported DID never qualifies on its own.
        """
        async with self._db.transaction() as conn:
            rows = await conn.execute(
                select(member_identities.c.external_id)
                .join(members, members.c.id == member_identities.c.member_id)
                .join(
                    entries,
                    and_(entries.c.member_id == members.c.id, entries.c.platform == "bluesky"),
                )
                .where(
                    member_identities.c.community == community,
                    member_identities.c.kind == IdentityKind.BLUESKY.value,
                    entries.c.visibility == Visibility.PUBLIC.value,
                    entries.c.source == OWN_ACCOUNT_SOURCE.value,
                    entries.c.verification.in_(sorted(level.value for level in OWN_ACCOUNT_LEVELS)),
                    members.c.hidden.is_(False),
                    members.c.banned.is_(False),
                )
            )
            return {row.external_id for row in rows}


FINISHED_STATES = ("done", "skipped", "failed")


async def scrub_finished(
    conn: AsyncConnection, *, author_dids: Sequence[str] | None = None, before: datetime | None = None
) -> int:
    """Drop the words Ferry kept of finished notifications and of its replies to them.

    The row itself stays: its URI is what stops a notification listed again from being answered
    twice, and its author and time feed the per-author reply cap. What goes is the mention's text,
    the author's handle and name, and the reply texts. Notifications still being answered keep
    theirs until they finish. Returns how many notifications were scrubbed.
    """
    where = [
        bsky_inbox.c.state.in_(FINISHED_STATES),
        # Compared as text: PostgreSQL's json type has no equality operator.
        cast(bsky_inbox.c.payload, Text) != "{}",
    ]
    if author_dids is not None:
        if not author_dids:
            return 0
        where.append(bsky_inbox.c.author_did.in_(author_dids))
    if before is not None:
        where.append(bsky_inbox.c.updated_at < before)
    uris = select(bsky_inbox.c.uri).where(*where)
    await conn.execute(update(bsky_outbox).where(bsky_outbox.c.inbox_uri.in_(uris)).values(text=""))
    result = await conn.execute(update(bsky_inbox).where(*where).values(payload={}))
    return int(result.rowcount)


def _inbox(row: Any) -> InboxItem:
    return InboxItem(
        uri=row.uri,
        cid=row.cid,
        author_did=row.author_did,
        reason=row.reason,
        indexed_at=row.indexed_at,
        payload=dict(row.payload),
        state=row.state,
        attempts=row.attempts,
    )

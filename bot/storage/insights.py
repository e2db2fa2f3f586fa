"""Insight aggregates, kept up to date incrementally from the audit log.

Why the audit log and not the change feed (``bot.services.events``): the feed is in-process and
best-effort (published after commit, a failing listener is skipped, a second process or a restart
misses what happened meanwhile), while every write to the directory appends an audit row in its own
transaction. Folding the log is therefore exact whichever process made the change, survives
restarts, and needs no hook in the registration path.

How a fold works: the audit rows past the watermark name the members whose data changed (plus a
member absorbed by a link, named in the row's detail). For each such member, what they contributed
before (``insight_entries``/``insight_members``) is subtracted from the aggregates and what their
rows say now is added. Refolding a member is idempotent, so folding an event twice is harmless; this
is what makes the fold safe on PostgreSQL, where an audit id can commit after a higher one: each fold
looks back :data:`LOOKBACK` ids behind the watermark. A read costs O(new events) to fold plus
O(platforms x days) to return; the whole directory is read once, the first time (a rebuild).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.insight_models import Arrivals, InsightAggregates, PlatformCount, Spread
from bot.models import Verification, Visibility
from bot.storage._common import Store
from bot.storage.tables import (
    audit_log,
    entries,
    insight_arrivals,
    insight_entries,
    insight_members,
    insight_platforms,
    insight_spread,
    insight_state,
    members,
)

# Audit ids re-read behind the watermark on every fold: a transaction that took its audit id before
# this many others and committed after them would otherwise be missed until its member changes again.
LOOKBACK = 256
_UNBUILT = -1  # watermark of a community whose aggregates have never been built


@dataclass(frozen=True, slots=True)
class _Part:
    """One entry's contribution to the aggregates."""

    member_id: int
    platform: str
    listed: bool
    public: bool
    verified: bool
    day: str


class InsightStore(Store):
    """The insight aggregates of each community."""

    async def insight_version(self, *, community: str) -> tuple[int, int]:
        """A cheap fingerprint of the community's audit log: its newest id and how many ids lie in
        the look-back window under it (which changes when a late transaction commits)."""
        async with self._db.transaction() as conn:
            newest = (
                await conn.execute(select(func.max(audit_log.c.id)).where(audit_log.c.community == community))
            ).scalar_one_or_none() or 0
            late = (
                await conn.execute(
                    select(func.count()).where(
                        audit_log.c.community == community, audit_log.c.id > newest - LOOKBACK
                    )
                )
            ).scalar_one()
        return int(newest), int(late)

    async def read_insights(self, *, community: str, now: datetime) -> InsightAggregates:
        """Fold the audit rows written since the last read into the aggregates, then return them."""
        async with self._db.transaction(write=True) as conn:
            watermark = await self._lock_state(conn, community, now)
            if watermark == _UNBUILT:
                watermark = await self._rebuild(conn, community)
            else:
                watermark = await self._fold(conn, community, watermark)
            await conn.execute(
                update(insight_state)
                .where(insight_state.c.community == community)
                .values(last_audit_id=watermark, updated_at=now)
            )
            return await _read(conn, community, watermark)

    async def _lock_state(self, conn: AsyncConnection, community: str, now: datetime) -> int:
        values = {"community": community, "last_audit_id": _UNBUILT, "updated_at": now}
        maker = sqlite.insert if self._db.dialect == "sqlite" else postgresql.insert
        await conn.execute(maker(insight_state).values(values).on_conflict_do_nothing())
        # FOR UPDATE queues concurrent folds on PostgreSQL; SQLite's BEGIN IMMEDIATE already has.
        query = select(insight_state.c.last_audit_id).where(insight_state.c.community == community)
        return int((await conn.execute(query.with_for_update())).scalar_one())

    async def _rebuild(self, conn: AsyncConnection, community: str) -> int:
        watermark = (
            await conn.execute(select(func.max(audit_log.c.id)).where(audit_log.c.community == community))
        ).scalar_one_or_none() or 0
        for table in (insight_entries, insight_members, insight_platforms, insight_spread, insight_arrivals):
            await conn.execute(delete(table).where(table.c.community == community))
        listed = not_(or_(members.c.hidden, members.c.banned))
        public = and_(listed, entries.c.visibility == Visibility.PUBLIC.value)
        verified = and_(listed, entries.c.verification != Verification.SELF_REPORTED.value)
        await conn.execute(
            insert(insight_entries).from_select(
                ["member_id", "platform", "community", "listed", "public", "verified", "day"],
                select(
                    entries.c.member_id,
                    entries.c.platform,
                    entries.c.community,
                    listed,
                    public,
                    verified,
                    self._day(),
                )
                .join(members, members.c.id == entries.c.member_id)
                .where(entries.c.community == community),
            )
        )
        parts = insight_entries.c
        await conn.execute(
            insert(insight_members).from_select(
                ["member_id", "community", "listed", "platforms", "public_platforms"],
                select(
                    parts.member_id,
                    parts.community,
                    func.max(cast(parts.listed, Integer)) > 0,
                    func.count(),
                    func.sum(cast(parts.public, Integer)),
                )
                .where(parts.community == community)
                .group_by(parts.member_id, parts.community),
            )
        )
        await conn.execute(
            insert(insight_platforms).from_select(
                ["community", "platform", "listed", "public", "verified"],
                select(parts.community, parts.platform, *_sums(parts.listed, parts.public, parts.verified))
                .where(parts.community == community, parts.listed)
                .group_by(parts.community, parts.platform),
            )
        )
        await conn.execute(
            insert(insight_arrivals).from_select(
                ["community", "day", "platform", "listed", "public"],
                select(parts.community, parts.day, parts.platform, *_sums(parts.listed, parts.public))
                .where(parts.community == community, parts.listed)
                .group_by(parts.community, parts.day, parts.platform),
            )
        )
        who = insight_members.c
        deltas: Counter[tuple[Any, ...]] = Counter()
        for column, name in ((who.platforms, "members"), (who.public_platforms, "public_members")):
            grouped = (
                select(column, func.count())
                .where(who.community == community, who.listed, column > 0)
                .group_by(column)
            )
            for platforms, count in await conn.execute(grouped):
                deltas[(int(platforms), name)] += int(count)
        await self._add_spread(conn, community, deltas)
        return int(watermark)

    def _day(self) -> ColumnElement[str]:
        if self._db.dialect == "sqlite":
            return func.substr(entries.c.created_at, 1, 10)
        return func.to_char(func.timezone("UTC", entries.c.created_at), "YYYY-MM-DD")

    async def _fold(self, conn: AsyncConnection, community: str, watermark: int) -> int:
        rows = (
            await conn.execute(
                select(audit_log.c.id, audit_log.c.member_id, audit_log.c.detail).where(
                    audit_log.c.community == community, audit_log.c.id > watermark - LOOKBACK
                )
            )
        ).all()
        touched: set[int] = set()
        for row in rows:
            watermark = max(watermark, int(row.id))
            if row.member_id is not None:
                touched.add(int(row.member_id))
            absorbed = (row.detail or {}).get("absorbed")
            if absorbed is not None and str(absorbed).isdigit():
                touched.add(int(absorbed))
        if touched:
            await self._refold(conn, community, sorted(touched))
        return watermark

    async def _refold(self, conn: AsyncConnection, community: str, member_ids: Sequence[int]) -> None:
        old = [
            _Part(r.member_id, r.platform, r.listed, r.public, r.verified, r.day)
            for r in await conn.execute(
                select(insight_entries).where(insight_entries.c.member_id.in_(member_ids))
            )
        ]
        current = select(
            entries.c.member_id,
            entries.c.platform,
            entries.c.visibility,
            entries.c.verification,
            entries.c.created_at,
            members.c.hidden,
            members.c.banned,
        ).join(members, members.c.id == entries.c.member_id)
        new = [
            _Part(
                r.member_id,
                r.platform,
                listed := not (r.hidden or r.banned),
                listed and r.visibility == Visibility.PUBLIC.value,
                listed and r.verification != Verification.SELF_REPORTED.value,
                _utc_day(r.created_at),
            )
            for r in await conn.execute(
                current.where(entries.c.member_id.in_(member_ids), entries.c.community == community)
            )
        ]
        old.sort(key=_order)
        new.sort(key=_order)
        if old == new:
            return
        await conn.execute(delete(insight_entries).where(insight_entries.c.member_id.in_(member_ids)))
        await conn.execute(delete(insight_members).where(insight_members.c.member_id.in_(member_ids)))
        if new:
            await conn.execute(
                insert(insight_entries),
                [{"community": community, **_fields(part)} for part in new],
            )
            await conn.execute(
                insert(insight_members),
                [{"community": community, **summary} for summary in _members(new)],
            )
        platforms: Counter[tuple[Any, ...]] = Counter()
        arrivals: Counter[tuple[Any, ...]] = Counter()
        spread: Counter[tuple[Any, ...]] = Counter()
        for sign, parts in ((-1, old), (1, new)):
            for part in parts:
                if not part.listed:
                    continue
                for name in ("listed", "public", "verified"):
                    platforms[(part.platform, name)] += sign * getattr(part, name)
                for name in ("listed", "public"):
                    arrivals[(part.day, part.platform, name)] += sign * getattr(part, name)
            for summary in _members(parts):
                if summary["listed"]:
                    spread[(summary["platforms"], "members")] += sign
                    if summary["public_platforms"]:
                        spread[(summary["public_platforms"], "public_members")] += sign
        await self._add(conn, insight_platforms, community, ("platform",), platforms)
        await self._add(conn, insight_arrivals, community, ("day", "platform"), arrivals)
        await self._add_spread(conn, community, spread)

    async def _add_spread(
        self, conn: AsyncConnection, community: str, deltas: Counter[tuple[Any, ...]]
    ) -> None:
        await self._add(conn, insight_spread, community, ("platforms",), deltas)

    async def _add(
        self,
        conn: AsyncConnection,
        table: Table,
        community: str,
        keys: tuple[str, ...],
        deltas: Counter[tuple[Any, ...]],
    ) -> None:
        """Add ``deltas`` (keyed by the key columns' values and then a count column) to ``table``;
        a row whose counts all reach zero is removed, so the aggregates stay as small as the data."""
        counts = [c.name for c in table.c if c.name not in ("community", *keys)]
        rows: dict[tuple[Any, ...], dict[str, int]] = {}
        for labels, delta in deltas.items():
            if delta:
                rows.setdefault(tuple(labels[:-1]), dict.fromkeys(counts, 0))[labels[-1]] += delta
        maker = sqlite.insert if self._db.dialect == "sqlite" else postgresql.insert
        for key, values in rows.items():
            where = dict(zip(keys, key, strict=True))
            stmt = maker(table).values(community=community, **where, **values)
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community", *keys],
                    set_={name: table.c[name] + stmt.excluded[name] for name in counts},
                )
            )
        match = [table.c.community == community]
        await conn.execute(delete(table).where(*match, *(table.c[name] == 0 for name in counts)))


def _order(part: _Part) -> tuple[int, str]:
    return part.member_id, part.platform


def _sums(*flags: ColumnElement[bool]) -> list[ColumnElement[Any]]:
    return [func.sum(case((flag, 1), else_=0)) for flag in flags]


def _utc_day(moment: datetime) -> str:
    return moment.date().isoformat()  # the column type hands back UTC


def _fields(part: _Part) -> dict[str, Any]:
    return {
        "member_id": part.member_id,
        "platform": part.platform,
        "listed": part.listed,
        "public": part.public,
        "verified": part.verified,
        "day": part.day,
    }


def _members(parts: Iterable[_Part]) -> list[dict[str, Any]]:
    summary: dict[int, dict[str, Any]] = {}
    for part in parts:
        row = summary.setdefault(
            part.member_id,
            {"member_id": part.member_id, "listed": part.listed, "platforms": 0, "public_platforms": 0},
        )
        row["platforms"] += 1
        row["public_platforms"] += int(part.public)
    return list(summary.values())


async def _read(conn: AsyncConnection, community: str, version: int) -> InsightAggregates:
    platforms = await conn.execute(
        select(insight_platforms)
        .where(insight_platforms.c.community == community)
        .order_by(insight_platforms.c.platform)
    )
    spread = await conn.execute(
        select(insight_spread)
        .where(insight_spread.c.community == community)
        .order_by(insight_spread.c.platforms)
    )
    arrivals = await conn.execute(
        select(insight_arrivals)
        .where(insight_arrivals.c.community == community)
        .order_by(insight_arrivals.c.day, insight_arrivals.c.platform)
    )
    return InsightAggregates(
        community=community,
        version=version,
        platforms=tuple(
            PlatformCount(platform=r.platform, listed=r.listed, public=r.public, verified=r.verified)
            for r in platforms
        ),
        spread=tuple(
            Spread(platforms=r.platforms, members=r.members, public_members=r.public_members) for r in spread
        ),
        arrivals=tuple(
            Arrivals(day=date.fromisoformat(r.day), platform=r.platform, listed=r.listed, public=r.public)
            for r in arrivals
        ),
    )

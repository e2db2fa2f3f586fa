"""Migration insights: where the community went, and how fast, from aggregates only.

Platform-independent: every front (Discord, Bluesky, web, console) asks for a :class:`Insights` and
draws it its own way. The numbers come from ``bot.storage.insights``, whose tables are folded from
the audit log; this service caches one read per community and directory version, so a burst of
requests between two changes costs one cheap version check each (an index seek), and a read after a
change costs O(changes) plus O(platforms x days), never a scan of the directory.

Two views of the same aggregates:

- **public** (Bluesky, web page, the member command, announcements): only public entries of
  listed members count, and any count under ``[limits] public_count_minimum`` (default 5) is shown
  as "fewer than N" rather than as a number, so nobody on a small platform is singled out;
- **admin** (``/ferry stats``, the console): exact counts of every listed entry, for private answers.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.config import FerryConfig
from bot.insight_models import InsightAggregates
from bot.services.events import ChangeKind, DirectoryChange
from bot.storage.insights import InsightStore

MAX_SERIES = 6  # lines in the arrivals chart; the rest are summed as "other" (a legend stays legible)
OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformTotal:
    """One platform's handles. ``count`` is None when the view hides it (below the minimum)."""

    key: str
    name: str
    count: int | None
    verified: int | None  # exact views only

    @property
    def sort_key(self) -> tuple[int, str]:
        return -(self.count or 0), self.name.casefold()


@dataclass(frozen=True, slots=True, kw_only=True)
class SpreadBucket:
    """Members holding handles on ``platforms`` platforms; ``members`` None below the minimum."""

    platforms: int
    members: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """Handles per platform arrived by the end of each day (cumulative), one value per ``Insights.days``."""

    key: str
    name: str
    totals: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Insights:
    """What a front shows. Counts a public view may not reveal are None."""

    community: str  # slug
    name: str  # the community's display name
    public: bool
    minimum: int  # counts under it are hidden in a public view
    as_of: datetime
    platforms: tuple[PlatformTotal, ...]  # most handles first; hidden (small) ones last
    spread: tuple[SpreadBucket, ...]  # by number of platforms, ascending
    days: tuple[date, ...]  # first arrival to as_of's day, every day
    series: tuple[Series, ...]  # largest first, at most MAX_SERIES (+ "other")
    members: int  # members (or, in a public view, members with a public handle) counted
    handles: int  # handles shown in the bars (hidden small counts left out)
    deadline: datetime | None

    def share_moved(self, population: int | None) -> float | None:
        """The share of ``population`` (say, the Discord server's member count) with any handle."""
        if not population or population <= 0:
            return None
        return min(1.0, self.members / population)

    def time_elapsed(self) -> float | None:
        """How far the move has come from its first arrival toward the deadline, 0..1 (None: no deadline)."""
        if self.deadline is None or not self.days:
            return None
        start = datetime.combine(self.days[0], datetime.min.time(), tzinfo=self.as_of.tzinfo)
        whole = (self.deadline - start).total_seconds()
        if whole <= 0:
            return 1.0
        return max(0.0, min(1.0, (self.as_of - start).total_seconds() / whole))

    def top(self, n: int = 3) -> tuple[PlatformTotal, ...]:
        """The ``n`` platforms with the most handles that the view may show."""
        return tuple(p for p in self.platforms if p.count)[:n]


class InsightService:
    """Builds :class:`Insights` for the fronts, caching the aggregates per directory version."""

    def __init__(
        self, *, store: InsightStore, config: Callable[[], FerryConfig], clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._cache: dict[str, tuple[tuple[int, int], InsightAggregates]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._views: dict[tuple[str, bool], tuple[tuple[int, int, date], InsightAggregates, Insights]] = {}

    async def aggregates(self, community: str) -> InsightAggregates:
        """The community's aggregates, read again only when the audit log moved on."""
        version = await self._store.insight_version(community=community)
        cached = self._cache.get(community)
        if cached is not None and cached[0] == version:
            return cached[1]
        async with self._locks.setdefault(community, asyncio.Lock()):
            cached = self._cache.get(community)
            if cached is not None and cached[0] == version:
                return cached[1]
            read = await self._store.read_insights(community=community, now=self._clock())
            self._cache[community] = (version, read)
            return read

    async def on_change(self, change: DirectoryChange) -> None:
        """Fold a forget at once (a change-feed listener), so the forgotten member's rows leave the
        aggregate tables now rather than at the next read; other changes wait for a read."""
        if change.kind is ChangeKind.MEMBER_FORGOTTEN:
            await self.aggregates(change.community)

    async def public(self, community: str) -> Insights:
        """Public entries only, small counts hidden."""
        return await self._cached_view(community, public=True)

    async def admin(self, community: str) -> Insights:
        """Every listed entry, exact counts: for private answers to admins."""
        return await self._cached_view(community, public=False)

    async def _cached_view(self, community: str, *, public: bool) -> Insights:
        # A view is rebuilt when the directory, the config (a reload) or the day changed.
        read = await self.aggregates(community)
        key = (read.version, id(self._config()), self._clock().date())
        cached = self._views.get((community, public))
        if cached is not None and cached[0] == key and cached[1] is read:
            return cached[2]
        view = self._view(community, read, public=public)
        self._views[(community, public)] = (key, read, view)
        return view

    def _view(self, community: str, read: InsightAggregates, *, public: bool) -> Insights:
        config = self._config()
        settings = config.community(community)
        minimum = config.limits.public_count_minimum if public else 0
        now = self._clock()

        def name(key: str) -> str:
            spec = config.catalogue.get(key)
            return spec.display_name if spec is not None else key

        def shown(count: int) -> int | None:
            return count if count >= minimum else None

        platforms = sorted(
            (
                PlatformTotal(
                    key=p.platform,
                    name=name(p.platform),
                    count=shown(p.public if public else p.listed),
                    verified=None if public else p.verified,
                )
                for p in read.platforms
                if (p.public if public else p.listed) > 0
            ),
            key=lambda p: (p.count is None, *p.sort_key),
        )
        spread = tuple(
            SpreadBucket(platforms=s.platforms, members=shown(s.public_members if public else s.members))
            for s in read.spread
            if (s.public_members if public else s.members) > 0
        )
        days, series = _series(read, public=public, visible={p.key for p in platforms if p.count}, today=now)
        return Insights(
            community=settings.slug,
            name=settings.name,
            public=public,
            minimum=minimum,
            as_of=now,
            platforms=tuple(platforms),
            spread=spread,
            days=days,
            series=tuple(Series(key=k, name=OTHER if k == OTHER else name(k), totals=t) for k, t in series),
            members=sum(s.public_members if public else s.members for s in read.spread),
            handles=sum(p.count or 0 for p in platforms),
            deadline=settings.deadline,
        )


def top_platforms(counts: Mapping[str, int], *, name: Callable[[str], str], minimum: int, n: int = 3) -> str:
    """ "RedNote 412 · Bluesky 380 · Lemon8 95": the ``n`` largest counts of at least ``minimum``."""
    shown = sorted(((c, k) for k, c in counts.items() if c >= minimum), key=lambda ck: (-ck[0], ck[1]))
    return " · ".join(f"{name(key)} {count}" for count, key in shown[:n])


def _series(
    read: InsightAggregates, *, public: bool, visible: set[str], today: datetime
) -> tuple[tuple[date, ...], list[tuple[str, tuple[int, ...]]]]:
    """Cumulative arrivals per visible platform, one value per day from the first arrival to today."""
    rows = [
        (row.day, row.platform, row.public if public else row.listed)
        for row in read.arrivals
        if row.platform in visible
    ]
    rows = [row for row in rows if row[2]]
    if not rows:
        return (), []
    first = min(day for day, _, _ in rows)
    last = max(today.date(), max(day for day, _, _ in rows))
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    daily: dict[str, list[int]] = {}
    for day, platform, count in rows:
        daily.setdefault(platform, [0] * len(days))[(day - first).days] += count
    ranked = sorted(daily, key=lambda key: (-sum(daily[key]), key))
    kept, rest = ranked[:MAX_SERIES], ranked[MAX_SERIES:]
    groups = [(key, daily[key]) for key in kept]
    if rest:
        groups.append((OTHER, [sum(values) for values in zip(*(daily[k] for k in rest), strict=True)]))
    return days, [(key, tuple(itertools.accumulate(values))) for key, values in groups]

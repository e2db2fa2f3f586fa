"""What a community has planned: each schedule's next occurrences and the latest recorded runs.

Shared by ``/ferry schedule`` and ``ferry schedule``; each front words and formats it itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.config import Community
from bot.config.schedule import Schedule
from bot.models import AnnouncementRun
from bot.services.schedule import Plan

UPCOMING = 3  # next occurrences shown per schedule
RECENT = 10  # latest runs shown per community


class RunHistory(Protocol):
    """The part of the repository this needs (``bot.storage.announcements``)."""

    async def recent_runs(self, *, community: str, limit: int = ...) -> list[AnnouncementRun]:
        """The community's newest recorded runs, newest first."""
        ...


@dataclass(frozen=True, slots=True)
class PlannedSchedule:
    """One schedule, how it ends, and its next occurrences (empty once it is over)."""

    schedule: Schedule
    end: datetime | None
    end_inclusive: bool
    upcoming: tuple[datetime, ...]


@dataclass(frozen=True, slots=True)
class ScheduleOverview:
    """A community's schedules in config order, and its latest runs, newest first."""

    community: Community
    schedules: tuple[PlannedSchedule, ...]
    runs: tuple[AnnouncementRun, ...]


async def schedule_overview(
    runs: RunHistory,
    community: Community,
    now: datetime,
    *,
    upcoming: int = UPCOMING,
    recent: int = RECENT,
) -> ScheduleOverview:
    """The plan of ``community`` as seen at ``now``."""
    planned = []
    for schedule in community.schedules:
        plan = Plan.of(schedule, community.deadline)
        planned.append(
            PlannedSchedule(schedule, plan.end, plan.end_inclusive, tuple(plan.upcoming(now, upcoming)))
        )
    latest = await runs.recent_runs(community=community.slug, limit=recent)
    return ScheduleOverview(community, tuple(planned), tuple(latest))


__all__ = ["PlannedSchedule", "ScheduleOverview", "schedule_overview"]

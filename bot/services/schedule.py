"""When a scheduled announcement is due: pure occurrence math, wall-clock time in a zone to UTC instants.

No I/O and no clock: every function takes the instants it compares, so the scheduler and the tests
decide what "now" is. All instants returned are aware UTC datetimes computed only from the config,
so two processes get exactly the same value for an occurrence (it is part of a primary key).

Daylight saving: a daily time is a wall-clock time, so 18:00 stays 18:00 local when the offset
changes. On spring-forward day a wall time the clock skips (02:30 in New York on 2026-03-08) is due
at the first instant after the gap (03:00 local); on fall-back day a wall time that happens twice
(01:30 on 2026-11-01) is due once, the first time (``fold=0``).

Ends: ``start`` and ``until`` are inclusive; the community's deadline, used when ``until`` is not
given, is exclusive, because the old home is closed at that instant. ``at`` times are used as
written, whatever the deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config.schedule import Schedule

_DAY = timedelta(days=1)


def wall_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant the wall clock in ``zone`` shows ``at`` on ``day``, resolved as the module says."""
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of two on fall-back day
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # In a gap the two folds map the wall time through the offsets before and after the change;
    # the change itself lies between them, and it is the first instant the clock shows after the gap.
    low, high = sorted((local.replace(fold=0).astimezone(UTC), local.replace(fold=1).astimezone(UTC)))
    after = high.astimezone(zone).utcoffset()
    lo, hi = 0, int((high - low).total_seconds())
    while lo < hi:  # the first second whose offset is the one after the change
        mid = (lo + hi) // 2
        if (low + timedelta(seconds=mid)).astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid + 1
    return low + timedelta(seconds=lo)


@dataclass(frozen=True, slots=True)
class Plan:
    """A schedule's occurrences, with its end settled (its own ``until`` or the community's deadline)."""

    schedule: Schedule
    end: datetime | None
    end_inclusive: bool

    @classmethod
    def of(cls, schedule: Schedule, deadline: datetime | None) -> Plan:
        """The plan of ``schedule`` in a community whose old home closes at ``deadline`` (if any)."""
        if schedule.until is not None:
            return cls(schedule, schedule.until.astimezone(UTC), end_inclusive=True)
        if schedule.daily is not None and deadline is not None:
            return cls(schedule, deadline.astimezone(UTC), end_inclusive=False)
        return cls(schedule, None, end_inclusive=True)

    def _in_range(self, instant: datetime) -> bool:
        start = self.schedule.start
        if start is not None and instant < start:
            return False
        if self.end is None:
            return True
        return instant <= self.end if self.end_inclusive else instant < self.end

    def _daily(self, first: date, step: timedelta) -> Iterator[datetime]:
        at, zone = self.schedule.daily, self.schedule.zone
        assert at is not None
        day = first
        while True:
            yield wall_to_utc(day, at, zone)
            day += step

    def upcoming(self, after: datetime, count: int) -> list[datetime]:
        """The next ``count`` occurrences strictly after ``after``, earliest first."""
        if self.schedule.daily is None:
            return [t for t in self.schedule.times if t > after and self._in_range(t)][:count]
        start = self.schedule.start
        lower = max(after, start) if start is not None else after
        found: list[datetime] = []
        # From the day before in local time: an occurrence early on a local day can be the previous
        # UTC day, and the check below drops what is too early.
        for instant in self._daily(lower.astimezone(self.schedule.zone).date() - _DAY, _DAY):
            if len(found) == count or (self.end is not None and instant > self.end):
                break
            if instant > after and self._in_range(instant):
                found.append(instant)
        return found

    def between(self, after: datetime | None, upto: datetime, limit: int) -> list[datetime]:
        """The last ``limit`` occurrences in ``(after, upto]``, earliest first; ``after`` None: unbounded."""
        if self.schedule.daily is None:
            due = [t for t in self.schedule.times if (after is None or t > after) and t <= upto]
            return due[-limit:] if limit > 0 else []
        upper = min(upto, self.end) if self.end is not None else upto
        start = self.schedule.start
        found: list[datetime] = []
        for instant in self._daily(upper.astimezone(self.schedule.zone).date() + _DAY, -_DAY):
            if len(found) >= limit or (after is not None and instant <= after):
                break
            if start is not None and instant < start:
                break
            if instant <= upto and self._in_range(instant):
                found.append(instant)
        return found[::-1]

    def finished(self, now: datetime) -> bool:
        """Whether no occurrence is left after ``now``."""
        return not self.upcoming(now, 1)


__all__ = ["Plan", "wall_to_utc"]

"""``[[communities.schedules]]``: announcements the bot posts on its own, daily or at given times.

A schedule is either ``daily = "18:00"`` in a named ``timezone`` (IANA, e.g. "America/New_York"),
optionally between ``start`` and ``until``, or ``at = [...]`` explicit offset date-times. The wall
time is kept as written and turned into instants by ``bot.services.schedule``, so 18:00 stays 18:00
local across daylight-saving changes.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, time
from functools import cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from bot.config.announce import AnnouncementTemplate
from bot.config.fields import check_visible, invalid
from bot.config.problems import did_you_mean

SCHEDULE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_AT = 100  # explicit times per schedule; more is a daily schedule written out by hand
MAX_SCHEDULES = 20  # per community; each is checked every minute and listed by /ferry schedule
DEFAULT_GRACE_MINUTES = 60
_DAILY_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_GRACE_MINUTES = 24 * 60
_TIMEZONE_EXAMPLE = 'an IANA time zone name such as "America/New_York", "Europe/Berlin" or "UTC"'


def _schedule_name(value: str) -> str:
    if not SCHEDULE_NAME_RE.fullmatch(value):
        raise invalid(
            "is not a valid schedule name",
            "1-32 characters: lower-case a-z, digits, '-' or '_', not starting with '-' or '_', "
            'e.g. "daily-reminder"',
        )
    return value


def _daily(value: Any) -> Any:
    # A TOML local time (18:00:00) is accepted as well as the text "18:00".
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise invalid("the daily time must not carry an offset", 'set the zone with timezone = "..."')
        if value.second or value.microsecond:
            raise invalid("the daily time has seconds", 'write hours and minutes only, e.g. daily = "18:00"')
        return value
    if not isinstance(value, str):
        raise invalid("expected a time of day in quotes", 'write it as daily = "18:00" (24-hour clock)')
    match = _DAILY_RE.fullmatch(value.strip())
    if match is None:
        raise invalid("is not a time of day", 'write HH:MM on a 24-hour clock, e.g. daily = "18:00"')
    return time(int(match[1]), int(match[2]))


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: str) -> str:
    name = value.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        if not _zone_names():
            raise invalid(
                "cannot be checked: this system has no time zone database",
                "install it (Debian: apt-get install tzdata; or pip install tzdata)",
            ) from None
        # did_you_mean only names a real zone, never repeats what was typed.
        raise invalid(
            "is not a known time zone", did_you_mean(name, _zone_names()) + _TIMEZONE_EXAMPLE
        ) from None
    return name


def _lines_visible(value: str) -> str:
    # Line breaks are how a message or template is laid out; anything else invisible is refused.
    for line in value.splitlines():
        check_visible(line)
    return value


def _grace(value: int) -> int:
    if not 0 <= value <= MAX_GRACE_MINUTES:
        raise invalid(
            f"must be between 0 and {MAX_GRACE_MINUTES} minutes",
            "0 posts only on time; 60 also posts one missed by up to an hour while the bot was down",
        )
    return value


ScheduleName = Annotated[str, AfterValidator(_schedule_name)]
DailyTime = Annotated[time, BeforeValidator(_daily)]
GraceMinutes = Annotated[int, AfterValidator(_grace)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
# The announcement service's own cap on a message (bot.services.announcements.MAX_MESSAGE_LENGTH,
# checked by a test); not imported because the services import the config.
MAX_MESSAGE_LENGTH = 1000
Message = Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_LENGTH), AfterValidator(_lines_visible)]


class Schedule(BaseModel):
    """One scheduled announcement of a community.

    Ends: ``start`` and ``until`` are inclusive (an occurrence exactly at ``until`` is posted). With
    no ``until`` a daily schedule stops before the community's ``deadline`` (exclusive: the old home
    is closed by then), and runs on without end when there is no deadline either. ``at`` times are
    posted as written, even after the deadline (a "we have moved" note is a reason to schedule one).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ScheduleName
    daily: DailyTime | None = None
    timezone: TimeZoneName | None = None
    start: AwareDatetime | None = None
    until: AwareDatetime | None = None
    at: Annotated[tuple[AwareDatetime, ...], Field(max_length=MAX_AT)] = ()
    template: AnnouncementTemplate | None = None  # overrides the community's announcement template
    message: Message | None = None  # the {message} of the template, like /ferry announce's
    # How late a missed occurrence (the bot was down) may still be posted; later it is skipped.
    grace_minutes: GraceMinutes = DEFAULT_GRACE_MINUTES

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        if self.daily is None and not self.at:
            raise invalid(
                "says neither when (daily) nor at which times (at)",
                'add daily = "18:00" with timezone = "America/New_York", or at = [2026-01-18T18:00:00-05:00]',
            )
        if self.daily is not None and self.at:
            raise invalid("has both daily and at", "split it into two schedules with their own names")
        if self.daily is not None and self.timezone is None:
            raise invalid("daily needs a timezone", f"add timezone = ..., {_TIMEZONE_EXAMPLE}")
        if self.daily is None:
            extra = [key for key in ("timezone", "start", "until") if getattr(self, key) is not None]
            if extra:
                raise invalid(
                    f"{', '.join(extra)} only apply to a daily schedule",
                    "each time in at already has its own offset and end; remove " + ", ".join(extra),
                )
            instants = [moment.astimezone(UTC) for moment in self.at]
            if len(set(instants)) != len(instants):
                raise invalid("at lists the same moment twice", "remove the repeated date-time")
        if self.start is not None and self.until is not None and self.until < self.start:
            raise invalid("until is before start", "swap them, or remove until to stop at the deadline")
        return self

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The time zone of a daily schedule (UTC for an ``at`` schedule, whose times carry offsets)."""
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else zoneinfo.ZoneInfo("UTC")

    @property
    def times(self) -> tuple[datetime, ...]:
        """The ``at`` times in UTC, earliest first."""
        return tuple(sorted(moment.astimezone(UTC) for moment in self.at))


def check_unique_names(schedules: tuple[Schedule, ...]) -> tuple[Schedule, ...]:
    """A community's schedules, refused when two share a name (runs are recorded by name)."""
    seen: set[str] = set()
    for schedule in schedules:
        if schedule.name in seen:
            raise invalid(
                f"schedule name {schedule.name!r} is used twice",
                "give each schedule of a community its own name",
            )
        seen.add(schedule.name)
    return schedules


Schedules = Annotated[
    tuple[Schedule, ...], Field(max_length=MAX_SCHEDULES), AfterValidator(check_unique_names)
]


__all__ = ["DEFAULT_GRACE_MINUTES", "SCHEDULE_NAME_RE", "Schedule", "Schedules"]

"""Time travel for the scheduler tests: a clock that only moves when the scheduler sleeps."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import FerryConfig, load_config
from bot.services.announcements import Announcement, Delivery
from bot.services.scheduler import Scheduler, run_key
from bot.storage.repository import Repository

EVENING_NY = """
[[communities.schedules]]
name = "evening"
daily = "18:00"
timezone = "America/New_York"
message = "hello"
"""


def utc(*args: int) -> datetime:
    """A moment in UTC, shorter to read in the tests."""
    return datetime(*args, tzinfo=UTC)


def keys(*dues: datetime, name: str = "evening") -> list[str]:
    """The idempotency keys of the demo community's occurrences."""
    return [run_key("demo", name, due) for due in dues]


class StopTravelError(Exception):
    """Raised by the fake sleep when the test's end of time is reached."""


@dataclass
class TimeMachine:
    """``now`` advances by what the scheduler asks to sleep (plus ``oversleep``, as a real event loop
    wakes a little late); no real time passes."""

    now: datetime
    stop_at: datetime | None = None
    naps: list[float] = field(default_factory=list)
    oversleep: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.naps.append(seconds)
        self.now += timedelta(seconds=seconds) + self.oversleep
        if self.stop_at is not None and self.now >= self.stop_at:
            raise StopTravelError


@dataclass
class Posted:
    community: str
    key: str
    text: str
    at: datetime
    publisher: str = "discord"


@dataclass
class FakeAnnouncer:
    """Records every publish, per publisher, with the (fake) time it happened.

    ``failures`` fail every publisher of the next publishes in turn; ``failing`` fails one
    publisher's next publishes in turn (its own queue), so fronts can disagree.
    """

    clock: TimeMachine
    posted: list[Posted] = field(default_factory=list)
    fail: bool = False
    names: tuple[str, ...] = ("discord",)
    failures: list[str] = field(default_factory=list)  # the error of each next publish, in turn
    failing: dict[str, list[str]] = field(default_factory=dict)
    attempts: list[tuple[str, datetime]] = field(default_factory=list)
    tried: list[tuple[str, ...]] = field(default_factory=list)  # the publishers of each publish
    composed: int = 0

    async def compose(
        self, community: str, message: str | None = None, template: str | None = None
    ) -> Announcement:
        self.composed += 1  # like {count} or {countdown}, the text changes every time
        return Announcement(
            community=community, text=f"{template or '{message}'}|{message}|{self.composed}", links=()
        )

    async def publish(
        self, announcement: Announcement, *, key: str, only: Collection[str] | None = None
    ) -> list[Delivery]:
        if self.fail:
            raise RuntimeError("publisher exploded")
        self.attempts.append((key, self.clock()))
        names = tuple(name for name in self.names if only is None or name in only)
        self.tried.append(names)
        shared = self.failures.pop(0) if self.failures else None
        deliveries = []
        for name in names:
            queue = self.failing.get(name)
            error = shared or (queue.pop(0) if queue else None)
            if error is not None:
                deliveries.append(Delivery(publisher=name, ok=False, where="", error=error))
                continue
            self.posted.append(Posted(announcement.community, key, announcement.text, self.clock(), name))
            deliveries.append(Delivery(publisher=name, ok=True, where=f"https://{name}.example/1"))
        return deliveries

    def publishers(self) -> tuple[str, ...]:
        return self.names

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.posted]


def config(tmp_path: Path, schedules: str, *, deadline: str | None = None) -> FerryConfig:
    """A one-community config ("demo") with the given ``[[communities.schedules]]`` tables."""
    head = '[[communities]]\nslug = "demo"\nname = "Demo"\n'
    if deadline:
        head += f"deadline = {deadline}\n"
    path = tmp_path / "schedule.toml"
    path.write_text(head + textwrap.dedent(schedules), encoding="utf-8")
    return load_config(path)


def scheduler(
    repository: Repository,
    announcer: FakeAnnouncer,
    clock: TimeMachine,
    cfg: FerryConfig | Callable[[], FerryConfig],
) -> Scheduler:
    """A scheduler in fake time; ``cfg`` may be a callable, like ``App.config``, to test a reload."""
    holder = cfg if callable(cfg) else lambda: cfg
    return Scheduler(runs=repository, announcer=announcer, config=holder, clock=clock, sleep=clock.sleep)


async def run_until(scheduler: Scheduler, clock: TimeMachine, end: datetime) -> None:
    """Let the scheduler's loop run (sleeping in fake time) until ``end``."""
    clock.stop_at = end
    try:
        await scheduler.run()
    except StopTravelError:
        return
    raise AssertionError("the scheduler loop returned")

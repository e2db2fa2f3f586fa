"""A client-side budget for Bluesky's per-account write limits, kept below the server's.

Bluesky counts write points per account (create 3, update 2, delete 1) against 5,000 an hour and
35,000 a day. Tripping that limit blocks every write of the account, including a person posting by
hand, so the bot spends from a smaller budget of its own and waits when it is short: a reply is
delayed, never dropped. Spending is counted per minute and survives restarts (``snapshot``/``restore``),
so a crash loop cannot start from a full budget each time.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)

CREATE = 3
UPDATE = 2
DELETE = 1

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class StateStore(Protocol):
    async def get_state(self, key: str) -> str | None: ...

    async def set_state(self, key: str, value: str, now: datetime) -> None: ...


def _minute(at: datetime) -> int:
    return int(at.timestamp() // 60)


class WriteBudget:
    """Points spent per minute over the last day, checked against an hourly and a daily cap."""

    def __init__(self, *, per_hour: int, per_day: int) -> None:
        if per_hour < CREATE or per_day < CREATE:
            raise ValueError("a budget must allow at least one post")
        self.per_hour = per_hour
        self.per_day = per_day
        self._spent: dict[int, int] = {}  # minute number → points

    def _forget_old(self, now: datetime) -> None:
        oldest = _minute(now - DAY)
        for minute in [m for m in self._spent if m <= oldest]:
            del self._spent[minute]

    def _used(self, now: datetime, window: timedelta) -> int:
        start = _minute(now - window)
        return sum(points for minute, points in self._spent.items() if minute > start)

    def wait_for(self, points: int, now: datetime) -> float:
        """Seconds until ``points`` fit in both windows (0 when they fit now)."""
        if points > self.per_hour:
            raise ValueError(f"{points} points never fit in a budget of {self.per_hour} an hour")
        self._forget_old(now)
        waits = [0.0]
        for window, cap in ((HOUR, self.per_hour), (DAY, self.per_day)):
            excess = self._used(now, window) + points - cap
            if excess <= 0:
                continue
            # Walk the window's minutes oldest first until enough points have aged out of it.
            freed = 0
            for minute in sorted(m for m in self._spent if m > _minute(now - window)):
                freed += self._spent[minute]
                if freed >= excess:
                    ages_out = datetime.fromtimestamp((minute + 1) * 60, tz=now.tzinfo) + window
                    waits.append(max((ages_out - now).total_seconds(), 1.0))
                    break
        return max(waits)

    def try_spend(self, points: int, now: datetime) -> float:
        """Spend ``points`` if they fit and return 0; otherwise spend nothing and return the wait."""
        wait = self.wait_for(points, now)
        if wait == 0:
            minute = _minute(now)
            self._spent[minute] = self._spent.get(minute, 0) + points
        return wait

    def remaining_hour(self, now: datetime) -> int:
        """Points still free in the current hour."""
        return max(0, min(self.per_hour - self._used(now, HOUR), self.per_day - self._used(now, DAY)))

    def snapshot(self) -> str:
        return json.dumps(sorted(self._spent.items()))

    def restore(self, text: str | None, now: datetime) -> None:
        """Take back what a previous run spent; unreadable state counts as nothing spent."""
        try:
            pairs = json.loads(text) if text else []
            self._spent = {int(minute): int(points) for minute, points in pairs}
        except (ValueError, TypeError):
            self._spent = {}
        self._forget_old(now)


class BudgetKeeper:
    """Spending from one :class:`WriteBudget` for every writer of the front, persisted after each spend."""

    KEY = "bluesky.budget"

    def __init__(
        self,
        budget: WriteBudget,
        *,
        store: StateStore,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.budget = budget
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()  # one writer waits at a time, in arrival order

    async def restore(self) -> None:
        self.budget.restore(await self._store.get_state(self.KEY), self._clock())

    async def spend(self, points: int) -> None:
        """Take ``points``, waiting (never dropping the write) while the budget is short."""
        async with self._lock:
            while (wait := self.budget.try_spend(points, self._clock())) > 0:
                log.info("bluesky write budget short; waiting", extra={"seconds": round(wait)})
                await self._sleep(wait)
            await self._store.set_state(self.KEY, self.budget.snapshot(), self._clock())

"""Posting scheduled announcements on time, at most once, across restarts and concurrent processes.

Each pass reads the config in force (so a reload applies at the next pass), and for every schedule
looks at the occurrences due since the newest one recorded. Every occurrence is recorded in
``announcement_runs`` before anything is posted: the row's primary key is the claim, so of two
processes (or a restarted one) exactly one posts it.

- Only the newest due occurrence is posted; older ones that were missed are recorded ``skipped``
  (a burst of last week's reminders helps nobody).
- It is posted only while at most ``grace_minutes`` late; later it is recorded ``skipped`` and logged.
- A publisher that failed for a passing reason (network, rate limit) is tried again within the
  grace, alone, with the same idempotency key and text; anything else is recorded and left to an
  admin. A publisher the community does not use ("disabled", "no_channel") is no failure at all.
- Occurrences before the schedule was first seen by any process (remembered in ``kv_state``) are
  not missed, they predate it: a schedule added at 20:00 does not record today's 18:00 as skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.config import Community, FerryConfig
from bot.config.schedule import Schedule
from bot.errors import FerryError
from bot.models import AnnouncementRun, RunState
from bot.services.announcements import Announcement, Delivery, urls_in
from bot.services.schedule import Plan
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

POLL_SECONDS = 30.0  # the longest sleep, so a reloaded config is seen within half a minute
BACKLOG = 50  # missed occurrences recorded per schedule and pass; the rest are never looked at
# A claim this old was left by a process that stopped while posting (nothing takes this long).
STALE_CLAIM = timedelta(minutes=15)
MAX_ATTEMPTS = 3  # of a run whose every failure was a passing one, while within its grace
RETRY_AFTER = timedelta(minutes=1)
STALE_CHECK = timedelta(hours=1)  # how often claims left unfinished are looked for (and at start)
_NEVER = datetime.min.replace(tzinfo=UTC)


class Announcer(Protocol):
    """What the scheduler needs of ``bot.services.announcements.AnnouncementService``."""

    async def compose(
        self, community: str, message: str | None = None, template: str | None = None
    ) -> Announcement:
        """The community's announcement text."""
        ...

    async def publish(
        self, announcement: Announcement, *, key: str, only: Collection[str] | None = None
    ) -> list[Delivery]:
        """Send it through every publisher (or those in ``only``); ``key`` makes a retry idempotent."""
        ...

    def publishers(self) -> tuple[str, ...]:
        """Names of the publishers registered now."""
        ...


def _deliveries(detail: dict[str, object]) -> dict[str, Delivery]:
    """Each publisher's latest outcome as recorded in a run's detail, by publisher name."""
    recorded = detail.get("deliveries")
    out: dict[str, Delivery] = {}
    for item in recorded if isinstance(recorded, list) else []:
        if isinstance(item, dict) and isinstance(item.get("publisher"), str):
            error = item.get("error")
            out[item["publisher"]] = Delivery(
                publisher=item["publisher"],
                ok=item.get("ok") is True,
                where=str(item.get("where") or ""),
                error=error if isinstance(error, str) else None,
            )
    return out


def run_key(community: str, schedule: str, due: datetime) -> str:
    """The idempotency key of one occurrence, handed to the publishers.

    The community is part of it: publishers remember keys across communities (one Bluesky account
    posts for all of them, and derives record keys from this), so two communities' "evening"
    schedules due at the same instant must not look like one announcement.
    """
    return f"schedule:{community}:{schedule}:{due.isoformat()}"


class Scheduler:
    """Runs every configured schedule; ``clock`` and ``sleep`` are injected so tests travel in time."""

    def __init__(
        self,
        *,
        runs: Repository,
        announcer: Announcer,
        config: Callable[[], FerryConfig],
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._runs = runs
        self._announcer = announcer
        self._config = config
        self._clock = clock
        self._sleep = sleep
        self._poll = poll_seconds
        self._reported: set[tuple[str, str, datetime]] = set()  # stale claims already logged
        self._waiting: set[tuple[str, str, datetime]] = set()  # occurrences logged as waiting
        # When each schedule was last looked up in the database: a pass in which nothing came due
        # since then costs no query. The first pass of a process always asks (a restart).
        self._checked: dict[tuple[str, str], datetime] = {}
        self._stale_checked: dict[str, datetime] = {}

    async def run(self) -> None:
        """Check, then sleep until the next occurrence (at most ``poll_seconds``); until cancelled."""
        log.info("scheduler started", extra={"schedules": self.count()})
        while True:
            next_due: datetime | None = None
            try:
                await self.tick()
                next_due = self.next_due(self._clock())
            except Exception:
                # A database hiccup must not stop the bot's other fronts; the next pass retries,
                # and the claim rows keep a retry from posting twice.
                log.exception("scheduler pass failed")
            wait = self._poll
            if next_due is not None:
                wait = min(wait, max((next_due - self._clock()).total_seconds(), 0.0))
            await self._sleep(wait)

    def count(self) -> int:
        """How many schedules the config in force has."""
        return sum(len(c.schedules) for c in self._config().communities.values())

    def next_due(self, now: datetime) -> datetime | None:
        """The earliest occurrence of any schedule after ``now``."""
        upcoming = [
            due
            for community in self._config().communities.values()
            for schedule in community.schedules
            for due in Plan.of(schedule, community.deadline).upcoming(now, 1)
        ]
        return min(upcoming, default=None)

    async def tick(self) -> list[AnnouncementRun]:
        """One pass over every schedule; the runs this process recorded, in order."""
        now = self._clock()
        recorded: list[AnnouncementRun] = []
        for community in self._config().communities.values():
            for schedule in community.schedules:
                recorded += await self._schedule(community, schedule, now)
            if community.schedules and self._stale_checked.get(community.slug, _NEVER) <= now - STALE_CHECK:
                self._stale_checked[community.slug] = now
                await self._report_stale(community.slug)
        return recorded

    async def _schedule(
        self, community: Community, schedule: Schedule, now: datetime
    ) -> list[AnnouncementRun]:
        plan = Plan.of(schedule, community.deadline)
        seen = (community.slug, schedule.name)
        checked = self._checked.get(seen)
        if checked is not None and not plan.between(checked, now, 1):
            return []  # nothing came due since the last pass: no need to ask the database
        latest = await self._runs.latest_run(community=community.slug, schedule=schedule.name)
        since = latest.due_at if latest else await self._first_seen(community.slug, schedule.name, now)
        due = plan.between(since, now, BACKLOG)
        if due:
            recorded, settled = await self._record(community.slug, schedule, due, now)
        elif latest is not None and self._retry_pending(latest, schedule, now):
            recorded, settled = await self._retry(community.slug, schedule, latest, now), False
        else:
            recorded, settled = [], True
        if recorded and self._retry_pending(recorded[-1], schedule, now):
            settled = False
        # Only once all went through: after a database error, while no publisher is there yet, or
        # while a passing failure may still be retried, the next pass asks again.
        if settled:
            self._checked[seen] = now
        return recorded

    async def _first_seen(self, community: str, schedule: str, now: datetime) -> datetime:
        key = f"schedule.since:{community}:{schedule}"
        stored = await self._runs.get_state(key)
        if stored is not None:
            return datetime.fromisoformat(stored)
        # The config may have been in force since just after the previous pass (a reload is seen
        # at the next one), so an occurrence in between is this schedule's, not from before it.
        since = now - timedelta(seconds=self._poll)
        await self._runs.set_state(key, since.isoformat(), now)
        return since

    async def _record(
        self, community: str, schedule: Schedule, due: list[datetime], now: datetime
    ) -> tuple[list[AnnouncementRun], bool]:
        """Record what is due; False when the newest waits for a publisher to register."""
        *missed, newest = due
        recorded = []
        for old in missed:
            run = await self._skip(community, schedule.name, old, now, reason="superseded")
            recorded += [run] if run else []
        if recorded:  # one line for the lot: a week offline must not bury the log in warnings
            log.warning(
                "scheduled announcements skipped",
                extra={
                    "community": community,
                    "schedule": schedule.name,
                    "reason": "superseded",
                    "count": len(recorded),
                    "first_due": recorded[0].due_at.isoformat(),
                    "last_due": recorded[-1].due_at.isoformat(),
                },
            )
        if not self._in_grace(newest, schedule, now):
            minutes = int((now - newest).total_seconds() // 60)
            run = await self._skip(community, schedule.name, newest, now, reason="late", minutes_late=minutes)
        elif not self._announcer.publishers():
            # The fronts register their publishers once connected, which at start-up can be after
            # the first pass; the occurrence waits (within its grace) rather than failing.
            if (community, schedule.name, newest) not in self._waiting:
                self._waiting.add((community, schedule.name, newest))
                log.info(
                    "scheduled announcement waits for a publisher",
                    extra={"community": community, "schedule": schedule.name, "due": newest.isoformat()},
                )
            return recorded, False
        else:
            run = await self._post(community, schedule, newest)
        return recorded + ([run] if run else []), True

    async def _skip(
        self, community: str, schedule: str, due: datetime, now: datetime, **detail: str | int
    ) -> AnnouncementRun | None:
        if not await self._runs.claim_run(
            community=community, schedule=schedule, due_at=due, now=now, state=RunState.SKIPPED, detail=detail
        ):
            return None  # another process recorded it first
        if detail.get("reason") != "superseded":
            log.warning(
                "scheduled announcement skipped",
                extra={"community": community, "schedule": schedule, "due": due.isoformat(), **detail},
            )
        return AnnouncementRun(
            community=community,
            schedule=schedule,
            due_at=due,
            state=RunState.SKIPPED,
            updated_at=now,
            detail=dict(detail),
        )

    def _retry_pending(self, run: AnnouncementRun, schedule: Schedule, now: datetime) -> bool:
        """Whether some publisher failed for a passing reason, with attempts and grace left."""
        attempt = run.detail.get("attempt")
        return (
            run.state in (RunState.FAILED, RunState.POSTED)
            and run.detail.get("retryable") is True
            and isinstance(attempt, int)
            and attempt < MAX_ATTEMPTS
            and self._in_grace(run.due_at, schedule, now)
        )

    def _in_grace(self, due: datetime, schedule: Schedule, now: datetime) -> bool:
        # One poll interval of slack: the loop wakes a little after the due time (and posting an
        # earlier schedule takes a while), so a grace of 0 would otherwise skip every post.
        return now - due <= timedelta(minutes=schedule.grace_minutes, seconds=self._poll)

    async def _retry(
        self, community: str, schedule: Schedule, failed: AnnouncementRun, now: datetime
    ) -> list[AnnouncementRun]:
        if now - failed.updated_at < RETRY_AFTER:
            return []
        if not await self._runs.retry_run(
            community=community, schedule=schedule.name, due_at=failed.due_at, now=now
        ):
            return []  # another process is retrying it
        attempt = failed.detail.get("attempt")
        assert isinstance(attempt, int)  # checked by _retry_pending
        return [await self._deliver(community, schedule, failed.due_at, attempt + 1, failed)]

    async def _post(self, community: str, schedule: Schedule, due: datetime) -> AnnouncementRun | None:
        if not await self._runs.claim_run(
            community=community, schedule=schedule.name, due_at=due, now=self._clock()
        ):
            return None
        return await self._deliver(community, schedule, due, 1)

    async def _deliver(
        self,
        community: str,
        schedule: Schedule,
        due: datetime,
        attempt: int,
        previous: AnnouncementRun | None = None,
    ) -> AnnouncementRun:
        """Compose and publish a run this process has claimed, then record how it went.

        Once claimed, an occurrence is never tried again if this process dies before the row says
        how it went: whether Discord or Bluesky accepted a post cannot be known from the database,
        and a repeated announcement in a public channel is worse than a missing one. A retry goes
        only to the publishers that failed for a passing reason (the network, a rate limit), with
        the same key and the text composed the first time, so a publisher that already posted
        never hears of it again and a thread never mixes two versions.
        """
        where = {"community": community, "schedule": schedule.name, "due": due.isoformat()}
        key = run_key(community, schedule.name, due)
        before = previous.detail if previous else {}
        detail: dict[str, object] = {"key": key, "attempt": attempt}
        outcomes = _deliveries(before)
        try:
            announcement = await self._announcement(community, schedule, before)
            detail["text"] = announcement.text
            pending = before.get("retry")
            only = [name for name in pending if isinstance(name, str)] if isinstance(pending, list) else None
            for delivery in await self._announcer.publish(announcement, key=key, only=only):
                outcomes[delivery.publisher] = delivery
        except FerryError as exc:  # e.g. a template the config check let through but rendering refused
            detail["error"] = type(exc).__name__
        except Exception:
            log.exception("scheduled announcement crashed", extra=where)
            detail["error"] = "exception"
        detail["deliveries"] = [
            {"publisher": d.publisher, "ok": d.ok, "where": d.where, "error": d.error}
            for d in outcomes.values()
        ]
        if not outcomes and "error" not in detail:
            detail["error"] = "no_publishers"  # the last one unregistered while this was composed
        state = RunState.POSTED if any(d.ok for d in outcomes.values()) else RunState.FAILED
        retry = [d.publisher for d in outcomes.values() if d.retryable]
        if retry:
            detail["retry"] = retry
        detail["retryable"] = bool(retry) if outcomes else detail.get("error") == "exception"
        now = self._clock()
        await self._runs.finish_run(
            community=community, schedule=schedule.name, due_at=due, state=state, detail=detail, now=now
        )
        level = logging.INFO if state is RunState.POSTED and not retry else logging.WARNING
        log.log(
            level,
            "scheduled announcement done",
            extra={
                **where,
                "state": state.value,
                "attempt": attempt,
                "error": detail.get("error"),
                "retry": retry,
            },
        )
        return AnnouncementRun(
            community=community,
            schedule=schedule.name,
            due_at=due,
            state=state,
            updated_at=now,
            detail=detail,
        )

    async def _announcement(
        self, community: str, schedule: Schedule, before: dict[str, object]
    ) -> Announcement:
        """The text of the first attempt on a retry ({count} and {countdown} move on), else a new one."""
        text = before.get("text")
        if isinstance(text, str):
            return Announcement(community=community, text=text, links=urls_in(text))
        return await self._announcer.compose(community, message=schedule.message, template=schedule.template)

    async def _report_stale(self, community: str) -> None:
        cutoff = self._clock() - STALE_CLAIM
        for run in await self._runs.recent_runs(community=community, state=RunState.CLAIMED, limit=BACKLOG):
            key = (run.community, run.schedule, run.due_at)
            if run.updated_at <= cutoff and key not in self._reported:
                self._reported.add(key)
                log.warning(
                    "scheduled announcement claimed but never finished; not posted again",
                    extra={"community": community, "schedule": run.schedule, "due": run.due_at.isoformat()},
                )


__all__ = ["BACKLOG", "MAX_ATTEMPTS", "POLL_SECONDS", "RETRY_AFTER", "Announcer", "Scheduler", "run_key"]

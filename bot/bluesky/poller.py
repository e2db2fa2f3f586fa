"""The mention loop: poll notifications, record them, answer each effectively once.

One cycle:
1. note the time, then page ``listNotifications`` (mention + reply, ``priority=false``) back from the
   newest until a page holds a notification already recorded (or older than the watermark), since
   the cursor only pages backwards and a short page is not the end;
2. record every notification in the inbox keyed by URI (``ON CONFLICT DO NOTHING``);
3. answer what is due, oldest first, one author at a time and a few authors at once: the answer's
   posts and their record keys are stored *before* the first is written, and after any failure the
   bot asks the PDS whether a planned key already exists before writing it again — an occupied key
   can never hold a second copy, so a crash at any point yields no duplicate;
4. ``updateSeen`` with the noted time (tidiness only; the inbox is the truth).
The first cycle runs at start-up; the next ones start on the account's ticks, ``interval`` seconds
apart at a phase drawn from its DID (:func:`next_tick_in`): a long cycle does not push the next one
back (a mention waits at most an interval for its poll, however busy the last cycle was), a tick
missed by a cycle longer than the interval is skipped, and deployments spread over the interval
rather than all asking Bluesky at the same instant.
Every error path sleeps with backoff; a 429 waits for ``ratelimit-reset``; writes spend from the
client-side budget and wait when it is short.
"""

from __future__ import annotations

import asyncio
import logging
import random
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.bluesky.answers import Answer, Answerer, is_command, payload
from bot.bluesky.budget import CREATE, BudgetKeeper
from bot.bluesky.gateway import (
    POST,
    Gateway,
    GatewayError,
    Notice,
    RejectedError,
    ServerRateLimitedError,
    StrongRef,
)
from bot.bluesky.insights import ChartPoster
from bot.bluesky.posts import ReplyRefs, new_tid, post_record
from bot.storage.bluesky import InboxItem, OutboxPart
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

WATERMARK_KEY = "bluesky.watermark"
# How long an answered mention (its words, its author's DID) and the reply are kept: long enough for an
# operator to look into a complaint, short enough that the inbox is not a second archive of people's
# posts. Must stay well above PollSettings.max_age, inside which a row is what prevents a second answer.
KEEP_TEXT_FOR = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class PollSettings:
    """Knobs of the loop; tests shorten the times."""

    interval: float = 5.0  # the [bluesky] default; see bot/config/models.py
    max_concurrency: int = 4
    replies_per_author_per_hour: int = 20
    page_size: int = 100
    max_pages: int = 10
    overlap: timedelta = timedelta(minutes=10)  # listings are delayed; re-read a little behind the mark
    max_age: timedelta = timedelta(days=1)  # older mentions (first start, long outage) are not answered
    due_batch: int = 50
    backoff_start: float = 2.0
    backoff_max: float = 600.0
    max_attempts: int = 8  # per notification, for transient failures


def next_tick_in(now: datetime, did: str, interval: float) -> float:
    """Seconds from ``now`` to the next poll tick of the account ``did``: the instants
    ``interval`` apart whose phase in the interval is fixed by the DID, so accounts (and Ferry
    deployments) spread over the interval instead of all asking Bluesky at the same instant."""
    phase = zlib.crc32(did.encode()) / 2**32 * interval
    into = (now.timestamp() - phase) % interval
    return interval - into


class MentionPoller:
    """Runs the cycle above until cancelled."""

    def __init__(
        self,
        *,
        gateway: Gateway,
        repository: Repository,
        answerer: Answerer,
        budget: BudgetKeeper,
        clock: Clock,
        sleep: Sleep,
        settings: PollSettings,
        charts: ChartPoster | None = None,
    ) -> None:
        self._gw = gateway
        self._charts = charts  # the picture of a "stats" answer, attached to its first post
        self._repo = repository
        self._answerer = answerer
        self._budget = budget
        self._clock = clock
        self._sleep = sleep
        self.settings = settings
        self._failures = 0
        self._paused_until: datetime | None = None
        self._pruned_at: datetime | None = None

    # -- the loop ----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll forever; every failure waits with backoff and never ends the loop."""
        while True:
            await self._sleep(await self.step())

    async def step(self) -> float:
        """One guarded cycle; returns the seconds to wait before the next."""
        try:
            await self.poll_once()
        except ServerRateLimitedError as exc:
            self._pause(exc)
        except GatewayError as exc:
            self._failures += 1
            log.warning("bluesky poll failed", extra={"error": str(exc), "failures": self._failures})
            return self._backoff(self._failures)
        except Exception:  # a bug or a database outage: log it, wait, keep the front alive
            self._failures += 1
            log.exception("bluesky poll cycle crashed", extra={"failures": self._failures})
            return self._backoff(self._failures)
        else:
            self._failures = 0
        if self._paused_until is not None:
            wait = (self._paused_until - self._clock()).total_seconds()
            if wait > 0:
                return max(wait, self.settings.interval)
            self._paused_until = None
        return next_tick_in(self._clock(), self._gw.did, self.settings.interval)

    async def poll_once(self) -> None:
        """Fetch, record, answer, mark seen."""
        started = self._clock()  # before fetching: anything indexed later is listed next time
        await self.ingest()
        await self.process_due()
        await self._gw.update_seen(started)
        await self._repo.set_state(WATERMARK_KEY, started.isoformat(), self._clock())
        if self._pruned_at is None or started - self._pruned_at >= PRUNE_EVERY:
            pruned = await self._repo.prune_finished(started - KEEP_TEXT_FOR)
            self._pruned_at = started
            if pruned:
                log.info("old mentions pruned", extra={"notifications": pruned})

    def _backoff(self, failures: int) -> float:
        base = min(self.settings.backoff_start * 2 ** (failures - 1), self.settings.backoff_max)
        return float(base * (0.5 + random.random() / 2))  # noqa: S311 - jitter, not security

    def _paused(self) -> bool:
        if self._paused_until is not None and self._clock() >= self._paused_until:
            self._paused_until = None
        return self._paused_until is not None

    def _pause(self, exc: ServerRateLimitedError) -> None:
        now = self._clock()
        until = exc.reset_at or now + timedelta(seconds=self.settings.backoff_max)
        until = max(until, now) + timedelta(seconds=0.5)
        self._paused_until = max(self._paused_until or until, until)
        log.warning("bluesky rate limit; pausing", extra={"until": until.isoformat()})

    # -- ingest ------------------------------------------------------------------------------------

    async def ingest(self) -> int:
        """Page back to what is already recorded; record the rest. Returns how many were new."""
        stored = await self._repo.get_state(WATERMARK_KEY)
        watermark = datetime.fromisoformat(stored) if stored else None
        fresh: list[Notice] = []
        cursor: str | None = None
        for _ in range(self.settings.max_pages):
            page = await self._gw.list_notifications(cursor, self.settings.page_size)
            known = await self._repo.known_uris([n.uri for n in page.notices])
            fresh.extend(n for n in page.notices if n.uri not in known)
            if known or not page.cursor:
                break
            if watermark and any(n.indexed_at < watermark - self.settings.overlap for n in page.notices):
                break
            cursor = page.cursor
        now = self._clock()
        items = [self._inbox_item(n, now) for n in fresh]
        return await self._repo.record_notifications(items, now)

    def _inbox_item(self, notice: Notice, now: datetime) -> InboxItem:
        data = payload(notice, self._gw.did)
        ignored = (
            notice.author_did == self._gw.did
            or notice.author_is_bot
            or not notice.is_post
            or notice.reason not in ("mention", "reply")
            or notice.indexed_at < now - self.settings.max_age
            or (notice.reason == "reply" and not is_command(str(data["text"])))
        )
        return InboxItem(
            uri=notice.uri,
            cid=notice.cid,
            author_did=notice.author_did,
            reason=notice.reason,
            indexed_at=notice.indexed_at,
            payload=data,
            state="skipped" if ignored else "pending",
        )

    # -- answering ---------------------------------------------------------------------------------

    async def process_due(self) -> None:
        """Answer what is due: each author's items in order, several authors at once."""
        due = await self._repo.due_inbox(self._clock(), self.settings.due_batch)
        by_author: dict[str, list[InboxItem]] = {}
        for item in due:
            by_author.setdefault(item.author_did, []).append(item)
        gate = asyncio.Semaphore(self.settings.max_concurrency)

        async def serve(items: list[InboxItem]) -> None:
            async with gate:
                for item in items:
                    if self._paused():
                        return  # rate limited: leave the rest for after the reset
                    await self.handle(item)

        async with asyncio.TaskGroup() as group:
            for items in by_author.values():
                group.create_task(serve(items))

    async def handle(self, item: InboxItem) -> None:
        """Plan (once) and post one answer; failures defer it rather than lose it."""
        try:
            recovering = item.state == "replying" or item.attempts > 0
            if item.state == "pending":
                since = self._clock() - timedelta(hours=1)
                if (
                    await self._repo.answered_since(item.author_did, since)
                    >= self.settings.replies_per_author_per_hour
                ):
                    await self._repo.finish(item.uri, "skipped", self._clock(), "author over the hourly cap")
                    return
                answer = await self._answerer.answer(item)
                if not await self._repo.plan_reply(item.uri, self._plan(item, answer), self._clock()):
                    return  # planned elsewhere meanwhile
            await self._post_parts(item, recovering=recovering)
            await self._repo.finish(item.uri, "done", self._clock())
        except ServerRateLimitedError as exc:
            self._pause(exc)
            await self._repo.defer(item.uri, self._paused_until or self._clock(), str(exc), self._clock())
        except RejectedError as exc:
            log.warning("bluesky reply refused", extra={"uri": item.uri, "error": str(exc)})
            await self._repo.finish(item.uri, "failed", self._clock(), str(exc))
        except GatewayError as exc:
            await self._retry_later(item, str(exc))
        except Exception as exc:  # one bad notification must not stop the others
            log.exception("bluesky reply crashed", extra={"uri": item.uri})
            await self._retry_later(item, f"{type(exc).__name__}: {exc}")

    async def _retry_later(self, item: InboxItem, error: str) -> None:
        now = self._clock()
        if item.attempts + 1 >= self.settings.max_attempts:
            await self._repo.finish(item.uri, "failed", now, error)
            return
        delay = self._backoff(item.attempts + 1)
        await self._repo.defer(item.uri, now + timedelta(seconds=delay), error, now)

    def _plan(self, item: InboxItem, answer: Answer) -> list[OutboxPart]:
        return [
            OutboxPart(inbox_uri=item.uri, part_no=k, rkey=new_tid(), text=text, lang=answer.locale)
            for k, text in enumerate(answer.parts, start=1)
        ]

    async def _post_parts(self, item: InboxItem, *, recovering: bool) -> None:
        parent = StrongRef(item.uri, item.cid)
        root_uri, root_cid = item.payload.get("root_uri"), item.payload.get("root_cid")
        root = StrongRef(str(root_uri), str(root_cid)) if root_uri and root_cid else parent
        handle = str(item.payload.get("author_handle") or "")
        mentions = {handle: item.author_did} if handle else {}
        for part in await self._repo.outbox(item.uri):
            if part.done:
                assert part.uri is not None and part.cid is not None
                parent = StrongRef(part.uri, part.cid)
                continue
            # After a crash or an unclear failure the post may exist already: never write it twice.
            existing = await self._gw.get_record(POST, part.rkey) if recovering else None
            if existing is None:
                record = post_record(
                    part.text,
                    reply=ReplyRefs(root, parent),
                    locale=part.lang,
                    mentions=mentions,
                    links=self._answerer.is_own_link,  # a URL in a member's name is no link
                    now=self._clock(),
                )
                if part.part_no == 1 and self._charts is not None:
                    wanted, slug = self._charts.request(str(item.payload.get("text", "")))
                    if wanted:
                        record["embed"] = await self._charts.embed(slug, part.lang)
                await self._budget.spend(CREATE)
                if self._paused():
                    raise ServerRateLimitedError(self._paused_until)  # another worker just hit the limit
                existing = await self._gw.create_record(POST, part.rkey, record)
            await self._repo.part_posted(item.uri, part.part_no, existing.uri, existing.cid, self._clock())
            parent = existing.ref

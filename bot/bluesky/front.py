"""The Bluesky front: mentions answered in-thread, lists kept in sync, one session per process.

``run`` serves until cancelled: connect (stored session, else one login), set the profile's ``bot``
self-label, then run the mention loop and the list sync side by side, and close the client however
it ends. Tests inject a gateway, a clock, a sleep and short intervals, and may drive the parts
directly after :meth:`BlueskyFront.start`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.app import App, utc_now
from bot.bluesky.announcer import BlueskyAnnouncer
from bot.bluesky.answers import Answerer
from bot.bluesky.budget import BudgetKeeper, WriteBudget
from bot.bluesky.client import AtprotoGateway
from bot.bluesky.gateway import Gateway, GatewayError
from bot.bluesky.insights import ChartPoster
from bot.bluesky.lists import ListSync
from bot.bluesky.poller import MentionPoller, PollSettings
from bot.bluesky.profile import ensure_profile
from bot.bluesky.session import SessionKeeper
from bot.text.handler import TextCommands

log = logging.getLogger(__name__)

CONNECT_BACKOFF_MAX = 900.0


class BlueskyFront:
    """``Front`` for ``ferry run`` when BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are set."""

    name = "bluesky"

    def __init__(
        self,
        app: App,
        *,
        gateway: Gateway | None = None,
        wrap: Callable[[Gateway], Gateway] | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        poll: PollSettings | None = None,
        list_settle: float = 2.0,
        list_sweep: float = 600.0,
    ) -> None:
        self._app = app
        self._clock = clock
        self._sleep = sleep
        self.gateway = gateway or self._real_gateway()
        if wrap is not None:  # e.g. bot.cluster's fence, checking leadership before each write
            self.gateway = wrap(self.gateway)
        section = app.config().bluesky
        self.budget = BudgetKeeper(
            WriteBudget(per_hour=section.write_points_per_hour, per_day=section.write_points_per_day),
            store=app.repository,
            clock=clock,
            sleep=sleep,
        )
        charts = ChartPoster(
            insights=app.insights, gateway=self.gateway, budget=self.budget, config=app.config
        )
        self.poller = MentionPoller(
            gateway=self.gateway,
            repository=app.repository,
            answerer=Answerer(
                commands=TextCommands(app.directory, app.moderation, app.linking),
                repository=app.repository,
                config=app.config,
                web=app.web_serving,
                charts=charts,
            ),
            charts=charts,
            budget=self.budget,
            clock=clock,
            sleep=sleep,
            settings=poll
            or PollSettings(
                interval=section.poll_interval_seconds,
                max_concurrency=section.max_concurrency,
                replies_per_author_per_hour=section.replies_per_author_per_hour,
            ),
        )
        self.lists = ListSync(
            gateway=self.gateway,
            repository=app.repository,
            budget=self.budget,
            config=app.config,
            clock=clock,
            sleep=sleep,
            settle=list_settle,
            sweep=list_sweep,
        )
        self._unsubscribe: Callable[[], None] | None = None
        self.announcer = BlueskyAnnouncer(
            gateway=self.gateway, budget=self.budget, config=app.config, clock=clock
        )
        self._unregister_announcer: Callable[[], None] | None = None

    def _real_gateway(self) -> Gateway:
        settings = self._app.settings
        if settings.bluesky_handle is None or settings.bluesky_app_password is None:
            raise ValueError("the Bluesky front needs BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")
        keeper = SessionKeeper(
            handle=settings.bluesky_handle,
            password=settings.bluesky_app_password.get_secret_value(),
            service_url=settings.bluesky_service_url,
            store=self._app.repository,
            clock=self._clock,
            sleep=self._sleep,
        )
        return AtprotoGateway(keeper)

    async def start(self) -> None:
        """Connect (retrying with backoff), label the profile, listen to directory changes."""
        failures = 0
        while True:
            try:
                await self.gateway.connect()
                break
            except GatewayError as exc:
                failures += 1
                wait = min(5.0 * 2**failures, CONNECT_BACKOFF_MAX) * (0.5 + random.random() / 2)  # noqa: S311
                log.warning("bluesky connect failed", extra={"error": str(exc), "retry_in": round(wait)})
                await self._sleep(wait)
        await self.budget.restore()  # what earlier runs spent still counts
        try:
            await ensure_profile(self.gateway, self.budget, self._app.config().bluesky.profile_description)
        except GatewayError as exc:  # a profile write is hygiene; answering mentions matters more
            log.warning("bluesky profile not updated", extra={"error": str(exc)})
        if self._unsubscribe is None:
            self._unsubscribe = self._app.directory.changes.subscribe(self.lists.on_change)
        if self._unregister_announcer is None:
            # Every community's announcements pass through; the announcer skips those without bluesky = true.
            self._unregister_announcer = self._app.announcements.register(self.announcer)
        log.info("bluesky front connected", extra={"did": self.gateway.did})

    async def stop(self) -> None:
        """Stop listening and announcing, and close the client."""
        if self._unregister_announcer is not None:
            self._unregister_announcer()
            self._unregister_announcer = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.gateway.close()

    async def run(self) -> None:
        """Serve until cancelled."""
        try:
            await self.start()
            async with asyncio.TaskGroup() as group:
                group.create_task(self.poller.run(), name="bluesky:mentions")
                group.create_task(self.lists.run(), name="bluesky:lists")
        finally:
            await self.stop()

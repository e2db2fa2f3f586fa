"""``ferry run``: every front whose credentials are set, in one event loop, stopped cleanly on SIGTERM.

Fronts run as sibling tasks in a TaskGroup so a crash in one is seen at once and stops the others
rather than leaving a half-alive bot; SIGTERM (``docker stop``) and SIGINT cancel the group, and the
database closes after every front has let go of it.

Of several processes on one PostgreSQL database, only the elected leader runs the singleton work
(the Bluesky front with its mention loop, list sync and sweeps, and the scheduler); the others serve
Discord and the web page and stand by (``bot.cluster``, docs/scale-out.md). On SQLite the one
process allowed is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from bot.app import App, open_app, utc_now
from bot.cluster.election import AlwaysLeader, Leadership
from bot.cluster.fence import FencedAnnouncer, FencedGateway
from bot.cluster.gate import run_while_leader
from bot.cluster.node import open_node
from bot.cluster.relay import RelayPublisher, RelayWorker
from bot.cluster.single import single_process
from bot.config.fleet import FleetReload
from bot.config.watch import ConfigWatcher, reload_on_sighup
from bot.services.scheduler import Scheduler
from bot.settings import Settings
from bot.storage.relay import RelayStore
from bot.web.settings import WebConfig

log = logging.getLogger(__name__)


class Front(Protocol):
    """A long-running front: ``run`` returns only when stopped (by cancellation) or broken."""

    name: str

    async def run(self) -> None:
        """Serve until cancelled."""
        ...


class NoFrontError(Exception):
    """``ferry run`` has nothing to run; the message tells the operator what to set."""


class FrontStartError(Exception):
    """A front cannot start until the operator fixes something (a refused token); says what."""


@dataclass(frozen=True, slots=True)
class WebBind:
    """Where to listen instead of ``[web]`` host/port; None keeps the config's value."""

    host: str | None = None
    port: int | None = None

    def apply(self, web: WebConfig) -> WebConfig:
        """``web`` with the overrides, validated like the config file's own values."""
        fields = web.model_dump()
        fields.update((k, v) for k, v in (("host", self.host), ("port", self.port)) if v is not None)
        return WebConfig.model_validate(fields)


class LeaderOnly:
    """A front that runs only while this process leads: a fresh one per term, fenced writes.

    ``stand_in`` (registering a relay publisher, returning its unregister function) is kept
    registered while this process follows, so what the front would publish reaches the leader's.
    """

    def __init__(
        self,
        name: str,
        leadership: Leadership,
        build: Callable[[], Front],
        stand_in: Callable[[], Callable[[], None]] | None = None,
    ) -> None:
        self.name = name
        self._leadership = leadership
        self._build = build
        self._stand_in = stand_in
        self._unregister: Callable[[], None] | None = None

    def _follow(self) -> None:
        if self._stand_in is not None and self._unregister is None:
            self._unregister = self._stand_in()

    def _lead(self) -> None:
        if self._unregister is not None:
            self._unregister()
            self._unregister = None

    async def _term(self) -> None:
        self._lead()
        try:
            await self._build().run()
        finally:
            self._follow()

    async def run(self) -> None:
        self._follow()
        try:
            await run_while_leader(self._leadership, self._term, name=self.name)
        finally:
            self._lead()


def build_fronts(app: App, leadership: Leadership | None = None, bind: WebBind | None = None) -> list[Front]:
    """The fronts whose credentials are set; singleton ones run only while ``leadership`` holds.

    ``bind`` overrides ``[web]`` host and port (``ferry run --web-host 0.0.0.0`` in a container).

    Front modules are imported here, not at the top, so that a console-only install never loads
    discord.py or atproto at start-up.
    """
    settings = app.settings
    lead = leadership or AlwaysLeader()
    fronts: list[Front] = []
    if settings.discord_enabled:
        from bot.discord.front import DiscordFront

        fronts.append(DiscordFront(app))
    if settings.bluesky_enabled:
        from bot.bluesky.front import BlueskyFront

        def bluesky() -> Front:
            return BlueskyFront(app, wrap=lambda gateway: FencedGateway(gateway, lead))

        # One process (SQLite) always leads and needs no stand-in for its own Bluesky front.
        stand_in = None if isinstance(lead, AlwaysLeader) else partial(relay_bluesky, app)
        fronts.append(LeaderOnly("bluesky", lead, bluesky, stand_in))
    web = app.config().web
    if web.enabled:
        from bot.web.front import WebFront

        fronts.append(WebFront.from_app(app, bind.apply(web) if bind else web))
    return fronts


def relay_bluesky(app: App) -> Callable[[], None]:
    """Register the follower's stand-in for the leader's Bluesky publisher; returns its unregister."""
    from bot.bluesky.announcer import MAX_POSTS, NAME, thread_parts

    def parts_needed(text: str) -> tuple[int, int]:
        return len(thread_parts(text, most=sys.maxsize)), MAX_POSTS

    publisher = RelayPublisher(NAME, RelayStore(app.database), parts_needed=parts_needed, clock=utc_now)
    return app.announcements.register(publisher)


def build_scheduler(app: App, leadership: Leadership | None = None) -> Scheduler | None:
    """The scheduled-announcement loop, whenever a front that can post runs.

    It runs even while no community has a schedule (a pass costs one config read every 30 s), so a
    schedule added to the config while Ferry runs starts without a restart, as any other change does.
    """
    if not (app.settings.discord_enabled or app.settings.bluesky_enabled):
        return None
    announcer = FencedAnnouncer(app.announcements, leadership or AlwaysLeader())
    return Scheduler(runs=app.repository, announcer=announcer, config=app.config, clock=utc_now)


async def run_fronts(settings: Settings, *, serve_web: bool = True, bind: WebBind | None = None) -> int:
    """Run until every front stops or a signal arrives; returns the exit status.

    ``serve_web=False`` leaves the page to a ``ferry web`` process of its own (docker-compose.yml).
    """
    with single_process(settings):
        return await _run(settings, serve_web=serve_web, bind=bind)


async def _run(settings: Settings, *, serve_web: bool, bind: WebBind | None) -> int:
    async with open_app(settings) as app, open_node(app, role="run") as node:
        fronts = [f for f in build_fronts(app, node.leadership, bind) if serve_web or f.name != "web"]
        if not fronts:
            raise NoFrontError(
                "No front to run: set DISCORD_TOKEN, or BLUESKY_HANDLE and BLUESKY_APP_PASSWORD, in the "
                "environment or .env, or enable [web] in the config (see README).\n"
                "To try Ferry locally without any token:  ferry console --community demo --as alice"
            )
        await app.database.fill_pool()
        # Most of what start-up built lives as long as the process (modules, config, clients): its
        # garbage collected once, the rest is frozen out of the collector's sight, so a full
        # collection during a burst scans only what commands made (measured in a Discord burst: its
        # one full collection took 79 ms, 8 ms after this). The price: objects a config reload later
        # replaces stay in memory, a few per reload.
        gc.collect()
        gc.freeze()
        main = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _stop, main, sig)
        stop_sighup = reload_on_sighup(loop, app.reloader)
        try:
            async with asyncio.TaskGroup() as group:
                if settings.config_watch_seconds > 0:
                    watcher = ConfigWatcher(app.reloader, app.config, interval=settings.config_watch_seconds)
                    group.create_task(watcher.run(), name="config:watch")
                if app.database.dialect == "postgresql":  # several processes may share it
                    fleet = FleetReload(app.reloader, settings.database_url)
                    app.reloader.fleet = fleet
                    group.create_task(fleet.run(), name="config:fleet")
                for front in fronts:
                    group.create_task(front.run(), name=f"front:{front.name}")
                    log.info("front started", extra={"front": front.name})
                for name, work in node.tasks():
                    group.create_task(work, name=name)
                if settings.bluesky_enabled and node.elector is not None:
                    worker = RelayWorker(RelayStore(app.database), app.announcements, clock=utc_now)
                    group.create_task(
                        run_while_leader(node.leadership, worker.run, name="relay"), name="cluster:relay"
                    )
                scheduler = build_scheduler(app, node.leadership)
                if scheduler is not None:
                    group.create_task(
                        run_while_leader(node.leadership, scheduler.run, name="scheduler"), name="scheduler"
                    )
        except asyncio.CancelledError:
            log.info("stopped by signal; fronts closed")
        finally:
            stop_sighup()
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(RuntimeError):
                    loop.remove_signal_handler(sig)
    return 0


def _stop(task: asyncio.Task[object] | None, sig: signal.Signals) -> None:
    log.info("signal received, stopping", extra={"signal": sig.name})
    if task is not None:
        task.cancel()

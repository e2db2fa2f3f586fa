"""``ferry run``: every front whose credentials are set, in one event loop, stopped cleanly on SIGTERM.

Fronts run as sibling tasks in a TaskGroup so a crash in one is seen at once and stops the others
rather than leaving a half-alive bot; SIGTERM (``docker stop``) and SIGINT cancel the group, and the
database closes after every front has let go of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from bot.app import App, open_app, utc_now
from bot.config.fleet import FleetReload
from bot.config.watch import ConfigWatcher, reload_on_sighup
from bot.services.scheduler import Scheduler
from bot.settings import Settings

log = logging.getLogger(__name__)


class Front(Protocol):
    """A long-running front: ``run`` returns only when stopped (by cancellation) or broken."""

    name: str

    async def run(self) -> None:
        """Serve until cancelled."""
        ...


class NoFrontError(Exception):
    """``ferry run`` has nothing to run; the message tells the operator what to set."""


def build_fronts(app: App) -> list[Front]:
    """The fronts whose credentials are set.

    Front modules are imported here, not at the top, so that a console-only install never loads
    discord.py or atproto at start-up.
    """
    settings = app.settings
    fronts: list[Front] = []
    if settings.discord_enabled:
        from bot.discord.front import DiscordFront

        fronts.append(DiscordFront(app))
    if settings.bluesky_enabled:
        from bot.bluesky.front import BlueskyFront

        fronts.append(BlueskyFront(app))
    web = app.config().web
    if web.enabled:
        from bot.web.front import WebFront

        fronts.append(WebFront.from_app(app, web))
    return fronts


def build_scheduler(app: App) -> Scheduler | None:
    """The scheduled-announcement loop, whenever a front that can post runs.

    It runs even while no community has a schedule (a pass costs one config read every 30 s), so a
    schedule added to the config while Ferry runs starts without a restart, as any other change does.
    """
    if not (app.settings.discord_enabled or app.settings.bluesky_enabled):
        return None
    return Scheduler(runs=app.repository, announcer=app.announcements, config=app.config, clock=utc_now)


async def run_fronts(settings: Settings) -> int:
    """Run until every front stops or a signal arrives; returns the exit status."""
    async with open_app(settings) as app:
        fronts = build_fronts(app)
        if not fronts:
            raise NoFrontError(
                "No front to run: set DISCORD_TOKEN, or BLUESKY_HANDLE and BLUESKY_APP_PASSWORD, in the "
                "environment or .env, or enable [web] in the config (see README).\n"
                "To try Ferry locally without any token:  ferry console --community demo --as alice"
            )
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
                scheduler = build_scheduler(app)
                if scheduler is not None:
                    group.create_task(scheduler.run(), name="scheduler")
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

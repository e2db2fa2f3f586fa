"""The operator's cluster commands: ``ferry status``, ``ferry health`` and ``ferry web``."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import TextIO

from bot.app import open_app, utc_now
from bot.cluster.node import open_node
from bot.cluster.status import gather, healthy, render
from bot.console.schedule import print_schedules
from bot.runner import WebBind
from bot.settings import Settings
from bot.storage.cluster import ClusterStore

log = logging.getLogger(__name__)


class ClusterCommandError(Exception):
    """The command cannot do what was asked; the message says what to change."""


async def status(settings: Settings, out: TextIO | None = None) -> int:
    """Print the processes, the leader, the Bluesky backlog and budget, and the schedules' next runs."""
    out = out or sys.stdout  # looked up now, not at import: tests and redirections replace it
    async with open_app(settings, migrate=False) as app:
        found = await gather(ClusterStore(app.database), app.repository, app.config(), utc_now())
        out.write("\n".join(render(found)) + "\n\n")
        communities = [c for c in app.config().communities.values() if c.schedules]
        await print_schedules(app, communities, out)
    return 0


async def health(settings: Settings, host: str | None) -> int:
    """Exit 0 when a Ferry process on this machine (container) wrote its heartbeat recently."""
    async with open_app(settings, migrate=False) as app:
        found = await gather(ClusterStore(app.database), app.repository, app.config(), utc_now())
    if healthy(found, host=host):
        return 0
    sys.stderr.write("ferry: no live Ferry process on this host (no recent heartbeat)\n")
    return 1


async def web(settings: Settings, host: str | None, port: int | None) -> int:
    """Serve the public page alone, as a stateless process of its own, until SIGTERM."""
    from bot.web.front import WebFront

    async with open_app(settings) as app, open_node(app, role="web", elect=False) as node:
        section = app.config().web
        if not section.enabled:
            raise ClusterCommandError("`ferry web` serves the page of [web]: set enabled = true there first")
        front = WebFront.from_app(app, WebBind(host, port).apply(section))
        main = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, main.cancel if main else lambda: None)
        try:
            async with asyncio.TaskGroup() as group:
                for name, work in node.tasks():
                    group.create_task(work, name=name)
                group.create_task(front.run(), name="front:web")
        except asyncio.CancelledError:
            log.info("stopped by signal; web page closed")
    return 0

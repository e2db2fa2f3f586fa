"""The web front: serves the public directory page on ``[web]`` host and port until cancelled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web as aioweb

from bot.config import FerryConfig
from bot.config.web import WebServing
from bot.services.directory import DirectoryService
from bot.services.insights import InsightService
from bot.services.transfer import TransferService
from bot.web.app import build_web_app
from bot.web.insights import add_insight_routes
from bot.web.settings import WebConfig

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 5.0  # how long open requests may finish when the bot stops


class WebFront:
    """A front like Discord and Bluesky: ``run`` returns only when cancelled or broken."""

    name = "web"

    def __init__(
        self,
        *,
        directory: DirectoryService,
        transfer: TransferService,
        config: Callable[[], FerryConfig],
        web: WebConfig,
        serving: WebServing | None = None,
        insights: InsightService | None = None,
    ) -> None:
        self._directory = directory
        self._transfer = transfer
        self._config = config
        self.web = web
        self._insights = insights  # the charts page is served when given
        self._serving = serving  # told what is served, for the links announcements and answers give
        self.port: int | None = None  # the bound port once serving (differs from web.port when 0)
        self.started = asyncio.Event()

    @classmethod
    def from_app(cls, app: App, web: WebConfig) -> WebFront:
        return cls(
            directory=app.directory,
            transfer=app.transfer,
            config=app.config,
            web=web,
            serving=app.web_serving,
            insights=app.insights,
        )

    async def run(self) -> None:
        application = build_web_app(self._directory, self._transfer, self._config, self.web)
        if self._insights is not None:
            add_insight_routes(application, self._insights)
        # Access logs would record readers' searches (names of people); the bot's log has no need.
        runner = aioweb.AppRunner(application, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await runner.setup()
        try:
            site = aioweb.TCPSite(runner, self.web.host, self.web.port)
            await site.start()
            # Port 0 (tests) asks the system for a free one: report the one actually bound.
            self.port = int(runner.addresses[0][1]) if runner.addresses else self.web.port
            log.info(
                "web page serving",
                extra={"host": self.web.host, "port": self.port, "base_url": self.web.base_url},
            )
            if self._serving is not None:
                self._serving.current = self.web
            self.started.set()
            await asyncio.Event().wait()  # until cancelled
        finally:
            if self._serving is not None:
                self._serving.current = None
            await runner.cleanup()
            log.info("web page stopped")

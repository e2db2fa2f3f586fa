"""Composition root: builds the database, the services and the config holder, and closes them.

Every front (console, Discord, Bluesky) and every CLI command gets its collaborators from here, so
there is exactly one place that decides how Ferry is wired.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import FerryConfig, load_config
from bot.config.reload import Reloader
from bot.config.web import WebServing
from bot.services.announcements import AnnouncementService
from bot.services.directory import DirectoryService
from bot.services.insights import InsightService
from bot.services.linking import LinkingService
from bot.services.moderation import ModerationService
from bot.services.ratelimit import member_limiter
from bot.services.transfer import TransferService
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.repository import Repository

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The wall clock, in UTC; services receive it so tests can pass a fixed one."""
    return datetime.now(UTC)


class ConfigHolder:
    """The config in force. Services call it on every use, so a reload applies without a restart."""

    def __init__(self, config: FerryConfig) -> None:
        self.current = config

    def __call__(self) -> FerryConfig:
        return self.current


@dataclass(frozen=True, slots=True)
class App:
    """Everything a front needs, built once per process."""

    settings: Settings
    config: ConfigHolder
    database: Database
    repository: Repository
    directory: DirectoryService
    moderation: ModerationService
    transfer: TransferService
    linking: LinkingService
    announcements: AnnouncementService
    # The [web] the web front serves (None while it does not run): links to the page use it,
    # since a reloaded config may name another address than the one served until a restart.
    web_serving: WebServing = field(default_factory=WebServing)
    # Built from the fields above rather than passed in, so every App (tests build their own) has
    # the one reloader that the watcher, /ferry reload and SIGHUP share.
    reloader: Reloader = field(init=False)
    insights: InsightService = field(init=False)  # built here too: it needs only the repository

    def __post_init__(self) -> None:
        object.__setattr__(self, "reloader", Reloader(self.config, self.settings.config_path, clock=utc_now))
        insights = InsightService(store=self.repository, config=self.config, clock=utc_now)
        self.directory.changes.subscribe(insights.on_change)
        object.__setattr__(self, "insights", insights)


@asynccontextmanager
async def open_app(settings: Settings, *, migrate: bool = True) -> AsyncIterator[App]:
    """Load the config, open and migrate the database, and build the services.

    Raises ``bot.config.ConfigError`` for a bad config before the database is touched.
    """
    config = ConfigHolder(load_config(settings.config_path))
    database = await Database.open(settings.database_url)
    try:
        if migrate:
            await database.upgrade()
        repository = Repository(database)
        directory = DirectoryService(
            repository=repository,
            config=config,
            clock=utc_now,
            limiter=member_limiter(database.dialect, repository),
        )
        moderation = ModerationService(repository=repository, directory=directory, clock=utc_now)
        transfer = TransferService(repository=repository, directory=directory)
        linking = LinkingService(repository=repository, directory=directory, config=config, clock=utc_now)
        web_serving = WebServing()
        announcements = AnnouncementService(
            directory=directory, config=config, clock=utc_now, web=web_serving
        )
        log.info(
            "ferry ready",
            extra={
                "communities": len(config().communities),
                "config_files": [str(path) for path in config().source_files],
            },
        )
        yield App(
            settings,
            config,
            database,
            repository,
            directory,
            moderation,
            transfer,
            linking=linking,
            announcements=announcements,
            web_serving=web_serving,
        )
    finally:
        await database.close()

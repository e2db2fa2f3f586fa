"""Fixtures for the Bluesky front's unit tests: a real repository, a fake gateway, a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App, ConfigHolder
from bot.bluesky.front import BlueskyFront
from bot.bluesky.poller import PollSettings
from bot.config import FerryConfig, load_config
from bot.config.web import WebServing
from bot.services.announcements import AnnouncementService
from bot.services.directory import DirectoryService
from bot.services.linking import LinkingService
from bot.services.moderation import ModerationService
from bot.services.transfer import TransferService
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.repository import Repository
from tests.bot.bluesky.fakes import FakeClock, FakeGateway

CONFIG = """
[defaults]
community = "movers"

[bluesky]
max_thread_posts = 3

[[communities]]
slug = "movers"
name = "Movers"
default_visibility = "public"
platforms = ["bluesky", "rednote", "lemon8"]

[[communities]]
slug = "quiet"
name = "Quiet Club"
default_visibility = "community"
discord_guild_ids = [1012345678901234567]
"""


@pytest.fixture
def bluesky_config(tmp_path: Path) -> FerryConfig:
    path = tmp_path / "ferry.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gateway(fake_clock: FakeClock) -> FakeGateway:
    return FakeGateway(fake_clock)


def make_app(database: Database, repository: Repository, config: FerryConfig, clock: FakeClock) -> App:
    holder = ConfigHolder(config)
    directory = DirectoryService(repository=repository, config=holder, clock=clock)
    serving = WebServing()
    return App(
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        config=holder,
        database=database,
        repository=repository,
        directory=directory,
        moderation=ModerationService(repository=repository, directory=directory, clock=clock),
        transfer=TransferService(repository=repository, directory=directory),
        linking=LinkingService(repository=repository, directory=directory, config=holder, clock=clock),
        announcements=AnnouncementService(directory=directory, config=holder, clock=clock, web=serving),
        web_serving=serving,
    )


@pytest.fixture
def app(
    database: Database, repository: Repository, bluesky_config: FerryConfig, fake_clock: FakeClock
) -> App:
    return make_app(database, repository, bluesky_config, fake_clock)


@pytest.fixture
async def front(app: App, gateway: FakeGateway, fake_clock: FakeClock) -> BlueskyFront:
    front = BlueskyFront(
        app,
        gateway=gateway,
        clock=fake_clock,
        sleep=fake_clock.sleep,
        poll=PollSettings(interval=1.0, max_concurrency=2, replies_per_author_per_hour=5, page_size=10),
        list_settle=0,
    )
    await front.start()
    return front

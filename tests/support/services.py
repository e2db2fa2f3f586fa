"""Fixtures: a directory service over the real repository (both dialects) and a real config file;
the registration most service tests repeat."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import FerryConfig, load_config
from bot.models import Identity, Registration, Source
from bot.services.directory import MEMBER, DirectoryService
from bot.services.moderation import ModerationService
from bot.services.ratelimit import RateLimiter
from bot.services.transfer import TransferService
from bot.storage.repository import Repository

CONFIG = """
[defaults]
community = "demo"

[[communities]]
slug = "demo"
name = "Demo Community"
default_visibility = "community"
platforms = ["rednote", "lemon8", "bluesky", "mastodon", "instagram", "youtube"]

[[communities.links]]
label = "Our Bluesky starter pack"
platform = "bluesky"
url = "https://bsky.app/starter-pack/demo.bsky.social/3abc"

[[communities]]
slug = "open"
name = "Open House"
default_visibility = "public"
"""


async def add_handle(
    service: DirectoryService, who: Identity, handle: str, platform: str = "lemon8", *, actor: str = MEMBER
) -> Registration:
    """A registration in "demo" whose name and source no test reads: only who, what and how fast."""
    return await service.register(
        community="demo",
        identity=who,
        display_name="x",
        platform=platform,
        handle=handle,
        source=Source.DISCORD,
        actor=actor,
    )


class FakeClock:
    """A clock that moves only when told, one second per reading by default."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 18, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class Ticker:
    """A monotonic clock (seconds) moved by hand, for rate limiters."""

    def __init__(self, start: float = 0.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def config(tmp_path: Path) -> FerryConfig:
    path = tmp_path / "ferry.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(repository: Repository, config: FerryConfig, clock: Callable[[], datetime]) -> DirectoryService:
    return DirectoryService(repository=repository, config=lambda: config, clock=clock)


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def limited(
    repository: Repository, config: FerryConfig, clock: Callable[[], datetime], ticker: Ticker
) -> DirectoryService:
    """The directory service with its rate limiter on ``ticker``'s time."""
    return DirectoryService(
        repository=repository, config=lambda: config, clock=clock, limiter=RateLimiter(clock=ticker)
    )


@pytest.fixture
def moderation(
    repository: Repository, service: DirectoryService, clock: Callable[[], datetime]
) -> ModerationService:
    return ModerationService(repository=repository, directory=service, clock=clock)


@pytest.fixture
def transfer(repository: Repository, service: DirectoryService) -> TransferService:
    return TransferService(repository=repository, directory=service)

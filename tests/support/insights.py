"""A small scattered community for the insights tests of every front.

Public handles: RedNote 7, Bluesky 6, Lemon8 3 (under the public minimum of 5); community-only:
RedNote 2 more and Mastodon 1; one member (on RedNote and Bluesky, both public) is counted twice in
the bars and once in the spread. An admin sees RedNote 9, Bluesky 6, Lemon8 3, Mastodon 1.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from bot.config import FerryConfig
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.insights import InsightService
from bot.storage.repository import Repository

PUBLIC = {"rednote": 7, "bluesky": 6, "lemon8": 3}
PRIVATE = {"rednote": 2, "mastodon": 1}
ADMIN = {"rednote": 9, "bluesky": 6, "lemon8": 3, "mastodon": 1}

HANDLES = {"bluesky": "user{n}.bsky.social", "mastodon": "@user{n}@mastodon.social"}


def person(n: int) -> Identity:
    return Identity(IdentityKind.DISCORD, str(100000000000000000 + n))


async def scatter(service: DirectoryService, community: str = "demo") -> None:
    """Register the handles above through the directory service (so each is audited)."""
    n = 0
    for counts, visibility in ((PUBLIC, Visibility.PUBLIC), (PRIVATE, Visibility.COMMUNITY)):
        for platform, count in counts.items():
            for i in range(count):
                # The first RedNote member also holds the first Bluesky handle: one person, two platforms.
                first_bluesky = platform == "bluesky" and i == 0 and visibility is Visibility.PUBLIC
                n += 1
                await service.register(
                    community=community,
                    identity=person(1) if first_bluesky else person(n),
                    display_name=f"Member {n}",
                    platform=platform,
                    handle=HANDLES.get(platform, "{platform}user{n}").format(platform=platform, n=n),
                    source=Source.DISCORD,
                    visibility=visibility,
                )


@pytest.fixture
def insights(repository: Repository, config: FerryConfig, clock: Callable[[], datetime]) -> InsightService:
    return InsightService(store=repository, config=lambda: config, clock=clock)

"""Rate limits on a member's own registration commands (the [limits] config, default 5/min, 30/h)."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import FerryConfig, load_config
from bot.errors import InvalidHandleError, RateLimitedError
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Visibility
from bot.services.directory import DirectoryService
from bot.services.linking import LinkingService
from bot.services.moderation import ModerationService
from bot.services.privacy import change_visibility
from bot.services.ratelimit import RateLimiter
from bot.storage.repository import Repository
from tests.support.services import Ticker, add_handle

ALICE = Identity(IdentityKind.DISCORD, "111111111111111111")
BOB = Identity(IdentityKind.BLUESKY, "did:plc:bobbobbobbobbobbobbobbob")


async def test_adds_and_removes_share_one_window_that_slides(
    limited: DirectoryService, ticker: Ticker
) -> None:
    for n in range(4):
        await add_handle(limited, ALICE, f"cook{n}")
        ticker.t += 1
    await limited.remove(community="demo", identity=ALICE, platform="lemon8")
    with pytest.raises(RateLimitedError) as caught:
        await add_handle(limited, ALICE, "cook9")
    assert caught.value.action == "registration"
    assert caught.value.retry_after == pytest.approx(56.0)
    assert (
        await limited.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=ALICE) == []
    )  # the refused add changed nothing
    await add_handle(limited, BOB, "bob")  # someone else is not slowed down
    ticker.t += 56
    await add_handle(limited, ALICE, "cook9")


async def test_admins_imports_and_the_operator_are_not_limited(limited: DirectoryService) -> None:
    for n in range(8):
        await add_handle(limited, ALICE, f"cook{n}", actor="admin:discord:9")
        await add_handle(limited, BOB, f"bob{n}", actor="import")
    await limited.remove(community="demo", identity=ALICE, platform="lemon8", actor="operator")


async def test_typos_cost_nothing(limited: DirectoryService) -> None:
    for _ in range(10):
        with pytest.raises(InvalidHandleError):
            await add_handle(limited, ALICE, "not a handle!")
    await add_handle(limited, ALICE, "cook")


async def test_the_hourly_window(
    repository: Repository, clock: Callable[[], datetime], ticker: Ticker, tmp_path: Path
) -> None:
    path = tmp_path / "limits.toml"
    path.write_text("[limits]\nregistrations_per_minute = 0\nregistrations_per_hour = 2\n", encoding="utf-8")
    config = load_config(path)
    service = DirectoryService(
        repository=repository, config=lambda: config, clock=clock, limiter=RateLimiter(clock=ticker)
    )
    await add_handle(service, ALICE, "a1")
    ticker.t += 600
    await add_handle(service, ALICE, "a2")
    ticker.t += 600
    with pytest.raises(RateLimitedError) as caught:
        await add_handle(service, ALICE, "a3")
    assert caught.value.retry_after == pytest.approx(2400.0)


async def test_linked_accounts_share_one_allowance(
    limited: DirectoryService, repository: Repository, config: FerryConfig, clock: Callable[[], datetime]
) -> None:
    linking = LinkingService(repository=repository, directory=limited, config=lambda: config, clock=clock)
    issued = await linking.issue_code(
        community="demo", identity=ALICE, display_name="A", handle="a.bsky.social"
    )
    await linking.redeem(community="demo", code=issued.code, did=BOB.external_id, handle="a.bsky.social")
    for n in range(3):
        await add_handle(limited, ALICE, f"cook{n}")
    for n in range(2):
        await add_handle(limited, BOB, f"bob{n}")
    # Five from the member on two fronts: the sixth is refused on either.
    with pytest.raises(RateLimitedError):
        await add_handle(limited, BOB, "bob9")
    with pytest.raises(RateLimitedError):
        await add_handle(limited, ALICE, "cook9")


async def test_visibility_changes_are_limited_on_their_own(
    limited: DirectoryService, repository: Repository, clock: Callable[[], datetime], ticker: Ticker
) -> None:
    moderation = ModerationService(repository=repository, directory=limited, clock=clock)
    await add_handle(limited, ALICE, "cook")  # a registration: not counted against visibility changes

    async def flip(visibility: Visibility) -> None:
        await change_visibility(
            limited, moderation, community="demo", identity=ALICE, platform=None, visibility=visibility
        )

    for n in range(5):
        await flip(Visibility.PUBLIC if n % 2 == 0 else Visibility.COMMUNITY)
    await flip(Visibility.PUBLIC)  # already so: nothing to write, nothing counted
    with pytest.raises(RateLimitedError) as caught:
        await flip(Visibility.COMMUNITY)
    assert caught.value.action == "visibility"
    await add_handle(limited, ALICE, "cook2")  # registrations have their own allowance
    ticker.t += 60
    await flip(Visibility.COMMUNITY)

"""Text fronts (console and Bluesky) answering a banned member and a member over the rate limit."""

import dataclasses
from collections.abc import Callable
from datetime import datetime

import pytest

from bot.config import FerryConfig
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.services.ratelimit import RateLimiter
from bot.storage.repository import Repository
from bot.text.handler import TextCommands, TextContext
from tests.support.services import Ticker

RED_ID = "5e8f1a2b3c4d5e6f7a8b9c0d"
DID = "did:plc:alicealicealicealice1"


@pytest.fixture
def directory(limited: DirectoryService) -> DirectoryService:
    """Every test here runs against the rate-limited service."""
    return limited


@pytest.fixture
def moderation(repository: Repository, directory: DirectoryService, clock) -> ModerationService:
    return ModerationService(repository=repository, directory=directory, clock=clock)


def on_bluesky(locale: str = "en") -> TextContext:
    return TextContext(
        community="demo",
        identity=Identity(IdentityKind.BLUESKY, DID),
        display_name="Alice",
        source=Source.BLUESKY,
        handle="alice.bsky.social",
        locale=locale,
        visibilities=frozenset(Visibility),
    )


def at_console(name: str = "carol") -> TextContext:
    return TextContext(
        community="demo",
        identity=Identity(IdentityKind.CONSOLE, name),
        display_name=name,
        source=Source.CONSOLE,
        visibilities=frozenset(Visibility),
    )


async def test_a_banned_member_is_refused_kindly_but_may_still_forget(
    directory: DirectoryService, moderation: ModerationService
) -> None:
    commands = TextCommands(directory, moderation)
    ctx = on_bluesky()
    await moderation.ban(community="demo", identity=ctx.identity, actor="admin:discord:9")
    for text in (f"add rednote {RED_ID}", "join"):
        assert await commands.answer(text, ctx) == (
            "An admin has paused your registrations in Demo Community, so I can't add handles for you "
            "there. You can still list, remove or forget what Ferry keeps about you."
        )
    chinese = await commands.answer("join", on_bluesky("zh-hans"))
    assert chinese.startswith("管理员已暂停你在 Demo Community 的登记")
    assert (
        await directory.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=ctx.identity) == []
    )
    assert (await commands.answer("forget", ctx)).startswith("Done: Ferry erased everything about you")


async def test_a_ban_after_joining_keeps_the_member_out_of_the_directory(
    directory: DirectoryService, moderation: ModerationService
) -> None:
    commands = TextCommands(directory, moderation)
    assert (await commands.answer("join", on_bluesky())).startswith("Welcome!")
    await moderation.ban(community="demo", identity=on_bluesky().identity, actor="operator")
    assert (await commands.answer("directory", at_console())).startswith("Nobody is in the directory")
    assert "alice.bsky.social" in await commands.answer("list", on_bluesky())  # their own data, still
    await moderation.unban(community="demo", identity=on_bluesky().identity, actor="operator")
    assert "alice.bsky.social" in await commands.answer("directory", at_console())


async def test_over_the_limit_the_answer_says_when_to_try_again(
    directory: DirectoryService, moderation: ModerationService, ticker: Ticker
) -> None:
    commands = TextCommands(directory, moderation)
    ctx = at_console()
    for n in range(5):  # the default [limits]: 5 a minute
        handle = f"cook{n}"
        assert (await commands.answer(f"add lemon8 {handle}", ctx)).startswith(("Added", "Updated"))
        ticker.t += 2
    assert await commands.answer("remove lemon8", ctx) == (
        "That's a lot of changes in a short time. Please try again in 1 minute."
    )
    zh = await commands.answer("remove lemon8", dataclasses.replace(ctx, locale="zh-hans"))
    assert zh == "短时间内更改太多了，请 1 分钟后再试。"
    assert "• Lemon8: cook4 " in await commands.answer("list", ctx)  # reading is never limited
    ticker.t += 50  # the first add slides out of the window
    assert (await commands.answer("remove lemon8", ctx)).startswith("Removed your Lemon8 handle cook4")


async def test_the_hourly_window_is_worded_in_minutes(
    repository: Repository, config: FerryConfig, clock: Callable[[], datetime], ticker: Ticker
) -> None:
    directory = DirectoryService(
        repository=repository, config=lambda: config, clock=clock, limiter=RateLimiter(clock=ticker)
    )
    commands = TextCommands(
        directory, ModerationService(repository=repository, directory=directory, clock=clock)
    )
    ctx = at_console()
    for n in range(30):
        await commands.answer(f"add lemon8 cook{n}", ctx)
        ticker.t += 61  # always room in the minute window
    ticker.t += 600
    answer = await commands.answer("add lemon8 late", ctx)
    # The first of the 30 adds was 30 × 61 + 600 = 2,430 s ago: 1,170 s to go, rounded up to 20 minutes.
    assert answer == "That's a lot of changes in a short time. Please try again in 20 minutes."

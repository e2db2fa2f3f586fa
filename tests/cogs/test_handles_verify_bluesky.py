"""/handle verify-bluesky end to end through the Discord stand-in, with a Bluesky account configured."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import App, open_app
from bot.discord.client import FerryBot
from bot.errors import LinkCodeError
from bot.models import Identity, IdentityKind, Verification
from bot.settings import Settings
from tests.support.discord_standin import DiscordStandin

DID = "did:plc:movingmember000000000000"


@pytest.fixture
async def ferry_app(tmp_path: Path, config_file: Path) -> AsyncIterator[App]:
    """The shared fixture's app, plus the bot's Bluesky account (never contacted by these tests)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}",
        config_path=config_file,
        discord_token="standin-token-unused",
        bluesky_handle="@Ferry.Example.social",
        bluesky_app_password=SecretStr("unused-app-password"),
    )
    async with open_app(settings) as app:
        yield app


async def ask(standin: DiscordStandin, user, locale: str = "en-US", handle: str = "Mover.bsky.social"):
    h = await standin.invoke_slash(
        standin.world.guild, user, "handle verify-bluesky", {"handle": handle}, locale=locale
    )
    response = await h.response()
    assert response.kind == "deferred message" and response.ephemeral
    [message] = await h.followups()
    assert message.ephemeral and not message.pings.anyone
    return message


def expiry(content: str) -> datetime:
    [stamp] = re.findall(r"<t:(\d+):R>", content)
    return datetime.fromtimestamp(int(stamp), UTC)


async def test_the_code_says_what_to_post_and_links_the_poster(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    member = discord_standin.world.member
    before = datetime.now(UTC)
    message = await ask(discord_standin, member)
    [code] = re.findall(
        r"`@ferry\.example\.social verify ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})`", message.content
    )
    assert f"Your one-time linking code is `{code}`" in message.content
    assert "Only mover.bsky.social can use it" in message.content  # the handle, normalised
    lifetime = expiry(message.content) - before
    assert timedelta(minutes=14, seconds=58) <= lifetime <= timedelta(minutes=15, seconds=2)

    linked = await ferry.app.linking.redeem(
        community="movers", code=code, did=DID, handle="mover.bsky.social"
    )
    assert set(linked.member.identities) == {
        Identity(IdentityKind.DISCORD, str(member.id)),
        Identity(IdentityKind.BLUESKY, DID),
    }
    assert linked.entry.verification is Verification.BLUESKY_PROVEN


async def test_asking_again_replaces_the_code_until_the_hourly_limit(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    member = discord_standin.world.member
    codes = []
    for _ in range(5):
        message = await ask(discord_standin, member)
        codes.append(re.findall(r"verify (\S+)`", message.content)[0])
    with pytest.raises(LinkCodeError) as raised:
        await ferry.app.linking.redeem(community="movers", code=codes[0], did=DID, handle="mover.bsky.social")
    assert raised.value.reason == "expired"  # replaced by a newer one

    h = await discord_standin.invoke_slash(
        discord_standin.world.guild, member, "handle verify-bluesky", {"handle": "mover.bsky.social"}
    )
    [message] = await h.followups()
    assert message.ephemeral
    assert message.content.startswith("You've asked for several linking codes lately.")
    assert expiry(message.content) > datetime.now(UTC) + timedelta(minutes=59)
    # The newest code still works.
    await ferry.app.linking.redeem(community="movers", code=codes[-1], did=DID, handle="mover.bsky.social")


async def test_someone_else_posting_the_code_is_refused(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    message = await ask(discord_standin, discord_standin.world.member)
    [code] = re.findall(r"verify (\S+)`", message.content)
    with pytest.raises(LinkCodeError) as raised:
        await ferry.app.linking.redeem(community="movers", code=code, did=DID, handle="copycat.bsky.social")
    assert raised.value.reason == "other_account"


async def test_an_unusable_handle_is_refused_before_any_code(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    message = await ask(discord_standin, discord_standin.world.member, handle="not a handle")
    assert "verify" not in message.content and "Bluesky" in message.content


async def test_chinese(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    message = await ask(discord_standin, discord_standin.world.member, locale="zh-CN")
    assert message.content.startswith("你的一次性关联代码是 `")
    assert "`@ferry.example.social verify " in message.content

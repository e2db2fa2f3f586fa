"""Fixtures for the Discord front: a real App on a SQLite file and FerryBot running on the stand-in.

Imported by the conftests of tests/bot/discord and tests/cogs (``from ... import *``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.discord.client import FerryBot
from bot.settings import Settings
from tests.support.discord_standin import DefaultWorld, DiscordStandin, Role, User

# Ferry's top-level slash commands, as a server or the global scope receives them.
COMMANDS = ("handle", "directory", "links", "mydata", "ferry", "stats")

CONFIG = """
[defaults]
community = "movers"

[[communities]]
slug = "movers"
name = "The Movers"
discord_guild_ids = [{guild}]
admin_role_ids = [{moderator_role}]
platforms = ["rednote", "lemon8", "bluesky", "mastodon", "instagram", "youtube"]
deadline = 2026-01-19T00:00:00-05:00

[communities.channels]
new_arrivals = {new_arrivals}

[[communities.links]]
label = "Our Bluesky starter pack"
platform = "bluesky"
url = "https://bsky.app/starter-pack/movers.bsky.social/3abc"
note = "Follow everyone at once"

[[communities.links]]
label = "RedNote group"
platform = "rednote"
url = "https://www.xiaohongshu.com/user/profile/5e8f1a2b3c4d5e6f7a8b9c0d"
"""


class Moderation:
    """A role named in the config's admin_role_ids, without Manage Server, and a user holding it."""

    def __init__(self, role: Role, user: User) -> None:
        self.role = role
        self.user = user


@pytest.fixture
def moderation(discord_standin: DiscordStandin) -> Moderation:
    world = discord_standin.world
    role = discord_standin.add_role(world.guild, "Moderators", 0)
    user = discord_standin.add_user("moderator", global_name="Mod")
    discord_standin.add_member(world.guild, user, [role])
    return Moderation(role, user)


@pytest.fixture
def config_file(tmp_path: Path, discord_world: DefaultWorld, moderation: Moderation) -> Path:
    path = tmp_path / "config" / "ferry.toml"
    path.parent.mkdir()
    path.write_text(
        CONFIG.format(
            guild=discord_world.guild.id,
            moderator_role=moderation.role.id,
            new_arrivals=discord_world.new_arrivals.id,
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
async def ferry_app(tmp_path: Path, config_file: Path) -> AsyncIterator[App]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}",
        config_path=config_file,
        discord_token="standin-token-unused",
    )
    async with open_app(settings) as app:
        yield app


def make_bot(standin: DiscordStandin, app: App, **options: object) -> FerryBot:
    world = standin.world
    options.setdefault("arrivals_interval", 0.2)
    options.setdefault("view_timeout", 60.0)
    return FerryBot(
        app,
        dev_guild_ids=[world.guild.id],
        owner_ids=[world.owner.id],
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def ferry(discord_standin: DiscordStandin, ferry_app: App) -> AsyncIterator[FerryBot]:
    """FerryBot logged in, synced to the test guild and connected."""
    bot = make_bot(discord_standin, ferry_app)
    async with discord_standin.running(bot):
        yield bot


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def seed_directory(
    app: App, count: int, *, name: Callable[[int], str] = lambda n: f"Mover {n}"
) -> None:
    """``count`` Bluesky entries in one transaction (registering them one by one would take seconds)."""
    from datetime import UTC, datetime

    from bot.storage.tables import entries, member_identities, members

    now = datetime(2026, 1, 18, tzinfo=UTC)
    async with app.database.transaction(write=True) as conn:
        for n in range(count):
            result = await conn.execute(
                members.insert().values(
                    community="movers", display_name=name(n), created_at=now, updated_at=now
                )
            )
            member_id = result.inserted_primary_key[0]
            await conn.execute(
                member_identities.insert().values(
                    community="movers", kind="discord", external_id=str(10**17 + n), member_id=member_id
                )
            )
            handle = f"user{n:04d}.bsky.social"
            await conn.execute(
                entries.insert().values(
                    member_id=member_id,
                    community="movers",
                    platform="bluesky" if n % 4 else "lemon8",
                    handle=handle if n % 4 else f"user_{n:04d}",
                    handle_key=handle if n % 4 else f"user_{n:04d}",
                    visibility="community",
                    verification="self-reported",
                    source="import",
                    created_at=now,
                    updated_at=now,
                )
            )


def embed_size(embed: dict) -> int:
    footer = (embed.get("footer") or {}).get("text", "")
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return len(embed.get("title", "")) + len(embed.get("description", "")) + len(footer) + fields


async def open_directory(standin: DiscordStandin, options: dict | None = None, user=None):
    world = standin.world
    h = await standin.invoke_slash(world.guild, user or world.member, "directory", options or {})
    response = await h.response()
    assert response.kind == "deferred message"
    [message] = await h.followups()
    return h, message

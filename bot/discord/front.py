"""The Discord front as the runner sees it, and the one-shot command sync for ``ferry sync-commands``."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord

from bot.app import App
from bot.discord.client import FerryBot
from bot.discord.sharding import ShardedFerryBot
from bot.runner import FrontStartError

log = logging.getLogger(__name__)

CONNECT_BACKOFF_MAX = 900.0  # seconds; the Bluesky front waits at most as long
# Failures of the network or of Discord's side, worth another try; a refused token, missing intents
# or a 4xx answer are the operator's to fix and end the front. discord.py already retries 5xx
# answers a few times and reconnects the gateway by itself once connected.
RETRYABLE: tuple[type[BaseException], ...] = (
    OSError,  # includes TimeoutError and refused or reset connections
    aiohttp.ClientError,
    discord.GatewayNotFound,
    discord.DiscordServerError,
)


# Gateway close codes that refuse this process's shard set: retrying cannot help, the settings must
# change. Another process of the fleet holding a different DISCORD_SHARD_COUNT gives 4010.
SHARD_REFUSALS = {
    4010: (
        "Discord refused shard {shard}: the shard set is invalid, or another process connects with a "
        "different DISCORD_SHARD_COUNT; give every process the same count"
    ),
    4011: 'Discord requires sharding for this bot: set DISCORD_SHARD_COUNT ("auto" asks Discord)',
}


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failed attempts in a row: doubling from 10 s, capped, jittered."""
    return min(5.0 * 2.0**failures, CONNECT_BACKOFF_MAX) * (0.5 + random.random() / 2)  # noqa: S311


class MissingTokenError(Exception):
    """DISCORD_TOKEN is not set."""


def _token(app: App) -> str:
    token = app.settings.discord_token
    if token is None or not token.get_secret_value():
        raise MissingTokenError("DISCORD_TOKEN is not set (environment or .env)")
    return token.get_secret_value()


def build_bot(app: App, *, sync_dev_guilds: bool = True, **options: Any) -> FerryBot:
    """A FerryBot configured from the settings (dev guilds, owners, and its shards if sharded)."""
    settings = app.settings
    common: dict[str, Any] = {
        "dev_guild_ids": settings.discord_dev_guild_ids if sync_dev_guilds else (),
        "owner_ids": settings.discord_owner_ids,
    }
    if not settings.discord_sharded:
        return FerryBot(app, **common, **options)
    count = settings.discord_shard_count
    ids = settings.discord_shard_ids
    return ShardedFerryBot(
        app,
        shard_count=count if isinstance(count, int) else None,
        shard_ids=None if ids == "all" else ids,
        **common,
        **options,
    )


class DiscordFront:
    """Runs the bot until cancelled; cancellation (SIGTERM via the runner) closes it cleanly."""

    name = "discord"

    def __init__(
        self,
        app: App,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **bot_options: Any,
    ) -> None:
        self.app = app
        self._sleep = sleep
        self._bot_options = bot_options
        self.bot = build_bot(app, **bot_options)

    async def run(self) -> None:
        """Log in, connect and serve until cancelled, retrying with backoff while Discord is unreachable.

        A failed start must not end ``ferry run``: the runner's other fronts would go down with it.
        ``async with`` closes the session and the gateway on the way out of every attempt, and a
        closed client cannot start again, so each retry starts a fresh one.
        """
        token = _token(self.app)
        failures = 0
        try:
            while True:
                try:
                    async with self.bot:
                        await self.bot.start(token)
                    return
                except discord.LoginFailure as exc:
                    raise FrontStartError("Discord refused DISCORD_TOKEN: check it in .env") from exc
                except discord.PrivilegedIntentsRequired as exc:
                    raise FrontStartError("Discord refused an intent Ferry asked for") from exc
                except discord.ConnectionClosed as exc:
                    if exc.code not in SHARD_REFUSALS:
                        raise
                    raise FrontStartError(SHARD_REFUSALS[exc.code].format(shard=exc.shard_id)) from exc
                except RETRYABLE as exc:
                    failures += 1
                    wait = backoff(failures)
                    log.warning(
                        "discord unreachable, retrying the login and gateway connection",
                        extra={
                            "error": f"{type(exc).__name__}: {exc}",
                            "attempt": failures,
                            "retry_in": round(wait),
                        },
                    )
                    await self._sleep(wait)
                    self.bot = build_bot(self.app, **self._bot_options)
        finally:
            log.info("discord front stopping")


async def sync_commands(
    app: App, *, guild_id: int | None = None, clear: bool = False, **bot_options: Any
) -> int:
    """Log in, push the command list (globally, or to one server) and log out; returns the count.

    Global sync is a bulk overwrite with a daily create budget, so it is an explicit step, not
    something every start does. ``clear`` overwrites one server's own copy with nothing: after a
    global sync, a server that also had a copy shows every command twice.
    """
    if clear and guild_id is None:
        raise ValueError("clearing needs the server whose copy to remove")
    bot = build_bot(app, sync_dev_guilds=False, **bot_options)
    async with bot:
        await bot.login(_token(app))  # runs setup_hook, which loads the extensions
        if guild_id is not None:
            guild = discord.Object(guild_id)
            if clear:
                bot.tree.clear_commands(guild=guild)
            else:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        else:
            synced = await bot.tree.sync()
    log.info("commands synced", extra={"guild_id": guild_id, "commands": len(synced), "cleared": clear})
    return len(synced)

"""The Discord front as the runner sees it, and the one-shot command sync for ``ferry sync-commands``."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.app import App
from bot.discord.client import FerryBot
from bot.discord.sharding import ShardedFerryBot

log = logging.getLogger(__name__)


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

    def __init__(self, app: App, **bot_options: Any) -> None:
        self.app = app
        self.bot = build_bot(app, **bot_options)

    async def run(self) -> None:
        """Log in, connect and serve; ``async with`` closes the session and the gateway on the way out."""
        token = _token(self.app)
        async with self.bot:
            try:
                await self.bot.start(token)
            finally:
                log.info("discord front stopping")


async def sync_commands(app: App, *, guild_id: int | None = None, **bot_options: Any) -> int:
    """Log in, push the command list (globally, or to one server) and log out; returns the count.

    Global sync is a bulk overwrite with a daily create budget, so it is an explicit step, not
    something every start does.
    """
    bot = build_bot(app, sync_dev_guilds=False, **bot_options)
    async with bot:
        await bot.login(_token(app))  # runs setup_hook, which loads the extensions
        if guild_id is not None:
            guild = discord.Object(guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        else:
            synced = await bot.tree.sync()
    log.info("commands synced", extra={"guild_id": guild_id, "commands": len(synced)})
    return len(synced)

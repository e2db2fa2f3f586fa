"""The front as the runner uses it: start, serve, stop on cancellation (SIGTERM); and sync-commands."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from bot.discord.front import DiscordFront, sync_commands
from bot.models import EVERY_VISIBILITY
from bot.settings import Settings
from tests.bot.discord.fixtures import wait_for
from tests.support.discord_standin import DiscordStandin, redirect_discord


def _use_app_token(standin: DiscordStandin, app: App) -> None:
    token = app.settings.discord_token
    assert token is not None
    standin.config.token = token.get_secret_value()


async def test_cancelling_the_front_closes_the_bot_cleanly(
    discord_standin: DiscordStandin, ferry_app: App
) -> None:
    _use_app_token(discord_standin, ferry_app)
    ferry_app.settings.discord_dev_guild_ids = (discord_standin.world.guild.id,)
    front = DiscordFront(ferry_app, guild_ready_timeout=0.05)
    with redirect_discord(discord_standin.api_base, discord_standin.gateway_url):
        task = asyncio.create_task(front.run())
        await wait_for(front.bot.is_ready)
        world = discord_standin.world
        h = await discord_standin.invoke_slash(world.guild, world.member, "links")
        assert (await h.response()).kind == "message"
        task.cancel()  # what the runner does on SIGTERM
        with pytest.raises(asyncio.CancelledError):
            await task
    assert front.bot.is_closed()
    assert front.name == "discord"
    # The database outlives the front: the runner closes it after every front has stopped.
    assert await ferry_app.directory.counts(visibilities=EVERY_VISIBILITY, community="movers") == {}


async def test_sync_commands_globally_and_to_one_server(
    discord_standin: DiscordStandin, ferry_app: App
) -> None:
    _use_app_token(discord_standin, ferry_app)
    world = discord_standin.world
    with redirect_discord(discord_standin.api_base, discord_standin.gateway_url):
        assert await sync_commands(ferry_app) == 5
        assert await sync_commands(ferry_app, guild_id=world.guild.id) == 5
    assert {c["name"] for c in discord_standin.commands()} == {
        "handle",
        "directory",
        "links",
        "mydata",
        "ferry",
    }
    assert len(discord_standin.commands(world.guild)) == 5


def test_discord_id_lists_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_DEV_GUILD_IDS", "123456789012345678, 223456789012345678")
    monkeypatch.setenv("DISCORD_OWNER_IDS", "323456789012345678")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.discord_dev_guild_ids == (123456789012345678, 223456789012345678)
    assert settings.discord_owner_ids == (323456789012345678,)
    monkeypatch.delenv("DISCORD_DEV_GUILD_IDS")
    monkeypatch.delenv("DISCORD_OWNER_IDS")
    assert Settings(_env_file=None).discord_dev_guild_ids == ()  # type: ignore[call-arg]


def test_sync_commands_without_a_token_explains_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["sync-commands", "--guild", "123456789012345678"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err

"""The front as the runner uses it: start, serve, stop on cancellation (SIGTERM); and sync-commands."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from pathlib import Path

import discord
import pytest
from discord.http import Route

from bot import runner
from bot.app import App
from bot.discord.front import DiscordFront, sync_commands
from bot.models import EVERY_VISIBILITY
from bot.settings import Settings
from tests.bot.discord.fixtures import COMMANDS, wait_for
from tests.bot.test_runner import SleepyFront, settings
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
        assert await sync_commands(ferry_app) == len(COMMANDS)
        assert await sync_commands(ferry_app, guild_id=world.guild.id) == len(COMMANDS)
    assert {c["name"] for c in discord_standin.commands()} == set(COMMANDS)
    assert len(discord_standin.commands(world.guild)) == len(COMMANDS)


async def test_clearing_a_servers_copy_leaves_the_global_commands(
    discord_standin: DiscordStandin, ferry_app: App
) -> None:
    # A test server synced first and then global shows every command twice until its copy goes.
    _use_app_token(discord_standin, ferry_app)
    world = discord_standin.world
    with redirect_discord(discord_standin.api_base, discord_standin.gateway_url):
        await sync_commands(ferry_app, guild_id=world.guild.id)
        await sync_commands(ferry_app)
        assert len(discord_standin.commands(world.guild)) == len(COMMANDS)
        assert await sync_commands(ferry_app, guild_id=world.guild.id, clear=True) == 0
    assert discord_standin.commands(world.guild) == []
    assert len(discord_standin.commands()) == len(COMMANDS)
    with pytest.raises(ValueError, match="needs the server"):
        await sync_commands(ferry_app, clear=True)


def test_clear_without_a_server_is_refused_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "token")
    assert main(["sync-commands", "--clear"]) == 2
    assert "--guild SERVER_ID" in capsys.readouterr().err


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


def _closed_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once the probe is closed


async def test_a_discord_not_reachable_at_start_is_retried_with_backoff_until_it_is(
    discord_standin: DiscordStandin, ferry_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    _use_app_token(discord_standin, ferry_app)
    ferry_app.settings.discord_dev_guild_ids = (discord_standin.world.guild.id,)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            Route.BASE = discord_standin.api_base  # Discord is reachable again
        await asyncio.sleep(0)

    front = DiscordFront(ferry_app, sleep=sleep, guild_ready_timeout=0.05)
    unreachable = f"http://127.0.0.1:{_closed_loopback_port()}/api/v10"
    with redirect_discord(unreachable, discord_standin.gateway_url), caplog.at_level(logging.WARNING):
        task = asyncio.create_task(front.run())
        await wait_for(lambda: front.bot.is_ready() or task.done())
        assert not task.done(), task.exception()
        world = discord_standin.world
        h = await discord_standin.invoke_slash(world.guild, world.member, "links")
        assert (await h.response()).kind == "message"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(waits) == 2 and 5 <= waits[0] <= 10 <= waits[1] <= 20  # doubling, with jitter
    retried = [r for r in caplog.records if r.getMessage().startswith("discord unreachable, retrying")]
    assert [r.attempt for r in retried] == [1, 2]  # type: ignore[attr-defined]
    assert all("ClientConnectorError" in r.error for r in retried)  # type: ignore[attr-defined]
    assert front.bot.is_closed()


async def test_a_refused_token_is_not_retried(discord_standin: DiscordStandin, ferry_app: App) -> None:
    discord_standin.config.token = "another-token"
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    front = DiscordFront(ferry_app, sleep=sleep)
    with (
        redirect_discord(discord_standin.api_base, discord_standin.gateway_url),
        pytest.raises(runner.FrontStartError, match="Discord refused DISCORD_TOKEN") as refused,
    ):
        await front.run()
    assert isinstance(refused.value.__cause__, discord.LoginFailure)
    assert waits == []
    assert len(discord_standin.violations.take("auth")) == 1  # one login attempt, no more


async def test_the_other_fronts_keep_running_while_discord_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = SleepyFront()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            assert other.started.is_set() and not other.cancelled
            os.kill(os.getpid(), signal.SIGTERM)  # the operator stops Ferry; nothing else did
        await asyncio.sleep(0)

    monkeypatch.setattr(runner, "build_fronts", lambda app, *_: [DiscordFront(app, sleep=sleep), other])
    unreachable = f"http://127.0.0.1:{_closed_loopback_port()}/api/v10"
    with redirect_discord(unreachable, unreachable):
        status = await asyncio.wait_for(runner.run_fronts(settings(tmp_path, discord_token="t")), timeout=10)
    assert status == 0
    assert len(waits) == 3 and other.cancelled

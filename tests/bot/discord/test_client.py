"""The bot itself: extensions, command schemas, intents, mentions and the error handler."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from bot.discord.client import EXTENSIONS, FerryBot
from tests.support.discord_standin import DiscordStandin
from tests.support.discord_standin.command_limits import check_command, check_command_set


async def loaded_bot(app: App) -> FerryBot:
    bot = FerryBot(app)
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    return bot


async def test_every_extension_loads_into_a_never_started_bot(ferry_app: App) -> None:
    bot = await loaded_bot(ferry_app)
    try:
        assert set(bot.extensions) == set(EXTENSIONS)
        names = [command.name for command in bot.tree.get_commands()]
        assert len(names) == len(set(names)), "two top-level commands share a name"
        assert sorted(names) == ["directory", "ferry", "handle", "links", "mydata"]
        for group in bot.tree.get_commands():
            children = [c.name for c in getattr(group, "commands", [])]
            assert len(children) == len(set(children))
        payloads = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
        assert check_command_set(payloads) == []
        for payload in payloads:
            assert check_command(payload) == [], payload["name"]
    finally:
        await bot.close()


async def test_no_privileged_intents_and_no_default_pings(ferry_app: App) -> None:
    bot = FerryBot(ferry_app)
    try:
        assert not (bot.intents.members or bot.intents.presences or bot.intents.message_content)
        assert bot.intents.guilds
        assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}
    finally:
        await bot.close()


async def test_commands_sync_to_the_dev_guild_only(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    assert {c["name"] for c in discord_standin.commands(world.guild)} == {
        "handle",
        "directory",
        "links",
        "mydata",
        "ferry",
    }
    assert discord_standin.commands() == []  # never global on start


async def test_unexpected_errors_get_a_short_id_that_is_logged(
    discord_standin: DiscordStandin, ferry: FerryBot, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    async def broken(**kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(ferry.app.directory, "register", broken)
    world = discord_standin.world
    with caplog.at_level(logging.ERROR, logger="bot.discord.client"):
        h = await discord_standin.invoke_slash(
            world.guild, world.member, "handle add", {"platform": "bluesky", "handle": "a.bsky.social"}
        )
        [message] = await h.followups()
    assert message.ephemeral and message.content.startswith(
        "Something went wrong on Ferry's side. Error id: `"
    )
    error_id = message.content.split("`")[1]
    [record] = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    assert record.command == "handle add" and "database on fire" not in message.content


async def test_commands_outside_a_server_are_not_offered(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    world = discord_standin.world
    command = discord_standin.command("handle", world.guild)
    assert command.get("dm_permission") is False or command.get("contexts") == [0]

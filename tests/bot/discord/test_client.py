"""The bot itself: extensions, command schemas, intents, mentions and the error handler."""

from __future__ import annotations

import logging

import discord
import pytest
from discord import app_commands

from bot.app import App
from bot.discord.client import EXTENSIONS, FerryBot, report_error
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
        assert sorted(names) == ["directory", "ferry", "handle", "links", "mydata", "stats"]
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
        "stats",
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


class _Response:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    def is_done(self) -> bool:
        return False

    async def send_message(self, text: str, *, ephemeral: bool) -> None:
        self.sent.append((text, ephemeral))


class _Interaction:
    """What report_error reads of an interaction; the stand-in never delivers an unresolvable user."""

    def __init__(self) -> None:
        self.locale = discord.Locale.american_english
        self.command = None
        self.user = discord.Object(id=1)
        self.guild_id = 2
        self.id = 3
        self.response = _Response()


async def test_an_option_discord_py_cannot_convert_is_named_in_the_answer() -> None:
    interaction = _Interaction()
    transformer = app_commands.transformers.IdentityTransformer(discord.AppCommandOptionType.user)
    error = app_commands.TransformerError("**4242**", discord.AppCommandOptionType.user, transformer)
    await report_error(interaction, error)  # type: ignore[arg-type]
    assert interaction.response.sent == [
        ("I couldn't use “\\*\\*4242\\*\\*” for that option. Pick one of the suggestions, or check it.", True)
    ]


async def test_a_failed_check_that_is_not_about_admins_says_so() -> None:
    interaction = _Interaction()
    await report_error(interaction, app_commands.CheckFailure("custom"))  # type: ignore[arg-type]
    assert interaction.response.sent == [("You can't use this command here.", True)]

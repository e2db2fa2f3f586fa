"""The message catalogue: complete, consistent placeholders, escaping by default, locale choice."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime

import discord
import pytest
from discord import app_commands

from bot.discord import messages
from bot.discord.client import FerryBot
from bot.discord.locales.zh import ZH_DESCRIPTIONS
from bot.errors import BannedError, InvalidHandleError, RateLimitedError
from bot.platforms import Reason


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_chinese_sentence_has_an_english_one_with_the_same_placeholders() -> None:
    for key, template in messages.ZH.items():
        assert key in messages.EN, key
        assert fields(template) == fields(messages.EN[key]), key


def test_every_handle_reason_reads_as_a_sentence() -> None:
    for reason in Reason:
        error = InvalidHandleError("Bluesky", reason.value, "alice.bsky.social")
        text = messages.error_text("en-US", error)
        assert text.startswith("That isn't a valid Bluesky handle: ") and "`alice.bsky.social`" in text


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (discord.Locale.chinese, "zh"),
        ("zh-CN", "zh"),
        (discord.Locale.taiwan_chinese, "en"),
        ("en-GB", "en"),
        (None, "en"),
    ],
)
def test_locale_choice(locale: object, expected: str) -> None:
    assert messages.locale_of(locale) == expected  # type: ignore[arg-type]


def test_values_are_escaped_unless_raw() -> None:
    assert messages.say("en", "handle.removed", platform="**B**", handle="@everyone") == (
        "Removed your \\*\\*B\\*\\* handle @\u200beveryone."
    )
    assert messages.say("en", "links.deadline", deadline=messages.Raw("<t:1:F>")) == "Move before <t:1:F>."


def test_ban_and_rate_limit_are_worded_with_a_relative_retry_time() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    limited = RateLimitedError("registration", 90.4)
    assert messages.error_text("en-US", limited, now=now) == (
        "That's a lot of changes in a short time. Please try again <t:1767225691:R>."
    )
    assert messages.error_text("zh-CN", limited, now=now) == "短时间内更改太多了，请<t:1767225691:R>再试。"
    assert messages.error_text("en-US", BannedError("discord:1")).startswith("An admin has paused")
    assert "/mydata" in messages.error_text("zh-CN", BannedError("discord:1"))


def test_both_catalogues_have_the_same_sentences() -> None:
    assert set(messages.EN) == set(messages.ZH)


def _descriptions(bot: FerryBot) -> Iterator[tuple[str, str]]:
    for command in bot.tree.walk_commands():
        yield command.qualified_name, command.description
        if isinstance(command, app_commands.Command):
            for parameter in command.parameters:
                yield f"{command.qualified_name} {parameter.name}", parameter.description


async def test_every_command_group_and_parameter_description_has_a_chinese_one(ferry: FerryBot) -> None:
    described = list(_descriptions(ferry))
    assert any(where == "ferry export format" for where, _ in described)  # the walk reaches parameters
    missing = [(where, text) for where, text in described if text not in ZH_DESCRIPTIONS]
    assert missing == [], "\n".join(map(str, missing))

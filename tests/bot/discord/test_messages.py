"""The message catalogue: complete, consistent placeholders, escaping by default, locale choice."""

from __future__ import annotations

import string

import discord
import pytest

from bot.discord import messages
from bot.errors import InvalidHandleError
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

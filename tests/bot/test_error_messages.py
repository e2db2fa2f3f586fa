"""One mapping from domain errors to messages: every key it can produce exists in every front's
catalogue and language, with the values its templates need, and no English reaches a Chinese answer."""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from bot.discord import messages as discord_messages
from bot.discord.locales.en import EN as DISCORD_EN
from bot.discord.locales.zh import ZH as DISCORD_ZH
from bot.error_messages import Message, describe
from bot.errors import (
    LINK_CODE_REASONS,
    BannedError,
    FerryError,
    HandleTakenError,
    InputReason,
    InvalidHandleError,
    InvalidInputError,
    LinkCodeError,
    MemberNotFoundError,
    NotRegisteredError,
    RateLimitedError,
    RegistrationClosedError,
    UnknownCommunityError,
    UnknownPlatformError,
)
from bot.models import Visibility
from bot.platforms import Reason
from bot.text.errors import error_sentence
from bot.text.messages import EN as TEXT_EN
from bot.text.messages import ZH_HANS as TEXT_ZH

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES: dict[str, Mapping[str, str]] = {
    "discord en": DISCORD_EN,
    "discord zh": DISCORD_ZH,
    "text en": TEXT_EN,
    "text zh-Hans": TEXT_ZH,
}
PARAMS = {"low": 1, "high": 9, "limit": 5, "choices": "a, b", "placeholders": "{x}", "columns": "c"}
PARAMS |= {"line": 2, "platform": "lemon8"}


def fields_used() -> set[str]:
    """Every literal field name the code passes to InvalidInputError (or to clean_note as ``field``)."""
    found = set()
    for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("cogs").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "InvalidInputError" and node.args and isinstance(node.args[0], ast.Constant):
                found.add(str(node.args[0].value))
            if name == "clean_note":
                found |= {
                    str(k.value.value)
                    for k in node.keywords
                    if k.arg == "field" and isinstance(k.value, ast.Constant)
                }
    return found


def every_error() -> Iterator[FerryError]:
    yield RateLimitedError("register", 30)
    yield RateLimitedError("link-code", 30)
    yield BannedError()
    yield from (InvalidHandleError("Lemon8", reason.value, "cook") for reason in Reason)
    yield UnknownPlatformError("myspace", ("lemon8",))
    yield NotRegisteredError(None)
    yield NotRegisteredError("Lemon8")
    yield HandleTakenError("Lemon8", "cook", Visibility.PUBLIC)
    yield HandleTakenError("Lemon8", "cook", Visibility.COMMUNITY)
    yield MemberNotFoundError()
    yield MemberNotFoundError(given="nobody")
    yield from (
        InvalidInputError(field, reason, **PARAMS) for field in fields_used() for reason in InputReason
    )
    yield UnknownCommunityError("elsewhere")
    yield RegistrationClosedError("club")
    yield from (LinkCodeError(reason) for reason in LINK_CODE_REASONS)


def keys(message: Message) -> Iterator[tuple[str, set[str]]]:
    yield message.key, set(message.values) | {"community"}
    for value in message.values.values():
        if isinstance(value, Message):
            yield from keys(value)


def test_the_code_names_fields_the_test_sees() -> None:
    assert {"page", "limit", "search", "row", "file", "header", "reason"} <= fields_used()


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_every_message_exists_with_the_values_it_needs(catalogue: str) -> None:
    for error in every_error():
        for outside in (False, True):
            for key, given in keys(describe(error, outside=outside)):
                assert key in CATALOGUES[catalogue], (catalogue, key)
                needed = {n for _, n, _, _ in string.Formatter().parse(CATALOGUES[catalogue][key]) if n}
                assert needed <= given, (catalogue, key, needed - given)


def test_both_fronts_word_member_not_found_specifically() -> None:
    error = MemberNotFoundError(given="nobody")
    assert error_sentence(error, "en", outside=False) == "“nobody” names nobody in this directory."
    assert "nobody" in discord_messages.error_text("en-US", error)


@pytest.mark.parametrize(
    "error",
    [
        InvalidInputError("page", InputReason.OUT_OF_RANGE, low=1, high=1000),
        InvalidInputError("search", InputReason.TOO_LONG, limit=100),
        InvalidInputError("row", InputReason.DUPLICATE_ROW, line=2),
    ],
)
def test_no_english_inside_a_chinese_answer(error: InvalidInputError) -> None:
    for text in (error_sentence(error, "zh-hans", outside=True), discord_messages.error_text("zh-CN", error)):
        assert text.startswith("无效的"), text
        assert not any(word in text for word in ("must", "between", "at most", "duplicate", "page")), text


def test_handle_taken_is_not_confirmed_outside_the_community() -> None:
    hidden = HandleTakenError("Lemon8", "cook", Visibility.COMMUNITY)
    assert "cook" not in error_sentence(hidden, "en", outside=True)
    assert "cook" in error_sentence(hidden, "en", outside=False)
    public = HandleTakenError("Lemon8", "cook", Visibility.PUBLIC)
    assert "cook" in error_sentence(public, "en", outside=True)

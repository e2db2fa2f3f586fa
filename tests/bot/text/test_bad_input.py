"""Bad input on the text fronts (console, Bluesky): each answer says what was wrong, in its language."""

from __future__ import annotations

import pytest

from bot.errors import MemberNotFoundError
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.text.handler import TextCommands, TextContext

RED_ID = "5e8f1a2b3c4d5e6f7a8b9c0d"


def context(locale: str = "en", **kw: object) -> TextContext:
    kw.setdefault("visibilities", frozenset(Visibility))
    return TextContext(
        community="demo",
        identity=Identity(IdentityKind.CONSOLE, "alice"),
        display_name="alice",
        source=Source.CONSOLE,
        locale=locale,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def commands(service: DirectoryService, moderation: ModerationService) -> TextCommands:
    return TextCommands(service, moderation)


@pytest.mark.parametrize("text", ["help 🙏", "help please", "help 谢谢", "commands пожалуйста"])
async def test_a_verb_without_arguments_ignores_trailing_words(commands: TextCommands, text: str) -> None:
    assert await commands.answer(text, context()) == await commands.answer("help", context())


async def test_list_ignores_trailing_words(commands: TextCommands) -> None:
    await commands.answer("add lemon8 cook", context())
    assert "cook" in await commands.answer("me 谢谢", context())


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        (f"add rednote {RED_ID} 谢谢", "en", "I didn't understand “谢谢”. Usage: add <platform>"),
        (f"add rednote {RED_ID} 谢谢", "zh-hans", "我没看懂「谢谢」。用法：add <平台>"),
        ("remove lemon8 🙏", "en", "I didn't understand “🙏”. Usage: remove <platform>"),
        ("directory rednote 2 пожалуйста", "en", "I didn't understand “пожалуйста”. Usage: directory"),
        ("forget lemon8", "en", "I didn't understand “lemon8”. Usage: forget"),
    ],
)
async def test_a_verb_with_arguments_names_the_word_not_understood(
    commands: TextCommands, text: str, locale: str, expected: str
) -> None:
    assert (await commands.answer(text, context(locale))).startswith(expected)


async def test_the_word_echoed_back_is_cleaned_and_short(commands: TextCommands) -> None:
    answer = await commands.answer("remove lemon8 \u202eevil" + "x" * 200, context())
    assert "\u202e" not in answer
    assert "x" * 40 not in answer


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Invalid page: it must be between 1 and 1000."),
        ("zh-hans", "无效的页码：必须在 1 到 1000 之间。"),
    ],
)
async def test_a_page_out_of_range_is_worded_in_the_callers_language(
    commands: TextCommands, locale: str, expected: str
) -> None:
    assert await commands.answer("directory 1001", context(locale)) == expected


async def test_a_member_named_by_nobody_is_worded_not_generic(commands: TextCommands) -> None:
    assert commands._error(MemberNotFoundError(given="ghost"), context()) == (
        "“ghost” names nobody in this directory."
    )

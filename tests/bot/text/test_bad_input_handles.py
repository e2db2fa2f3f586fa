"""Bad handles and names through the text fronts (Bluesky, the console), as on Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.front import ConsoleFront
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.text.handler import TextCommands, TextContext
from tests.bot.test_cli import ferry


def context(name: str, locale: str = "en") -> TextContext:
    return TextContext(
        community="demo",
        identity=Identity(IdentityKind.CONSOLE, name),
        display_name=name,
        source=Source.CONSOLE,
        locale=locale,
        visibilities=frozenset(Visibility),
    )


@pytest.fixture
def commands(service: DirectoryService, moderation: ModerationService) -> TextCommands:
    return TextCommands(service, moderation)


@pytest.mark.parametrize(
    ("line", "wording"),
    [
        ("add lemon8 ⓐⓛⓘⓒⓔ", "not a valid Lemon8 handle"),  # no longer folded into "alice"
        ("add lemon8 𝐚𝐥𝐢𝐜𝐞", "not a valid Lemon8 handle"),
        ("add bluesky ﬁsh.bsky.social", "not a valid Bluesky handle"),
        ("add bluesky xn--80ak6aa92e.com", "spells look-alikes of other letters"),
        ("add bluesky alice.xn--80ak6aa92e.com", "spells look-alikes of other letters"),
        ("add mastodon a@xn--pypal-4ve.com", "spells look-alikes of other letters"),
        ("add mastodon https://xn--80ak6aa92e.com/@bob", "spells look-alikes of other letters"),
    ],
)
async def test_look_alikes_are_refused_and_nothing_is_stored(
    commands: TextCommands, service: DirectoryService, line: str, wording: str
) -> None:
    answer = await commands.answer(line, context("tester"))
    assert wording in answer
    assert (
        await service.handles(
            community="demo", identity=Identity(IdentityKind.CONSOLE, "tester"), visibilities=EVERY_VISIBILITY
        )
        == []
    )


async def test_the_punycode_reason_is_worded_in_chinese(commands: TextCommands) -> None:
    answer = await commands.answer("add bluesky xn--80ak6aa92e.com", context("li", "zh-hans"))
    assert "形似其他字母" in answer


async def test_fullwidth_from_a_cjk_keyboard_is_still_folded(
    commands: TextCommands, service: DirectoryService
) -> None:
    await commands.answer("ａｄｄ lemon8 ａｌｉｃｅ", context("tester"))
    [entry] = await service.handles(
        community="demo", identity=Identity(IdentityKind.CONSOLE, "tester"), visibilities=EVERY_VISIBILITY
    )
    assert entry.handle == "alice"


def test_the_console_keys_its_member_as_an_import_does(commands: TextCommands) -> None:
    front = ConsoleFront(commands, community="demo", member="\u2066Ann\u200b  Lee\u2069")
    assert front._ctx.identity == Identity(IdentityKind.CONSOLE, "Ann Lee")


def test_a_console_name_with_nothing_visible_is_refused(tmp_path: Path) -> None:
    result = ferry(tmp_path, "console", "--community", "demo", "--as", "\u200b\u3164", stdin="list\n")
    assert result.returncode == 2 and "needs a visible name" in result.stderr
    result = ferry(tmp_path, "forget", "--community", "demo", "--console-name", "\u202e")
    assert result.returncode == 2 and "needs a visible name" in result.stderr

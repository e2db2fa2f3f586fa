"""Directory pages on a post-based front: a page is what one answer carries, and paging reaches everyone."""

from __future__ import annotations

import re

import pytest

from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.text.directory import LINE_WIDTH, capacity
from bot.text.handler import TextCommands, TextContext
from bot.text.render import width

HEADER = {
    "en": re.compile(r"page (\d+) of (\d+) \((\d+) handles\)"),
    "zh-hans": re.compile(r"第 (\d+)/(\d+) 页（共 (\d+) 个账号）"),
}
MORE = {"en": "More: {}", "zh-hans": "更多：{}"}
EVERYONE = {"en": "Everyone: https://bsky.app/profile/", "zh-hans": "全部名录：https://bsky.app/profile/"}


def bluesky(**kw: object) -> TextContext:
    return TextContext(
        community="open",
        identity=Identity(IdentityKind.BLUESKY, "did:plc:reader"),
        display_name="Reader",
        source=Source.BLUESKY,
        visibilities=frozenset({Visibility.PUBLIC}),
        rest_hint="https://bsky.app/profile/did:plc:abcdefghijklmnopqrstuvwx/lists/3kabcdefghijk",
        **kw,  # type: ignore[arg-type]
    )


def members() -> list[tuple[str, str, str]]:
    """41+ members: short and long handles, CJK, emoji and very long names, on three platforms."""
    people = []
    for n in range(20):
        people.append((f"红薯{n}号 小红书的老用户", "rednote", f"{n:024x}"))
    for n in range(12):
        people.append((f"M{n}", "mastodon", f"m{n}@" + "very-long-server-name." * 3 + "social"))
    for n in range(10):
        name = "🧳" * 3 + "x" * 90 if n % 2 else f"李{n}"
        people.append((name, "bluesky", f"b{n}.bsky.social"))
    return people


@pytest.fixture
async def commands(service: DirectoryService, moderation: ModerationService) -> TextCommands:
    for n, (name, platform, handle) in enumerate(members()):
        await service.register(
            community="open",
            identity=Identity(IdentityKind.BLUESKY, f"did:plc:m{n:03d}"),
            display_name=name,
            platform=platform,
            handle=handle,
            source=Source.BLUESKY,
        )
    return TextCommands(service, moderation)


async def walk(commands: TextCommands, base: str, ctx: TextContext, max_posts: int) -> tuple[list[str], int]:
    """Every page from 1 on, following the page count the first page states; the handles shown."""
    shown: list[str] = []
    number, pages = 1, 1
    while number <= pages:
        posts = await commands.answer_thread(f"{base} {number}".strip(), ctx, max_posts=max_posts)
        assert len(posts) <= max_posts and all(width(p) <= ctx.budget for p in posts)
        found = HEADER[ctx.locale].search(posts[0])
        assert found is not None, posts[0]
        assert int(found[1]) == number
        pages = int(found[2]) if number == 1 else pages
        assert int(found[2]) == pages
        more = MORE[ctx.locale].format(f"{base} {number + 1}")
        assert (more in posts[-1]) == (number < pages)
        if max_posts > 1:  # one post has no room for both the next command and a whole link
            assert EVERYONE[ctx.locale] in posts[-1]
        text = "\n".join(posts)
        shown += [handle for _, _, handle in members() if f": {handle}" in text]
        number += 1
    return shown, int(found[3])


@pytest.mark.parametrize("max_posts", [1, 2, 4, 10])
async def test_every_member_is_reached_page_by_page(commands: TextCommands, max_posts: int) -> None:
    shown, total = await walk(commands, "directory", bluesky(), max_posts)
    assert total == len(members())
    assert sorted(shown) == sorted(handle for _, _, handle in members())  # each once, none missed


async def test_a_platform_filter_pages_its_own_members(commands: TextCommands) -> None:
    shown, total = await walk(commands, "directory rednote", bluesky(locale="zh-hans"), 4)
    assert total == 20
    assert sorted(shown) == sorted(h for _, p, h in members() if p == "rednote")


async def test_a_page_is_what_one_thread_carries() -> None:
    # Header and footer in the first and last posts, two lines of the widest kind in every post between.
    assert capacity(294, 4, 80, 100, LINE_WIDTH) == 1 + 2 + 2 + 1
    assert capacity(300, 1, 80, 30, LINE_WIDTH) == 1
    assert capacity(4000, 1, 80, 30, LINE_WIDTH) == 26

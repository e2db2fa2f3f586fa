"""The text ``links`` answer: label, platform, URL, note and deadline, and never a URL cut short."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import FerryConfig, load_config
from bot.models import Identity, IdentityKind, Source
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.storage.repository import Repository
from bot.text.handler import TextCommands, TextContext
from bot.text.render import width

URL = re.compile(r"https://\S+")
HEAD = """
[[communities]]
slug = "movers"
name = "Movers"
platforms = ["bluesky", "rednote", "lemon8"]
deadline = 2026-01-19T00:00:00-05:00
"""
LINK = """
[[communities.links]]
label = "{label}"
platform = "{platform}"
url = "{url}"
{note}
"""


def link(label: str, url: str, platform: str = "bluesky", note: str = "") -> str:
    return LINK.format(label=label, platform=platform, url=url, note=f'note = "{note}"' if note else "")


@pytest.fixture
def make_commands(
    tmp_path: Path, repository: Repository, clock: Callable[[], datetime]
) -> Callable[[str], TextCommands]:
    def make(links: str) -> TextCommands:
        path = tmp_path / "ferry.toml"
        path.write_text(HEAD + links, encoding="utf-8")
        config: FerryConfig = load_config(path)
        directory = DirectoryService(repository=repository, config=lambda: config, clock=clock)
        moderation = ModerationService(repository=repository, directory=directory, clock=clock)
        return TextCommands(directory, moderation)

    return make


def context(budget: int, locale: str = "en") -> TextContext:
    return TextContext(
        community="movers",
        identity=Identity(IdentityKind.BLUESKY, "did:plc:someone"),
        display_name="someone",
        source=Source.BLUESKY,
        budget=budget,
        locale=locale,
    )


async def test_every_part_of_a_link_is_shown(make_commands) -> None:
    commands = make_commands(
        link("Starter pack", "https://bsky.app/starter-pack/movers/3abc", note="Follow everyone at once")
        + link("RedNote group", "https://www.xiaohongshu.com/user/profile/5e8f", platform="rednote")
    )
    answer = await commands.answer("links", context(4000))
    assert answer.splitlines() == [
        "Where Movers is going:",
        "Move before 2026-01-19 00:00-05:00.",
        "• Starter pack · Bluesky: https://bsky.app/starter-pack/movers/3abc — Follow everyone at once",
        "• RedNote group · RedNote (Xiaohongshu): https://www.xiaohongshu.com/user/profile/5e8f",
    ]
    chinese = await commands.answer("links", context(4000, "zh-hans"))
    assert chinese.splitlines()[:2] == ["Movers 的新家：", "请在 2026-01-19 00:00-05:00 之前搬家。"]


async def test_a_long_url_is_kept_whole_or_left_out_never_cut(make_commands) -> None:
    long_url = "https://bsky.app/profile/" + "p" * 240
    too_long = "https://bsky.app/profile/" + "q" * 400
    commands = make_commands(
        link("A club with a long name", long_url, note="n" * 100) + link("Huge", too_long)
    )
    posts = await commands.answer_thread("links", context(300), max_posts=4)
    text = "\n".join(posts)
    assert all(width(post) <= 300 for post in posts)
    assert URL.findall(text) == [long_url]  # whole, without the note or label that did not fit
    assert "• Huge · Bluesky: the link is too long for this post" in text


async def test_many_links_make_a_numbered_thread_and_say_when_some_do_not_fit(make_commands) -> None:
    urls = [f"https://bsky.app/starter-pack/movers.bsky.social/{n:03}" + "x" * 60 for n in range(12)]
    commands = make_commands("".join(link(f"Pack {n}", url, note="Join us") for n, url in enumerate(urls)))

    posts = await commands.answer_thread("links", context(300), max_posts=10)
    assert [post.split(" ", 1)[0] for post in posts] == [
        f"{k}/{len(posts)}" for k in range(1, len(posts) + 1)
    ]
    assert all(width(post) <= 300 for post in posts)
    assert URL.findall("\n".join(posts)) == urls  # every link once, in order

    short = await commands.answer_thread("links", context(300), max_posts=2)
    assert len(short) == 2 and short[-1].endswith("More links than fit here: ask on Discord or the web page.")
    assert set(URL.findall("\n".join(short))) < set(urls)

    single = await commands.answer("links", context(300))
    assert single.endswith("More links than fit here: ask on Discord or the web page.")
    assert set(URL.findall(single)) <= set(urls) and width(single) <= 300


async def test_no_links(make_commands) -> None:
    commands = make_commands("")
    assert await commands.answer_thread("links", context(300), max_posts=4) == [
        "Movers has no relocation links yet."
    ]

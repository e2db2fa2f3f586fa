"""Text commands answered through the real service, within the front's budget."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import FerryConfig, load_config
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.storage.repository import Repository
from bot.text.handler import TextCommands, TextContext
from bot.text.render import width

RED_ID = "5e8f1a2b3c4d5e6f7a8b9c0d"


def context(name: str = "alice", **kw: object) -> TextContext:
    """A console-like context: inside the community, so every visibility unless told otherwise."""
    kw.setdefault("visibilities", frozenset(Visibility))
    return TextContext(
        community=str(kw.pop("community", "demo")),
        identity=Identity(IdentityKind.CONSOLE, name),
        display_name=name,
        source=Source.CONSOLE,
        **kw,  # type: ignore[arg-type]
    )


def test_a_context_shows_public_entries_only_unless_told() -> None:
    ctx = TextContext(
        community="demo",
        identity=Identity(IdentityKind.CONSOLE, "x"),
        display_name="x",
        source=Source.CONSOLE,
    )
    assert set(ctx.visibilities) == {Visibility.PUBLIC}


@pytest.fixture
def commands(service: DirectoryService, moderation: ModerationService) -> TextCommands:
    return TextCommands(service, moderation)


async def test_add_replace_list_remove(commands: TextCommands) -> None:
    ctx = context()
    assert await commands.answer("add lemon8 @cook", ctx) == (
        "Added Lemon8: cook https://www.lemon8-app.com/@cook"
    )
    assert (
        await commands.answer("add lemon8 cook", ctx)
        == "You already have Lemon8: cook https://www.lemon8-app.com/@cook"
    )
    replaced = await commands.answer("add lemon8 chef", ctx)
    assert replaced.startswith("Updated Lemon8: chef (was cook)")
    listed = await commands.answer("me", ctx)
    assert listed.splitlines() == [
        "Your handles in Demo Community:",
        "• Lemon8: chef https://www.lemon8-app.com/@chef",
    ]
    assert await commands.answer("remove lemon8", ctx) == "Removed your Lemon8 handle chef."
    assert await commands.answer("remove lemon8", ctx) == "You have no Lemon8 handle here."
    assert "no handles" in await commands.answer("list", ctx)


async def test_errors_are_specific(commands: TextCommands) -> None:
    ctx = context()
    assert "Usage: remove <platform>" in await commands.answer("remove", ctx)
    bad = await commands.answer("add rednote 5e8f1a2b3c4d5e6f7a8b9c0", ctx)  # 23 hex digits
    assert "RedNote" in bad and "Example:" in bad
    invisible = await commands.answer("add lemon8 co\u200bok", ctx)
    assert "invisible" in invisible
    taken_ctx = context("bob")
    await commands.answer("add lemon8 cook", ctx)
    assert "already registered" in await commands.answer("add lemon8 COOK", taken_ctx)
    assert "Ferry keeps nothing about you" in await commands.answer("forget", taken_ctx)


def bluesky_context(did: str) -> TextContext:
    """A public front: what it answers may be read by anyone, outside the community too."""
    return TextContext(
        community="demo",
        identity=Identity(IdentityKind.BLUESKY, did),
        display_name=did,
        source=Source.BLUESKY,
        visibilities=frozenset({Visibility.PUBLIC}),
    )


@pytest.mark.parametrize(
    ("holder_visibility", "reveals"), [(Visibility.COMMUNITY, False), (Visibility.PUBLIC, True)]
)
async def test_a_public_front_says_a_handle_is_taken_only_when_the_entry_is_public(
    commands: TextCommands, service: DirectoryService, holder_visibility: Visibility, reveals: bool
) -> None:
    await service.register(
        community="demo",
        identity=Identity(IdentityKind.CONSOLE, "cook"),
        display_name="Cook",
        platform="lemon8",
        handle="cook",
        source=Source.CONSOLE,
        visibility=holder_visibility,
    )
    answer = await commands.answer("add lemon8 cook", bluesky_context("did:plc:someoneelse"))
    if reveals:
        assert answer.startswith("Someone else in this community already registered Lemon8 cook.")
    else:
        assert answer.startswith("I can't register that Lemon8 handle for you here. If it is yours")
        assert "cook" not in answer and "already" not in answer
    # Inside the community (the console) the plain fact is no secret.
    inside = await commands.answer("add lemon8 cook", context("bob"))
    assert "already registered Lemon8 cook" in inside


async def test_directory_fits_the_bluesky_budget(commands: TextCommands) -> None:
    handles = [f"{index:024x}" for index in range(25)]
    for index, handle in enumerate(handles):
        await commands.answer(f"add rednote {handle}", context(f"member-{index:02}-with-a-long-name"))
    ctx = context(budget=300)
    first = await commands.answer("directory rednote", ctx)
    assert width(first) <= 300
    header = first.splitlines()[0]
    assert header.startswith("Demo Community directory on RedNote (Xiaohongshu), page 1 of ")
    pages = int(header.split(" of ")[1].split(" ")[0])
    assert header.endswith(f"page 1 of {pages} (25 handles):")
    assert first.endswith("More: directory rednote 2")
    seen: list[str] = []
    for number in range(1, pages + 1):
        answer = await commands.answer(f"directory xhs {number}", ctx)
        assert width(answer) <= 300 and f"page {number} of {pages} (25 handles)" in answer
        lines = [line for line in answer.splitlines() if line.startswith("• ")]
        assert lines and all("https://www.xiaohongshu.com/user/profile/" in line for line in lines)
        seen += [h for h in handles for line in lines if f": {h} " in line]
        assert ("More:" in answer) == (number < pages)
    assert seen == handles  # every member, once, in order


async def test_directory_shows_only_what_the_front_may_show(commands: TextCommands) -> None:
    await commands.answer("add lemon8 private1", context("a"))
    public = await commands.answer("directory", context("b", visibilities=frozenset({Visibility.PUBLIC})))
    assert "Nobody is in the directory yet" in public
    everyone = await commands.answer("directory", context("b"))
    assert "private1" in everyone


async def test_links_help_and_forget(commands: TextCommands) -> None:
    ctx = context()
    links = await commands.answer("links", ctx)
    assert (
        links.splitlines()[1]
        == "• Our Bluesky starter pack · Bluesky: https://bsky.app/starter-pack/demo.bsky.social/3abc"
    )
    help_text = await commands.answer("help", ctx)
    assert "add <platform> <handle>" in help_text and "rednote" in help_text
    await commands.answer("add lemon8 cook", ctx)
    assert "(1 handle)" in await commands.answer("forget", ctx)


async def test_chinese_answers(commands: TextCommands) -> None:
    ctx = context(locale="zh-hans")
    assert (await commands.answer("add lemon8 cook", ctx)).startswith("已添加 Lemon8：cook")
    short_link = await commands.answer("add rednote https://xhslink.com/abc", ctx)
    assert "不会打开短链接" in short_link


async def test_echoed_words_lose_invisible_characters(commands: TextCommands) -> None:
    answer = await commands.answer("add my\u202espace\u200b" + "x" * 100 + " tom", context())
    assert "\u202e" not in answer and "\u200b" not in answer
    assert "“myspacexxxxxxxxxxxxxxxxxxxxxxxx…”" in answer


async def test_a_platform_disabled_since_is_still_called_by_its_name(
    repository: Repository, moderation: ModerationService, tmp_path: Path, clock: Callable[[], datetime]
) -> None:
    def config(platforms: str) -> FerryConfig:
        path = tmp_path / f"{platforms.count(',')}.toml"
        path.write_text(f'[[communities]]\nslug = "demo"\nname = "Demo"\nplatforms = [{platforms}]\n')
        return load_config(path)

    current = [config('"lemon8", "tiktok"')]
    service = DirectoryService(repository=repository, config=lambda: current[0], clock=clock)
    await TextCommands(service, moderation).answer("add tiktok cook", context())
    current[0] = config('"lemon8"')
    assert "• TikTok: cook" in await TextCommands(service, moderation).answer("list", context())

"""The ``join`` verb, a community named before the verb, and directory answers as threads."""

import pytest

from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Verification, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.text.handler import TextCommands, TextContext
from bot.text.parser import Command, ParseError, Verb, parse
from bot.text.render import thread_parts, width


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@ferry.test join", Command(Verb.JOIN)),
        ("JOIN!", Command(Verb.JOIN)),
        ("@ferry craft-circle directory 2", Command(Verb.DIRECTORY, page=2, community="craft-circle")),
        ("open join", Command(Verb.JOIN, community="open")),
        ("Open Help", Command(Verb.HELP, community="open")),
        ("help", Command(Verb.HELP)),
    ],
)
def test_parses_join_and_a_leading_community(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["x join", "hello there"])
def test_rejects_what_is_not_a_command(text: str) -> None:
    with pytest.raises(ParseError):
        parse(text)


def bluesky(did: str = "did:plc:alice", handle: str | None = "alice.test", **kw: object) -> TextContext:
    return TextContext(
        community=str(kw.pop("community", "demo")),
        identity=Identity(IdentityKind.BLUESKY, did),
        display_name="Alice",
        source=Source.BLUESKY,
        handle=handle,
        communities=("demo", "open"),
        visibilities=frozenset({Visibility.PUBLIC}),
        **kw,  # type: ignore[arg-type]
    )


async def test_join_registers_the_own_account_as_proven(
    service: DirectoryService, moderation: ModerationService
) -> None:
    commands = TextCommands(service, moderation)
    assert await commands.answer("open join", bluesky()) == (
        "Welcome! You are in the Open House directory as @alice.test ✓"
    )
    assert await commands.answer("open join", bluesky()) == (
        "You are already in the Open House directory as @alice.test ✓"
    )
    [entry] = await service.handles(
        visibilities=EVERY_VISIBILITY,
        community="open",
        identity=Identity(IdentityKind.BLUESKY, "did:plc:alice"),
    )
    assert entry.verification is Verification.BLUESKY_PROVEN
    assert entry.source is Source.BLUESKY


async def test_join_is_refused_where_the_author_is_not_proven(
    service: DirectoryService, moderation: ModerationService
) -> None:
    console = TextContext(
        community="demo",
        identity=Identity(IdentityKind.CONSOLE, "op"),
        display_name="op",
        source=Source.CONSOLE,
    )
    answer = await TextCommands(service, moderation).answer("join", console)
    assert answer.startswith("join works only when you mention Ferry on Bluesky")


async def test_a_community_the_front_does_not_serve_is_unknown(
    service: DirectoryService, moderation: ModerationService
) -> None:
    answer = await TextCommands(service, moderation).answer("elsewhere help", bluesky())
    assert answer == "There is no community called \u201celsewhere\u201d."


async def test_directory_thread_fits_posts_and_ends_with_the_rest(
    service: DirectoryService, moderation: ModerationService
) -> None:
    for n in range(30):
        await service.register(
            community="open",
            identity=Identity(IdentityKind.BLUESKY, f"did:plc:m{n}"),
            display_name=f"Mover {n} 👩‍👩‍👧",
            platform="bluesky",
            handle=f"mover{n:02d}.bsky.social",
            source=Source.BLUESKY,
        )
    ctx = bluesky(community="open", budget=298, rest_hint="https://ferry.example.org/open")
    posts = await TextCommands(service, moderation).answer_thread("directory", ctx, max_posts=3)
    assert 1 < len(posts) <= 3
    assert [p[:4] for p in posts] == [f"{k}/{len(posts)} " for k in range(1, len(posts) + 1)]
    assert all(width(p) <= 298 for p in posts)
    assert posts[0].startswith(f"1/{len(posts)} Open House directory, page 1 of ")
    assert posts[-1].endswith("More: directory 2 · Everyone: https://ferry.example.org/open")
    single = await TextCommands(service, moderation).answer_thread("links", ctx, max_posts=3)
    assert len(single) == 1


def test_thread_parts_puts_the_footer_in_its_own_post_when_needed() -> None:
    lines = ["x" * 40] * 2
    posts, shown = thread_parts("head", lines, "f" * 30, room=90, max_posts=3)
    assert shown == 2
    assert posts[-1] == "f" * 30
    posts, _ = thread_parts("head", ["y" * 10], "foot", room=90, max_posts=3)
    assert posts == ["head\n" + "y" * 10 + "\nfoot"]

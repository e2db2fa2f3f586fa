"""The console front: a script on stdin answered line by line, for one member inside the community."""

from __future__ import annotations

import io

from bot.console.front import ConsoleFront
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Visibility
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.text.handler import TextCommands


async def test_a_script_changes_visibility_and_shows_my_data(
    service: DirectoryService, moderation: ModerationService
) -> None:
    front = ConsoleFront(TextCommands(service, moderation), community="demo", member="alice")
    script = io.StringIO("add lemon8 cook\nvisibility lemon8 public\nmy data\nvisibility all community\n")
    out = io.StringIO()
    await front.run(stdin=script, stdout=out)
    blocks = out.getvalue().split("\n\n")
    assert blocks[1].startswith("> visibility lemon8 public\nDone, now public: Lemon8. Anyone may see it")
    assert blocks[2].splitlines() == [
        "> my data",
        "What Ferry keeps about you in Demo Community:",
        "• Lemon8: cook (public, self-reported, added 2025-01-18)",
        "Name: alice · member since 2025-01-18",
        "Accounts: console:alice",
        "Erase it all: forget",
    ]
    assert blocks[3].startswith("> visibility all community\nDone, now community-only: Lemon8.")
    [entry] = await service.handles(
        visibilities=EVERY_VISIBILITY, community="demo", identity=Identity(IdentityKind.CONSOLE, "alice")
    )
    assert entry.visibility is Visibility.COMMUNITY


async def test_a_script_asking_for_the_links(
    service: DirectoryService, moderation: ModerationService
) -> None:
    front = ConsoleFront(TextCommands(service, moderation), community="demo", member="alice")
    out = io.StringIO()
    await front.run(stdin=io.StringIO("links\n"), stdout=out)
    assert "Where Demo Community is going:\n" in out.getvalue()
    assert "• Our Bluesky starter pack · Bluesky: https://bsky.app/starter-pack/demo.bsky.social/3abc" in (
        out.getvalue()
    )

"""The console front: a script on stdin answered line by line, the relocation links included."""

from __future__ import annotations

import io

from bot.console.front import ConsoleFront
from bot.services.directory import DirectoryService
from bot.text.handler import TextCommands


async def test_a_script_asking_for_the_links(service: DirectoryService) -> None:
    front = ConsoleFront(TextCommands(service), community="demo", member="alice")
    out = io.StringIO()
    await front.run(stdin=io.StringIO("links\n"), stdout=out)
    assert "Where Demo Community is going:\n" in out.getvalue()
    assert "• Our Bluesky starter pack · Bluesky: https://bsky.app/starter-pack/demo.bsky.social/3abc" in (
        out.getvalue()
    )

"""ProgressEdits: throttled by its clock, one edit in flight, none after Discord refused one."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import discord

from bot.discord.admin import Interaction
from bot.discord.progress import ProgressEdits


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeInteraction:
    """Records the edits; ``gate`` holds an edit open, ``refuse`` makes Discord say no."""

    def __init__(self) -> None:
        self.edits: list[str] = []
        self.gate: asyncio.Event | None = None
        self.refuse = False

    async def edit_original_response(self, *, content: str, view: Any) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.refuse:
            response = type("Response", (), {"status": 401, "reason": "Unauthorized"})()
            raise discord.HTTPException(
                cast(Any, response), {"code": 50027, "message": "Invalid Webhook Token"}
            )
        self.edits.append(content)


def make(clock: Clock) -> tuple[FakeInteraction, ProgressEdits]:
    fake = FakeInteraction()
    edits = ProgressEdits(cast(Interaction, fake), lambda n, t: f"{n}/{t}", every=3.0, clock=clock)
    return fake, edits


async def test_at_most_one_edit_every_interval_and_never_the_final_state() -> None:
    clock = Clock()
    fake, progress = make(clock)
    await progress.show(0, 100)
    for done, at in ((10, 101.0), (20, 103.0), (30, 104.0), (40, 105.9), (50, 106.0), (100, 120.0)):
        clock.now = at
        progress(done, 100)
        await progress.settle()
    assert fake.edits == ["0/100", "20/100", "50/100"]  # 100/100 is the caller's report to show


async def test_a_call_while_an_edit_is_in_flight_is_skipped() -> None:
    clock = Clock()
    fake, progress = make(clock)
    fake.gate = asyncio.Event()
    clock.now = 110.0
    progress(10, 100)
    clock.now = 120.0
    progress(20, 100)  # the first edit still waits on Discord
    fake.gate.set()
    await progress.settle()
    assert fake.edits == ["10/100"]


async def test_no_edit_is_tried_after_one_was_refused() -> None:
    clock = Clock()
    fake, progress = make(clock)
    fake.refuse = True
    await progress.show(0, 100)
    assert progress.refused
    fake.refuse = False
    clock.now = 200.0
    progress(50, 100)
    await progress.settle()
    assert fake.edits == []

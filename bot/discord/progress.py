"""Progress of a long admin action, shown by editing the interaction's own message.

The service reports progress synchronously, between its own awaits; each edit is started as a task
so the work never waits on Discord. Edits are throttled (Discord rate-limits edits of one message,
and a person needs no more than one every few seconds), at most one is in flight, and once Discord
refuses one (typically the interaction token's 15 minutes are over) no more are tried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import discord

from bot.discord.admin import Interaction

log = logging.getLogger(__name__)

EDIT_EVERY_S = 3.0

Text = Callable[[int, int], str]  # (done, total) -> the message's content


class ProgressEdits:
    """A ``(done, total)`` callable that edits ``interaction``'s original response with ``text``."""

    def __init__(
        self,
        interaction: Interaction,
        text: Text,
        *,
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interaction = interaction
        self._text = text
        self._every = EDIT_EVERY_S if every is None else every
        self._clock = clock
        self._last = clock()
        self._pending: asyncio.Task[None] | None = None
        self.refused = False  # Discord refused an edit: the message can no longer be changed

    async def show(self, done: int, total: int) -> None:
        """Edit now, waiting for it: the first state, shown before the work starts."""
        self._last = self._clock()
        await self._edit(done, total)

    def __call__(self, done: int, total: int) -> None:
        if self.refused or total <= 0 or done >= total:
            return  # the final state is the caller's report, not a progress line
        if self._pending is not None and not self._pending.done():
            return
        now = self._clock()
        if now - self._last < self._every:
            return
        self._last = now
        self._pending = asyncio.create_task(self._edit(done, total))

    async def settle(self) -> None:
        """Wait for an edit in flight, so it cannot land after (and over) the final report."""
        if self._pending is not None:
            await self._pending

    async def _edit(self, done: int, total: int) -> None:
        try:
            await self._interaction.edit_original_response(content=self._text(done, total), view=None)
        except discord.HTTPException as exc:
            self.refused = True
            log.warning(
                "progress edit refused; no more edits",
                extra={"status": exc.status, "code": exc.code, "done": done, "total": total},
            )

"""Running singleton work only while this process leads, and stopping it the moment it may not."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.cluster.election import Leadership, LeadershipLostError

log = logging.getLogger(__name__)


async def run_while_leader(leadership: Leadership, work: Callable[[], Awaitable[None]], *, name: str) -> None:
    """Start ``work()`` each time this process becomes leader; cancel it when leadership may be lost.

    ``work`` is a factory, so each term starts from fresh objects rather than whatever state the last
    term was cancelled in. A :class:`LeadershipLostError` raised by a fence inside the work ends the
    term like a lost lease; any other error propagates (``ferry run`` then stops, as for any front).
    """
    while True:
        await leadership.wait_leader()
        log.info("singleton work starting", extra={"work": name})
        term = asyncio.ensure_future(work())
        lost = asyncio.ensure_future(leadership.wait_lost())
        try:
            await asyncio.wait({term, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (lost, term):
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, LeadershipLostError):
                    await task
        if term.done() and not term.cancelled() and term.exception() is None and not lost.done():
            return  # the work finished by itself
        log.warning("singleton work stopped: leadership lost", extra={"work": name})

"""Electing the one process that does the singleton work, on a PostgreSQL lease row.

Why a lease row and not a session advisory lock (docs/scale-out.md has the long form):

- the lease's expiry is decided by the server's clock in the same statement that takes it, so a
  frozen or cut-off holder loses it after ``ttl`` whatever happened to its TCP connection; an
  advisory lock lives as long as the server believes the session does, which for a silently dead
  peer is the kernel's keepalive timeout (minutes) unless every server is tuned for it;
- it works through PgBouncer in transaction pooling, where session locks break;
- every change of holder bumps a token, which fences a superseded leader and shows in ``ferry status``.

The holder also keeps a *local* deadline on the monotonic clock: the moment it sent its last
successful renewal plus ``ttl`` minus a safety ``margin``. The server's expiry is counted from a
later moment (when it ran the statement), so the local deadline always passes first: a process that
was frozen, or could not reach the server, knows it may no longer be leader before anyone else can
have taken over, and :meth:`Elector.check` refuses. Wall-clock jumps change neither clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

SINGLETON = "singleton"  # the one lease: Bluesky front, scheduler, sweeps
FAILURE_LOG_EVERY = 60  # attempts without an answer between two warnings


class LeadershipLostError(Exception):
    """This process may no longer be the leader; the write it was about to do must not happen."""


class LeaseStore(Protocol):
    """What the elector needs of ``bot.storage.cluster.ClusterStore``."""

    async def try_acquire(self, name: str, holder: str, ttl: float) -> int | None: ...

    async def release(self, name: str, holder: str) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ElectionTiming:
    """Seconds. Worst-case takeover after a crash or a freeze: ``ttl`` + ``retry_every``."""

    ttl: float = 10.0
    renew_every: float = 2.0
    retry_every: float = 1.0  # a follower's query a second is cheap, and bounds the takeover
    margin: float = 2.0  # local deadline = renewal sent + ttl - margin
    call_timeout: float = 3.0  # a renewal that takes longer counts as failed

    def __post_init__(self) -> None:
        if not 0 < self.renew_every + self.call_timeout < self.ttl - self.margin:
            raise ValueError("a renewal (and its timeout) must fit well inside the lease")


class Leadership(Protocol):
    """What the gated work and the fences need to know about leadership."""

    @property
    def is_leader(self) -> bool: ...

    def check(self) -> int: ...

    async def wait_leader(self) -> None: ...

    async def wait_lost(self) -> None: ...


class AlwaysLeader:
    """SQLite: the one process is the leader, always (a second one is refused at start)."""

    is_leader = True

    def check(self) -> int:
        return 1

    async def wait_leader(self) -> None:
        return

    async def wait_lost(self) -> None:
        await asyncio.Event().wait()

    async def run(self) -> None:
        await asyncio.Event().wait()


class NeverLeader:
    """A process that does no singleton work (``ferry web``) and never campaigns."""

    is_leader = False

    def check(self) -> int:
        raise LeadershipLostError("this process never leads")

    async def wait_leader(self) -> None:
        await asyncio.Event().wait()

    async def wait_lost(self) -> None:
        return


class Elector:
    """Campaigns for a lease until cancelled; :attr:`is_leader` and :meth:`check` say where it stands."""

    def __init__(
        self,
        store: LeaseStore,
        *,
        holder: str,
        name: str = SINGLETON,
        timing: ElectionTiming | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store = store
        self.holder = holder
        self.name = name
        self.timing = timing or ElectionTiming()
        self._monotonic = monotonic
        self._sleep = sleep
        self._deadline: float | None = None  # local end of leadership, monotonic seconds
        self.token: int | None = None
        self.failures = 0  # attempts in a row that got no answer

    @property
    def is_leader(self) -> bool:
        """Whether this process may act as leader right now."""
        return self._deadline is not None and self._monotonic() < self._deadline

    def check(self) -> int:
        """The fencing token; raises :class:`LeadershipLostError` when leadership may have passed."""
        if not self.is_leader or self.token is None:
            self._step_down("deadline passed")
            raise LeadershipLostError(f"{self.holder} is no longer sure to hold the {self.name} lease")
        return self.token

    async def wait_leader(self) -> None:
        """Return once this process leads."""
        while not self.is_leader:
            await self._sleep(0.2)

    async def wait_lost(self) -> None:
        """Return once this process may no longer lead (deadline passed or lease refused)."""
        while self.is_leader:
            assert self._deadline is not None
            await self._sleep(min(0.25, max(0.0, self._deadline - self._monotonic())))
        self._step_down("deadline passed")

    async def run(self) -> None:
        """Take, keep and, when cancelled, give up the lease."""
        try:
            while True:
                await self.campaign_once()
                await self._sleep(self.timing.renew_every if self.is_leader else self.timing.retry_every)
        finally:
            if self._deadline is not None:
                self._step_down("stopping", level=logging.INFO)
                await asyncio.shield(self._release())

    async def campaign_once(self) -> None:
        """One attempt to take or renew the lease."""
        sent = self._monotonic()
        try:
            async with asyncio.timeout(self.timing.call_timeout):
                token = await self._store.try_acquire(self.name, self.holder, self.timing.ttl)
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            # Unknown outcome: keep the local deadline of the last success and let it run out.
            self.failures += 1
            if self.failures == 1 or self.failures % FAILURE_LOG_EVERY == 0:  # once a minute, not a second
                log.warning(
                    "leader lease unreachable",
                    extra={"error": str(exc) or type(exc).__name__, "attempts": self.failures},
                )
            return
        if self.failures:
            log.info("leader lease reachable again", extra={"attempts": self.failures})
            self.failures = 0
        if token is None:
            self._step_down("lease held by another process")
            return
        if self.token != token or self._deadline is None:
            log.info("leadership acquired", extra={"holder": self.holder, "lease": self.name, "token": token})
        self.token = token
        self._deadline = sent + self.timing.ttl - self.timing.margin

    def _step_down(self, why: str, *, level: int = logging.WARNING) -> None:
        if self._deadline is None:
            return
        self._deadline = None
        log.log(level, "leadership lost", extra={"holder": self.holder, "lease": self.name, "reason": why})

    async def _release(self) -> None:
        try:
            async with asyncio.timeout(self.timing.call_timeout):
                await self._store.release(self.name, self.holder)
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            log.warning("leader lease not released; it expires by itself", extra={"error": str(exc)})

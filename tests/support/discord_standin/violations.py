"""The record of everything the bot sent that real Discord would have refused or punished.

A violation is recorded server-side and answered the way Discord would (an HTTP error or a gateway
close), so the bot's own error handling runs; the pytest fixture then fails the test at teardown
unless the test claimed the violation first. That way a bot that swallows an HTTPException still
cannot hide a payload Discord would reject.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Violation:
    """One refused request: ``kind`` groups them (``limit``, ``deadline``, ``mentions`` ...)."""

    kind: str
    detail: str
    method: str = ""
    path: str = ""
    code: int = 0

    def describe(self) -> str:
        where = f" on {self.method} {self.path}" if self.method else ""
        code = f" (Discord code {self.code})" if self.code else ""
        return f"[{self.kind}]{where}{code}: {self.detail}"

    def matches(self, kind: str | None, match: str | None) -> bool:
        if kind is not None and self.kind != kind:
            return False
        return match is None or re.search(match, self.describe()) is not None


@dataclass
class ViolationLog:
    """Pending violations; a test claims the ones it provoked, the fixture fails on the rest."""

    pending: list[Violation] = field(default_factory=list)
    claimed: list[Violation] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, violation: Violation) -> None:
        self.pending.append(violation)
        self._changed.set()

    def take(self, kind: str | None = None, match: str | None = None) -> list[Violation]:
        """Remove and return the pending violations that match (all of them without filters)."""
        taken = [v for v in self.pending if v.matches(kind, match)]
        self.pending = [v for v in self.pending if not v.matches(kind, match)]
        self.claimed.extend(taken)
        return taken

    async def wait_for(
        self,
        kind: str | None = None,
        match: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Violation:
        """The first matching violation, claimed; waits because the bot's request is concurrent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, violation in enumerate(self.pending):
                if violation.matches(kind, match):
                    del self.pending[index]
                    self.claimed.append(violation)
                    return violation
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = "\n  ".join(v.describe() for v in self.pending) or "none"
                raise AssertionError(
                    f"expected a Discord stand-in violation (kind={kind!r}, match={match!r}) "
                    f"within {timeout}s; pending violations:\n  {seen}"
                )
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue

    @asynccontextmanager
    async def expect(
        self,
        kind: str | None = None,
        match: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> AsyncIterator[list[Violation]]:
        """Assert the block provokes at least one matching violation; yields the claimed list."""
        found: list[Violation] = []
        yield found
        found.append(await self.wait_for(kind, match, timeout))
        found.extend(self.take(kind, match))

    def report(self) -> str:
        lines = "\n".join(f"  - {v.describe()}" for v in self.pending)
        return (
            f"the bot sent {len(self.pending)} request(s) that Discord would refuse "
            f"(claim expected ones with standin.violations.expect/take):\n{lines}"
        )

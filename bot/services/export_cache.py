"""Exports anyone may ask for, built once per directory version and rebuilt only within a limit.

A member's *Export CSV* button and the public ``directory.csv`` each read the whole directory. A
copy is kept per community and variant (which filters, which audience) until the community's
version moves: the change feed bumps it after every committed change. Changes made by another
process never reach this feed, so a copy is also dropped after ``max_age`` seconds, the staleness
the page's ``Cache-Control`` already allows. Concurrent requests for a missing copy wait for one
build instead of starting their own, and only a build counts against the requester's allowance
(a member, a client address): serving a kept copy costs nothing worth limiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from bot.services.events import ChangeFeed, DirectoryChange
from bot.services.ratelimit import Limit, MonotonicClock, RateLimiter

EXPORT = "export"  # the RateLimitedError action the fronts word as "too many exports"
DEFAULT_MAX_AGE = 60.0
DEFAULT_REBUILDS = (Limit(6, 60.0), Limit(30, 3600.0))
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # all kept copies together; a larger single one is not kept
DEFAULT_MAX_COPIES = 256  # searches make a variant each; the least recently served go first


@dataclass(frozen=True, slots=True)
class Export:
    """A built export: the file's bytes and how many records it holds."""

    data: bytes
    count: int


@dataclass(frozen=True, slots=True)
class _Kept:
    version: int
    built_at: float
    export: Export


Build = Callable[[], Awaitable[Export]]


class ExportCache:
    """Kept exports per (community, variant), with a per-requester limit on rebuilding them."""

    def __init__(
        self,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        rebuilds: tuple[Limit, ...] = DEFAULT_REBUILDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_copies: int = DEFAULT_MAX_COPIES,
        clock: MonotonicClock = time.monotonic,
    ) -> None:
        self._max_age = max_age
        self._rebuilds = rebuilds
        self._max_bytes = max_bytes
        self._max_copies = max_copies
        self._clock = clock
        self._limiter = RateLimiter(clock=clock)
        self._versions: dict[str, int] = {}
        self._kept: OrderedDict[tuple[str, Hashable], _Kept] = OrderedDict()
        self._size = 0
        self._building: dict[tuple[str, Hashable, int], asyncio.Future[Export]] = {}

    def listen(self, changes: ChangeFeed) -> Callable[[], None]:
        """Follow ``changes``; returns the function that stops following."""
        return changes.subscribe(self._on_change)

    async def _on_change(self, change: DirectoryChange) -> None:
        self.invalidate(change.community)

    def invalidate(self, community: str) -> None:
        """The community's directory changed: no kept copy of it is served again."""
        self._versions[community] = self._versions.get(community, 0) + 1

    async def get(self, community: str, variant: Hashable, *, requester: Hashable, build: Build) -> Export:
        """The kept copy if it is current, else a fresh build (RateLimitedError past the allowance)."""
        key = (community, variant)
        version = self._versions.get(community, 0)
        kept = self._kept.get(key)
        if kept is not None and kept.version == version and self._clock() - kept.built_at < self._max_age:
            self._kept.move_to_end(key)
            return kept.export
        pending = self._building.get((community, variant, version))
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this request itself was cancelled
                # The reader whose request was building it left: build it for this one instead.
        # Counted per requester and community, before the build: a refused request reads nothing.
        self._limiter.acquire((requester, community), EXPORT, self._rebuilds)
        future: asyncio.Future[Export] = asyncio.get_running_loop().create_future()
        self._building[(community, variant, version)] = future
        try:
            export = await build()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marked retrieved: with nobody waiting, asyncio would log it as lost
            raise
        finally:
            del self._building[(community, variant, version)]
        future.set_result(export)
        if self._versions.get(community, 0) == version:  # not already stale
            self._keep(key, _Kept(version, self._clock(), export))
        return export

    def _keep(self, key: tuple[str, Hashable], kept: _Kept) -> None:
        old = self._kept.pop(key, None)
        if old is not None:
            self._size -= len(old.export.data)
        if len(kept.export.data) > self._max_bytes:
            return
        self._kept[key] = kept
        self._size += len(kept.export.data)
        while self._size > self._max_bytes or len(self._kept) > self._max_copies:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped.export.data)

"""The registry of live processes: each writes a heartbeat row, which ``ferry status`` and health read."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy.exc import SQLAlchemyError

from bot.cluster.election import Leadership
from bot.storage.cluster import ClusterStore, ProcessInfo

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
# A process silent this long is shown as gone; its row is deleted after FORGET_AFTER.
ALIVE_WITHIN = timedelta(seconds=30)
FORGET_AFTER = timedelta(hours=1)


def ferry_version() -> str:
    """The installed package version, for spotting a half-finished rolling upgrade in ``ferry status``."""
    try:
        return version("ferry")
    except PackageNotFoundError:
        return "unknown"


def this_process(role: str, shards: str | None) -> ProcessInfo:
    """This process's registry identity; the random suffix keeps a recycled pid apart."""
    host = socket.gethostname()
    pid = os.getpid()
    return ProcessInfo(
        id=f"{host}:{pid}:{uuid.uuid4().hex[:8]}",
        host=host,
        pid=pid,
        role=role,
        shards=shards,
        version=ferry_version(),
    )


class Registry:
    """Keeps this process's row fresh until cancelled, then removes it."""

    def __init__(
        self,
        store: ClusterStore,
        process: ProcessInfo,
        leadership: Leadership,
        *,
        clock: Callable[[], datetime],
        interval: float = HEARTBEAT_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store = store
        self.process = process
        self._leadership = leadership
        self._clock = clock
        self._interval = interval
        self._sleep = sleep

    async def beat(self) -> None:
        """Write one heartbeat (and, as leader, forget processes long gone)."""
        leader = self._leadership.is_leader
        await self._store.heartbeat(self.process, leader=leader, now=self._clock())
        if leader:
            await self._store.forget_processes(FORGET_AFTER, self._clock())

    async def run(self) -> None:
        log.info("process registered", extra={"process_id": self.process.id, "shards": self.process.shards})
        try:
            while True:
                try:
                    await self.beat()
                except (SQLAlchemyError, OSError) as exc:
                    log.warning("heartbeat not written", extra={"error": str(exc)})
                await self._sleep(self._interval)
        finally:
            with contextlib.suppress(SQLAlchemyError, OSError, TimeoutError):
                async with asyncio.timeout(3):
                    await asyncio.shield(self._store.leave(self.process.id))

"""This process as a member of the cluster: its leadership and its registry heartbeat."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.app import App, utc_now
from bot.cluster.election import AlwaysLeader, ElectionTiming, Elector, Leadership, NeverLeader
from bot.cluster.registry import Registry, this_process
from bot.settings import Settings
from bot.storage.cluster import ClusterStore
from bot.storage.database import Database

log = logging.getLogger(__name__)


def shard_label(settings: Settings) -> str | None:
    """The Discord shards this process serves, as ``ferry status`` shows them ("0,1/4"), or None."""
    if not settings.discord_enabled:
        return None
    count = getattr(settings, "discord_shard_count", None)  # set by the sharding settings
    if count is None:
        return "all"
    ids = getattr(settings, "discord_shard_ids", "all")
    shown = ids if isinstance(ids, str) else ",".join(str(shard) for shard in ids)
    return f"{shown}/{count}"


@dataclass(frozen=True, slots=True)
class Node:
    """Leadership for the gated work, and the coroutines that keep it and the heartbeat going."""

    leadership: Leadership
    registry: Registry
    elector: Elector | None

    def tasks(self) -> list[tuple[str, Coroutine[Any, Any, None]]]:
        """The background tasks ``ferry run`` starts beside its fronts."""
        tasks: list[tuple[str, Coroutine[Any, Any, None]]] = [("cluster:heartbeat", self.registry.run())]
        if self.elector is not None:
            tasks.append(("cluster:election", self.elector.run()))
        return tasks


@asynccontextmanager
async def open_node(
    app: App, *, role: str, timing: ElectionTiming | None = None, elect: bool = True
) -> AsyncIterator[Node]:
    """Join the cluster for the block.

    On PostgreSQL the lease and heartbeats go through a connection pool of their own, so a main pool
    busy with slow queries cannot delay a renewal into a lost lease. On SQLite the process is the
    leader and shares the one connection.
    """
    process = this_process(role, shard_label(app.settings))
    if app.database.dialect != "postgresql":
        alone: Leadership = AlwaysLeader() if elect else NeverLeader()
        yield Node(alone, Registry(ClusterStore(app.database), process, alone, clock=utc_now), None)
        return
    database = await Database.open(app.settings.database_url)
    try:
        store = ClusterStore(database)
        elector = Elector(store, holder=process.id, timing=timing) if elect else None
        leadership: Leadership = elector if elector is not None else NeverLeader()
        yield Node(leadership, Registry(store, process, leadership, clock=utc_now), elector)
    finally:
        await database.close()

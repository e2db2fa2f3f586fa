"""``ferry status`` and ``ferry health``: the cluster as the database sees it, from any machine."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.bluesky.budget import BudgetKeeper, WriteBudget
from bot.cluster.election import SINGLETON
from bot.cluster.registry import ALIVE_WITHIN
from bot.config import FerryConfig
from bot.storage.cluster import ClusterStore, Lease, ProcessRow
from bot.storage.repository import Repository


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    """One look at the cluster."""

    dialect: str
    processes: list[ProcessRow]
    lease: Lease | None
    inbox_backlog: int
    budget_left_hour: int

    @property
    def alive(self) -> list[ProcessRow]:
        return [row for row in self.processes if row.heartbeat_age <= ALIVE_WITHIN]

    @property
    def leader(self) -> ProcessRow | None:
        """The live process that holds an unexpired lease (on SQLite: the live process)."""
        if self.dialect != "postgresql":
            return next(iter(self.alive), None)
        if self.lease is None or self.lease.expires_in <= timedelta(0):
            return None
        return next((row for row in self.alive if row.info.id == self.lease.holder), None)


async def gather(
    store: ClusterStore, repository: Repository, config: FerryConfig, now: datetime
) -> ClusterStatus:
    """Read everything ``ferry status`` shows."""
    section = config.bluesky
    budget = WriteBudget(per_hour=section.write_points_per_hour, per_day=section.write_points_per_day)
    budget.restore(await repository.get_state(BudgetKeeper.KEY), now)
    return ClusterStatus(
        dialect=store.dialect,
        processes=await store.processes(now),
        lease=await store.lease(SINGLETON),
        inbox_backlog=await store.inbox_backlog(),
        budget_left_hour=budget.remaining_hour(now),
    )


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds}s ago" if seconds < 120 else f"{seconds // 60}m ago"


def render(status: ClusterStatus) -> list[str]:
    """The status as lines of text for a terminal."""
    leader = status.leader
    lines = [f"database: {status.dialect}"]
    if status.lease is not None:
        state = "expires in" if status.lease.expires_in > timedelta(0) else "expired"
        lines.append(
            f"leader: {leader.info.id if leader else 'none'} (lease token {status.lease.token}, held since "
            f"{status.lease.acquired_at:%Y-%m-%d %H:%M:%S} UTC, {state} "
            f"{abs(status.lease.expires_in.total_seconds()):.1f}s)"
        )
    else:
        lines.append(f"leader: {leader.info.id if leader else 'none'}")
    lines.append(f"processes alive: {len(status.alive)}")
    for row in status.processes:
        mark = "*" if leader is not None and row.info.id == leader.info.id else " "
        gone = "" if row.heartbeat_age <= ALIVE_WITHIN else "  (silent: presumed dead)"
        lines.append(
            f" {mark} {row.info.id}  {row.info.role}  shards={row.info.shards or '-'}  "
            f"v{row.info.version}  heartbeat {_age(row.heartbeat_age)}{gone}"
        )
    lines.append(f"bluesky inbox backlog: {status.inbox_backlog} mention(s) not yet answered")
    lines.append(f"bluesky write budget left this hour: {status.budget_left_hour} points")
    return lines


def healthy(status: ClusterStatus, *, host: str | None = None) -> bool:
    """Whether a process on ``host`` (default: this machine, i.e. this container) beats in time."""
    here = host or socket.gethostname()
    return any(row.info.host == here for row in status.alive)

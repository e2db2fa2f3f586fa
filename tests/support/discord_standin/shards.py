"""Which gateway session receives an event: Discord's shard routing, and its identify rules.

A guild's events and interactions go to the session holding shard ``(guild_id >> 22) % count``;
events without a guild go to shard 0. An unsharded session holds shard 0 of 1. Sessions that all
agree on the shard count may split the guilds between them (in one process or several); a session
that asks for another count while one holding a different count is still connected is refused,
as a misconfigured fleet would be. IDENTIFY is spaced per bucket ``shard_id % max_concurrency``,
as Discord rate-limits it, when the config asks for it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

Json = dict[str, Any]


def shard_for(guild_id: int | None, count: int) -> int:
    """The shard a guild's events go to; guild-less events (DMs) go to shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % count


class Routable(Protocol):
    shard: tuple[int, int]
    ended: bool

    @property
    def connected(self) -> bool: ...


@dataclass
class IdentifyLog:
    """When each IDENTIFY was accepted, per shard: the tests' view of start-up pacing."""

    times: list[tuple[float, int, int]] = field(default_factory=list)  # (monotonic, shard, count)

    def add(self, shard: tuple[int, int]) -> None:
        self.times.append((time.monotonic(), *shard))

    def last_in_bucket(self, bucket: int, max_concurrency: int) -> float | None:
        found = [t for t, shard, _ in self.times if shard % max_concurrency == bucket]
        return found[-1] if found else None


def parse_shard(data: Json) -> tuple[int, int] | str:
    """The ``[id, count]`` of an IDENTIFY (``(0, 1)`` when absent), or why it is invalid."""
    raw = data.get("shard")
    if raw is None:
        return (0, 1)
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in raw)
    ):
        return f"shard must be [id, count], got {raw!r}"
    shard_id, count = raw
    if count < 1 or not 0 <= shard_id < count:
        return f"shard id {shard_id} is not within a shard count of {count}"
    return (shard_id, count)


def conflict(shard: tuple[int, int], sessions: Iterable[Routable]) -> str | None:
    """Why an IDENTIFY for ``shard`` must be refused, if a connected session holds another count."""
    for other in sessions:
        if other.connected and not other.ended and other.shard[1] != shard[1]:
            return (
                f"shard {shard[0]} of {shard[1]} overlaps a live session holding shard "
                f"{other.shard[0]} of {other.shard[1]}: every session must use the same shard count"
            )
    return None


S = TypeVar("S", bound=Routable)


def route(sessions: list[S], guild_id: int | None) -> S | None:
    """The session that gets an event of ``guild_id``: the newest one holding its shard.

    Sessions that ended (the client closed with 1000/1001) never get events again; a session whose
    socket merely dropped still does, buffered for its RESUME.
    """
    for session in reversed(sessions):
        if session.ended:
            continue
        shard_id, count = session.shard
        if shard_for(guild_id, count) == shard_id:
            return session
    return None


def guild_ids_of(shard: tuple[int, int], guild_ids: Iterable[int]) -> list[int]:
    """The guilds a shard holds (what its READY lists and GUILD_CREATEs send)."""
    return [g for g in guild_ids if shard_for(g, shard[1]) == shard[0]]

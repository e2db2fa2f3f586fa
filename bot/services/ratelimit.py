"""Per-member rate limits: a sliding-window log per (community, identity, action).

With one process (the SQLite default) the windows live in its memory, :class:`RateLimiter`: a
limit is a brake on floods, not an accounting record, so after a restart everyone simply starts
with a full allowance. Memory stays bounded: a key whose last use is older than the longest window
holds no information and is dropped, and past ``max_keys`` the least recently used keys go first.

Several processes on one PostgreSQL serve one member from any of them (a Discord shard, the
Bluesky poller of the leader, a console), so there the log is shared: :class:`SharedRateLimiter`
keeps it in the database with the same sliding-window rule. :func:`member_limiter` picks one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.config.models import Limits
from bot.errors import RateLimitedError
from bot.models import Identity
from bot.storage.coordination import CoordinationStore, Counting

MonotonicClock = Callable[[], float]
PRUNE_EVERY = 20  # counted commands of one process per deletion of old shared hits
DEFAULT_MAX_KEYS = 10_000  # members acting within one window; each costs at most a few hundred bytes


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` actions in any ``window`` seconds; a count of 0 means no limit."""

    count: int
    window: float


class MemberLimiter(Protocol):
    """Counts actions against limits, in this process or shared by all of them."""

    async def count(self, keys: Sequence[str], action: str, limits: Sequence[Limit]) -> None:
        """Record one ``action`` for every key when each has room, else raise RateLimitedError
        and record nothing."""
        ...


class RateLimiter:
    """Sliding-window limits: an action is allowed while every window still has room for it.

    ``clock`` is monotonic seconds (``time.monotonic`` by default; tests pass a fake one), so a
    wall-clock change never frees or blocks anyone. Use one limiter per kind of limit: idle keys
    are judged by the longest window of the limits passed to the current call.
    """

    def __init__(self, *, clock: MonotonicClock = time.monotonic, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._clock = clock
        self._max_keys = max_keys
        # Oldest use first: idle keys are found at the front without scanning the rest.
        self._log: OrderedDict[Hashable, deque[float]] = OrderedDict()
        # A registration batch on SQLite counts from the database's thread (bot.storage._batch)
        # while the event loop may count another command: check-and-record must stay one step.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._log)

    def acquire(self, key: Hashable, action: str, limits: Sequence[Limit]) -> None:
        """Record one ``action`` for ``key``, or raise RateLimitedError without recording it."""
        self.acquire_all((key,), action, limits)

    def acquire_all(self, keys: Sequence[Hashable], action: str, limits: Sequence[Limit]) -> None:
        """Record one ``action`` for every key when each has room, or raise RateLimitedError (with
        the longest wait) and record nothing: one refused key must not use up another's room."""
        with self._lock:
            self._acquire_all(keys, action, limits)

    def _acquire_all(self, keys: Sequence[Hashable], action: str, limits: Sequence[Limit]) -> None:
        active = [limit for limit in limits if limit.count > 0]
        now = self._clock()
        longest = max((limit.window for limit in active), default=0.0)
        self._evict_idle(now, longest)
        if not active:
            return
        logs = [self._log.get(key) or deque() for key in keys]
        wait = max(_wait(times, limit, now) for times in logs for limit in active)
        if wait > 0:
            raise RateLimitedError(action, wait)
        for key, times in zip(keys, logs, strict=True):
            # Only as many times as the largest count are ever needed to decide.
            times.append(now)
            while len(times) > max(limit.count for limit in active):
                times.popleft()
            self._log[key] = times
            self._log.move_to_end(key)
        while len(self._log) > self._max_keys:
            self._log.popitem(last=False)

    async def count(self, keys: Sequence[str], action: str, limits: Sequence[Limit]) -> None:
        """:meth:`acquire_all`, as a :class:`MemberLimiter`."""
        self.acquire_all(keys, action, limits)

    def _evict_idle(self, now: float, longest: float) -> None:
        while self._log:
            key, times = next(iter(self._log.items()))
            if times and now - times[-1] < longest:
                return
            del self._log[key]


class SharedRateLimiter:
    """The same sliding windows, logged in the database so every process counts the same uses.

    A command is counted under locks on its keys (a read, an insert), either in a short transaction
    of its own committed without waiting for the disk (:meth:`count`, see
    :meth:`CoordinationStore.hits_then_record`) or, for a registration, inside the registration's
    own transaction (:meth:`counting`). One counted command in :data:`PRUNE_EVERY` of this process
    also deletes old hits.
    """

    def __init__(self, store: CoordinationStore) -> None:
        self._store = store
        self._counted = 0

    async def count(self, keys: Sequence[str], action: str, limits: Sequence[Limit]) -> None:
        """Record one ``action`` for every key when each has room, or raise RateLimitedError."""
        active = [limit for limit in limits if limit.count > 0]
        if not active:
            return

        def room(times: list[list[float]], now: float) -> float:
            return max(_wait(log, limit, now) for log in times for limit in active)

        longest = max(limit.window for limit in active)
        wait = await self._store.hits_then_record(
            list(dict.fromkeys(keys)), longest=longest, room=room, prune=self._prune_due()
        )
        if wait > 0:
            raise RateLimitedError(action, wait)

    def counting(self, *, community: str, identity: Identity, action: str, limits: Limits) -> Counting | None:
        """How the storage layer counts one ``action`` of an account inside the command's own
        transaction, with the member behind the account (looked up there) counted too; None when
        no limit is set."""
        active = [limit for limit in member_windows(limits) if limit.count > 0]
        if not active:
            return None

        def check(times: list[list[float]], now: float) -> None:
            wait = max(_wait(log, limit, now) for log in times for limit in active)
            if wait > 0:
                raise RateLimitedError(action, wait)

        [account_key] = member_keys(community=community, identity=identity, member_id=None, action=action)
        return Counting(
            account_key=account_key,
            member_key=lambda member_id: _member_key(community, member_id, action),
            longest=max(limit.window for limit in active),
            check=check,
            prune=self._prune_due(),
        )

    def _prune_due(self) -> bool:
        """True for this limiter's first counted command and every PRUNE_EVERY-th after it."""
        self._counted += 1
        return self._counted % PRUNE_EVERY == 1


def member_limiter(dialect: str, store: CoordinationStore) -> MemberLimiter:
    """Shared counting on PostgreSQL (any number of processes), this process's memory on SQLite
    (one process by design)."""
    if dialect == "postgresql":
        return SharedRateLimiter(store)
    return RateLimiter()


async def count_member_command(
    limiter: MemberLimiter,
    limits: Limits,
    *,
    community: str,
    identity: Identity,
    member_id: int | None,
    action: str,
) -> None:
    """Count one ``action`` command of a member; raises RateLimitedError past the limits.

    Counted per member once there is one, so linked accounts share one allowance rather than
    getting one per front; and per identity as well, because the command that creates the member
    is counted before the member exists.
    """
    keys = member_keys(community=community, identity=identity, member_id=member_id, action=action)
    await limiter.count(keys, action, member_windows(limits))


def member_windows(limits: Limits) -> tuple[Limit, Limit]:
    """The windows a member's commands are counted in."""
    return Limit(limits.registrations_per_minute, 60.0), Limit(limits.registrations_per_hour, 3600.0)


def member_keys(*, community: str, identity: Identity, member_id: int | None, action: str) -> list[str]:
    """What a member's command is counted under: the account, and the member once there is one."""
    # Strings, so that a shared log in another process or a database keys them the same way.
    # The account's key comes first: every counter locks an account's key before its member's.
    keys = [f"{community}|{identity.kind.value}:{identity.external_id}|{action}"]
    if member_id is not None:
        keys.append(_member_key(community, member_id, action))
    return keys


def _member_key(community: str, member_id: int, action: str) -> str:
    return f"{community}|member:{member_id}|{action}"


def _wait(times: Sequence[float], limit: Limit, now: float) -> float:
    """Seconds until ``limit`` has room again (0 when it has room now)."""
    recent = [t for t in times if now - t < limit.window]
    if len(recent) < limit.count:
        return 0.0
    # The window frees a place when the oldest of its last ``count`` uses slides out of it.
    return recent[-limit.count] + limit.window - now

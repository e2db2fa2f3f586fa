"""Timing the service against the raw SQL: registrations per second and directory page latency.

Service and raw runs are interleaved (in rounds, alternating which goes first) so that a WAL
checkpoint, autovacuum or a busy neighbour on the machine hits both sides alike.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from bench.data import COMMUNITY, NewRegistration
from bench.raw import RawSql
from bot.models import Cursor, DirectoryPage, DirectoryQuery, Source, Visibility
from bot.platforms import normalise
from bot.services.directory import DirectoryService
from bot.storage import Database

POSITIONS = ("first", "middle", "last", "platform", "search")
PLATFORM = "lemon8"  # a mid-sized platform (a tenth of the handles) for the filtered page
SEARCH = "luna"  # a syllable of seeded names and handles: a search with many matches
MIN_REPEATS = 15  # timed rounds taken even when the time budget is spent


@dataclass(frozen=True, slots=True)
class Stat:
    """Latencies in seconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18]


@dataclass(frozen=True, slots=True)
class Throughput:
    ops: int
    seconds: float
    latency: Stat

    @property
    def per_second(self) -> float:
        return self.ops / self.seconds


@dataclass(frozen=True, slots=True)
class RegistrationResult:
    mode: str  # "sequential" or "<n> tasks"
    service: Throughput
    raw: Throughput


@dataclass(frozen=True, slots=True)
class PageResult:
    position: str
    service: Stat  # DirectoryService.directory: the page, its neighbours' probes and the total
    raw: Stat  # the keyset SELECT alone
    raw_with_count: Stat  # the keyset SELECT and the hand-written indexed count, one transaction


@dataclass(frozen=True, slots=True)
class CountResult:
    service: Stat  # DirectoryService.counts, summed
    raw_indexed: Stat
    raw_naive: Stat
    total: int


@dataclass(slots=True)
class Probe:
    """What one operation sends to the database, counted with engine events (untimed)."""

    statements: dict[str, int] = field(default_factory=dict)
    transactions: dict[str, int] = field(default_factory=dict)
    cpu_us: dict[str, float] = field(default_factory=dict)  # pure-Python steps, per call
    floor_ms: dict[str, float] = field(default_factory=dict)  # fixed costs of the stack, medians
    problems: list[str] = field(default_factory=list)  # correctness checks that failed


async def _timed(op: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await op()
    return time.perf_counter() - started


async def _run(
    op: Callable[[NewRegistration], Awaitable[object]], items: Sequence[NewRegistration], tasks: int
) -> tuple[float, list[float]]:
    """Run ``op`` over ``items`` with ``tasks`` concurrent workers; wall time and each op's latency."""
    latencies: list[float] = []
    queue = iter(items)

    async def worker() -> None:
        for item in queue:  # one shared iterator: each item is taken by exactly one worker
            latencies.append(await _timed(functools.partial(op, item)))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    return time.perf_counter() - started, latencies


def _chunks(items: Sequence[NewRegistration], n: int) -> list[Sequence[NewRegistration]]:
    size = -(-len(items) // n)
    return [items[i : i + size] for i in range(0, len(items), size)]


async def registrations(
    service: DirectoryService,
    raw: RawSql,
    service_regs: Sequence[NewRegistration],
    raw_regs: Sequence[NewRegistration],
    *,
    concurrency: int,
    rounds: int = 4,
) -> list[RegistrationResult]:
    """Newcomers registering one handle each: sequentially, then ``concurrency`` at a time."""

    async def via_service(reg: NewRegistration) -> object:
        return await service.register(
            community=COMMUNITY,
            identity=reg.identity,
            display_name=reg.display_name,
            platform=reg.platform,
            handle=reg.typed,
            source=Source.DISCORD,
        )

    async def via_raw(reg: NewRegistration) -> object:
        return await raw.register(reg, Visibility.COMMUNITY)

    half_s, half_r = len(service_regs) // 2, len(raw_regs) // 2
    results = []
    for mode, tasks, s_items, r_items in (
        ("sequential", 1, service_regs[:half_s], raw_regs[:half_r]),
        (f"{concurrency} tasks", concurrency, service_regs[half_s:], raw_regs[half_r:]),
    ):
        totals = {"service": 0.0, "raw": 0.0}
        lat: dict[str, list[float]] = {"service": [], "raw": []}
        pairs = list(zip(_chunks(s_items, rounds), _chunks(r_items, rounds), strict=True))
        for n, (s_chunk, r_chunk) in enumerate(pairs):
            sides = [("service", via_service, s_chunk), ("raw", via_raw, r_chunk)]
            for side, op, chunk in sides if n % 2 == 0 else sides[::-1]:
                seconds, latencies = await _run(op, chunk, tasks)
                totals[side] += seconds
                lat[side].extend(latencies)
        results.append(
            RegistrationResult(
                mode=mode,
                service=Throughput(len(s_items), totals["service"], Stat(tuple(lat["service"]))),
                raw=Throughput(len(r_items), totals["raw"], Stat(tuple(lat["raw"]))),
            )
        )
    return results


EVERYONE = frozenset(Visibility)  # the benchmark reads as an admin's console does: every visibility


def _query(position: str, middle: Cursor) -> DirectoryQuery:
    base = DirectoryQuery(community=COMMUNITY, visibilities=EVERYONE)
    if position == "middle":
        return dataclasses.replace(base, after=middle)
    if position == "last":
        return dataclasses.replace(base, last=True)
    if position == "platform":
        return dataclasses.replace(base, platform=PLATFORM)
    if position == "search":
        return dataclasses.replace(base, search=SEARCH)
    return base


def _raw_args(position: str, middle: Cursor) -> dict[str, Any]:
    """The same page for RawSql.page / page_and_count."""
    return {
        "after": middle if position == "middle" else None,
        "last": position == "last",
        "platform": PLATFORM if position == "platform" else None,
        "search": SEARCH if position == "search" else None,
    }


async def pages(
    service: DirectoryService, raw: RawSql, *, repeats: int, budget_s: float, warmup: int = 3
) -> tuple[list[PageResult], Cursor, int]:
    """Median and p95 of the first, middle and last page through the service and as raw SQL.

    Stops early, after at least ``MIN_REPEATS`` rounds, once ``budget_s`` seconds have passed.
    """
    total = (await service.directory(DirectoryQuery(community=COMMUNITY, visibilities=EVERYONE))).total
    assert total is not None  # no search: counted
    middle = await raw.middle_cursor(COMMUNITY, total // 2)
    ops: dict[str, dict[str, Callable[[], Awaitable[object]]]] = {}
    for position in POSITIONS:
        query = _query(position, middle)
        args = _raw_args(position, middle)
        ops[position] = {
            "service": functools.partial(service.directory, query),
            "raw": functools.partial(raw.page, COMMUNITY, **args),
            "raw_with_count": functools.partial(raw.page_and_count, COMMUNITY, **args),
        }
    samples: dict[tuple[str, str], list[float]] = {}
    deadline = time.perf_counter() + budget_s
    for rep in range(warmup + repeats):
        if rep >= warmup + MIN_REPEATS and time.perf_counter() > deadline:
            break
        for position in POSITIONS:
            sides = list(ops[position].items())
            shift = rep % len(sides)  # rotate who goes first
            for side, op in sides[shift:] + sides[:shift]:
                seconds = await _timed(op)
                if rep >= warmup:
                    samples.setdefault((position, side), []).append(seconds)
    results = [
        PageResult(
            position=position,
            service=Stat(tuple(samples[position, "service"])),
            raw=Stat(tuple(samples[position, "raw"])),
            raw_with_count=Stat(tuple(samples[position, "raw_with_count"])),
        )
        for position in POSITIONS
    ]
    return results, middle, total


async def counts(service: DirectoryService, raw: RawSql, *, repeats: int, budget_s: float) -> CountResult:
    """The listed total on its own, three ways (stopping early like :func:`pages`)."""

    async def via_service() -> int:
        return sum((await service.counts(community=COMMUNITY, visibilities=EVERYONE)).values())

    ops: dict[str, Callable[[], Awaitable[object]]] = {
        "service": via_service,
        "raw_indexed": lambda: raw.count(COMMUNITY, naive=False),
        "raw_naive": lambda: raw.count(COMMUNITY, naive=True),
    }
    samples: dict[str, list[float]] = {side: [] for side in ops}
    deadline = time.perf_counter() + budget_s
    for rep in range(1 + repeats):
        if rep > MIN_REPEATS and time.perf_counter() > deadline:
            break
        for side, op in ops.items():
            seconds = await _timed(op)
            if rep:  # the first round warms the caches
                samples[side].append(seconds)
    return CountResult(
        service=Stat(tuple(samples["service"])),
        raw_indexed=Stat(tuple(samples["raw_indexed"])),
        raw_naive=Stat(tuple(samples["raw_naive"])),
        total=await via_service(),
    )


async def probe(
    db: Database,
    service: DirectoryService,
    raw: RawSql,
    counted: tuple[NewRegistration, NewRegistration],
    sample: Sequence[NewRegistration],
    middle: Cursor,
) -> Probe:
    """Count statements and transactions per operation, time the pure-Python steps, and check that
    the service and the raw SQL return the same rows."""
    found = Probe()
    counter = {"statements": 0, "transactions": 0}

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN: counted as a transaction
            counter["statements"] += 1

    def on_begin(_conn: Any) -> None:
        counter["transactions"] += 1

    async def count(name: str, op: Callable[[], Awaitable[object]]) -> None:
        counter.update(statements=0, transactions=0)
        await op()
        found.statements[name] = counter["statements"]
        found.transactions[name] = counter["transactions"]

    sync_engine = db.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", on_execute)
    event.listen(sync_engine, "begin", on_begin)
    try:
        await count(
            "register (service)",
            lambda: service.register(
                community=COMMUNITY,
                identity=counted[0].identity,
                display_name=counted[0].display_name,
                platform=counted[0].platform,
                handle=counted[0].typed,
                source=Source.DISCORD,
            ),
        )
        await count("register (raw)", lambda: raw.register(counted[1], Visibility.COMMUNITY))
        await count("middle page (service)", lambda: service.directory(_query("middle", middle)))
        await count("middle page (raw)", lambda: raw.page(COMMUNITY, after=middle))
        await count("middle page + count (raw)", lambda: raw.page_and_count(COMMUNITY, after=middle))
    finally:
        event.remove(sync_engine, "before_cursor_execute", on_execute)
        event.remove(sync_engine, "begin", on_begin)
    await _check_pages(service, raw, middle, found)
    await _time_floors(db, found)
    await _time_python_steps(service, sample, middle, found)
    return found


async def _check_pages(service: DirectoryService, raw: RawSql, middle: Cursor, found: Probe) -> None:
    for position in POSITIONS:
        page: DirectoryPage = await service.directory(_query(position, middle))
        rows, total = await raw.page_and_count(COMMUNITY, **_raw_args(position, middle))
        if [e.id for e in page.entries] != [row[0] for row in rows]:
            found.problems.append(f"{position} page: service and raw SQL returned different rows")
        # A search whose matches go on past the page is not counted (DirectoryPage.total).
        uncounted = page.total is None and (page.next_cursor is not None or page.prev_cursor is not None)
        if page.total != total and not (position == "search" and uncounted):
            found.problems.append(f"{position} page: total {page.total} (service) != {total} (raw)")
    naive = await raw.count(COMMUNITY, naive=True)
    indexed = await raw.count(COMMUNITY, naive=False)
    if naive != indexed:
        found.problems.append(f"naive count {naive} != indexed count {indexed}")


async def _time_python_steps(
    service: DirectoryService, regs: Sequence[NewRegistration], middle: Cursor, found: Probe
) -> None:
    """Per-call cost of the CPU-only steps the service adds: normalising and building links."""
    specs = [service.platform(COMMUNITY, reg.platform) for reg in regs]
    rounds = max(1, 20_000 // max(len(regs), 1))
    started = time.perf_counter()
    for _ in range(rounds):
        for spec, reg in zip(specs, regs, strict=True):
            normalise(spec, reg.typed)
    found.cpu_us["normalise one handle"] = (time.perf_counter() - started) / (rounds * len(regs)) * 1e6
    page = await service.directory(_query("middle", middle))
    started = time.perf_counter()
    for _ in range(rounds):
        for entry in page.entries:
            service.with_link(entry)
    found.cpu_us["profile link for one entry"] = (
        (time.perf_counter() - started) / (rounds * max(len(page.entries), 1)) * 1e6
    )


async def _time_floors(db: Database, found: Probe, rounds: int = 300) -> None:
    """What a transaction and a statement cost before any real work: pool checkout (with its
    pre-ping on PostgreSQL), BEGIN, COMMIT, and a round trip through SQLAlchemy and the driver."""

    async def empty() -> None:
        async with db.transaction():
            pass

    async def one() -> None:
        async with db.transaction() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def five() -> None:
        async with db.transaction() as conn:
            for _ in range(5):
                await conn.exec_driver_sql("SELECT 1")

    for name, op in (("empty transaction", empty), ("+ SELECT 1", one), ("+ 5 x SELECT 1", five)):
        samples = [await _timed(op) for _ in range(rounds)]
        found.floor_ms[name] = statistics.median(samples[rounds // 10 :]) * 1000

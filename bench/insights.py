"""The insights read on a full directory: ``python -m bench.insights [--size N] [--dialects ...]``,
and one line per run of ``bench.run``.

Three numbers per database, each the way a front meets it:

- **first read**: the one-time build of the aggregates from the directory (after the migration, or
  when a community is read for the first time);
- **cached read**: a read with no change since the last (one version check, no fold);
- **read after a change**: one audited change (a member hidden or shown), then a read: the fold of
  the look-back window plus the aggregates, O(changes + platforms x days), whatever the size.

The aggregate row count is printed too: it is what a read returns, and it must not grow with the
number of handles.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.data import COMMUNITY
from bench.seed import seed
from bench.targets import DEFAULT_POSTGRES_URL, DIALECTS, database_url
from bot.app import ConfigHolder, utc_now
from bot.config import FerryConfig
from bot.services.insights import InsightService
from bot.storage import Database, Repository
from bot.storage.tables import members

RESULTS: list[InsightResult] = []


@dataclass(frozen=True, slots=True)
class InsightResult:
    dialect: str
    size: int
    first_s: float
    cached_ms: float  # median
    after_change_ms: float  # median
    after_change_p95_ms: float
    rows: int  # aggregate rows read: platforms + spread buckets + (day, platform) arrivals

    def line(self) -> str:
        return (
            f"| {self.dialect} | {self.size:,} | {self.first_s:.2f} s | {self.cached_ms:.2f} ms | "
            f"{self.after_change_ms:.1f} ms (p95 {self.after_change_p95_ms:.1f}) | {self.rows:,} |"
        )


async def measure(db: Database, dialect: str, size: int, *, repeats: int = 30) -> InsightResult:
    """Time the three reads above on ``db`` (seeded with ``size`` handles in ``COMMUNITY``)."""
    repository = Repository(db)
    service = InsightService(store=repository, config=ConfigHolder(FerryConfig.empty()), clock=utc_now)
    started = time.perf_counter()
    first = await service.admin(COMMUNITY)
    first_s = time.perf_counter() - started
    cached = []
    for _ in range(repeats):
        began = time.perf_counter()
        await service.admin(COMMUNITY)
        cached.append((time.perf_counter() - began) * 1000)
    async with db.transaction() as conn:
        member_id = (
            await conn.execute(select(func.min(members.c.id)).where(members.c.community == COMMUNITY))
        ).scalar_one()
    after = []
    for n in range(repeats):
        await repository.set_hidden(member_id=member_id, hidden=n % 2 == 0, now=utc_now(), actor="bench")
        began = time.perf_counter()
        await service.admin(COMMUNITY)
        after.append((time.perf_counter() - began) * 1000)
    after.sort()
    aggregates = await service.aggregates(COMMUNITY)
    result = InsightResult(
        dialect=dialect,
        size=size,
        first_s=first_s,
        cached_ms=statistics.median(cached),
        after_change_ms=statistics.median(after),
        after_change_p95_ms=after[int(0.95 * (len(after) - 1))],
        rows=len(aggregates.platforms) + len(aggregates.spread) + len(aggregates.arrivals),
    )
    assert sum(p.count or 0 for p in first.platforms) > 0 or size == 0
    RESULTS.append(result)
    return result


def figures() -> list[dict[str, object]]:
    """Every result measured in this process, as ``bench.run --json`` entries with stable names."""
    out: list[dict[str, object]] = []
    for r in RESULTS:
        where = f"{r.dialect}.{r.size}"
        out += [
            {"name": f"insights_first_read_s.{where}", "value": round(r.first_s, 3), "unit": "s"},
            {"name": f"insights_cached_read_ms.{where}", "value": round(r.cached_ms, 3), "unit": "ms"},
            {
                "name": f"insights_read_after_change_ms.{where}",
                "value": round(r.after_change_ms, 3),
                "unit": "ms",
            },
        ]
    return out


def section() -> str:
    """The Markdown table of every result measured in this process."""
    head = (
        "| database | handles | first read (build) | cached read | read after one change | rows read |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    return "\n".join([head, *(r.line() for r in RESULTS)])


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insights", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="handles to seed (default 1,000,000)")
    parser.add_argument("--dialects", default=",".join(DIALECTS), help="sqlite,postgres (default both)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="admin URL of a LOCAL server")
    args = parser.parse_args(argv)
    for dialect in [d.strip() for d in args.dialects.split(",") if d.strip()]:
        async with database_url(dialect, postgres_admin_url=args.postgres_url, workdir=None) as url:
            db = await Database.open(url)
            try:
                await db.upgrade()
                print(f"{dialect}: seeding {args.size:,} handles...", file=sys.stderr, flush=True)
                await seed(db, args.size)
                result = await measure(db, dialect, args.size, repeats=args.repeats)
                print(result.line(), file=sys.stderr, flush=True)
            finally:
                await db.close()
    print(section())
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

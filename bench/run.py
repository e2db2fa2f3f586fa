"""Run the benchmarks: ``python -m bench.run [--quick] [--sizes ...] [--dialects ...]``.

For each database and size: create an empty database, migrate it, seed it in bulk, reopen it (as a
restarted bot would), then time directory pages, counts and registrations through the service and
as raw SQL, and check that both return the same rows. Prints Markdown; a full run also rewrites the
generated part of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shlex
import sys
import time
from pathlib import Path

from bench import frontends, measure
from bench import insights as insights_bench
from bench.data import COMMUNITY, MEMORY_SERIALS, RAW_SERIALS, SERVICE_SERIALS, NewRegistration, registrations
from bench.figures import figures, write_json
from bench.raw import RawSql
from bench.report import RunResult, machine, results_section, write_doc
from bench.seed import check_seed_handles, seed
from bench.targets import DEFAULT_POSTGRES_URL, DIALECTS, database_url
from bot.app import ConfigHolder, utc_now
from bot.config import FerryConfig
from bot.errors import InvalidHandleError
from bot.platforms import normalise, profile_url
from bot.services.directory import DirectoryService
from bot.services.ratelimit import member_limiter
from bot.storage import Database, Repository

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="handles to seed, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--dialects", default=",".join(DIALECTS), help="sqlite,postgres (default both)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 handles, few repeats, no doc")
    parser.add_argument("--registrations", type=int, help="per side and mode (default 500; quick 40)")
    parser.add_argument("--repeats", type=int, help="timed reads per page and side (default 100; quick 10)")
    parser.add_argument(
        "--budget", type=float, default=45.0, help="seconds of page timing per run before stopping early"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="tasks in the concurrent mode")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="admin URL of a LOCAL server")
    parser.add_argument("--workdir", type=Path, help="where the SQLite file goes (default: system temp)")
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown file to update")
    parser.add_argument("--no-doc", action="store_true", help="print only (implied by --quick)")
    frontends.add_arguments(parser)
    parser.add_argument("--json", type=Path, help='also write the figures here: {"results": [...]}')
    args = parser.parse_args(argv)
    args.sizes = [
        int(s.replace("_", ""))
        for s in (args.sizes or ("2000" if args.quick else "10000,100000,1000000")).split(",")
    ]
    args.dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    for dialect in args.dialects:
        if dialect not in DIALECTS:
            parser.error(f"unknown dialect {dialect!r}; choose from {', '.join(DIALECTS)}")
    args.registrations = args.registrations or (40 if args.quick else 500)
    args.repeats = args.repeats or (10 if args.quick else 100)
    args.no_doc = args.no_doc or args.quick
    return args


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _ferry_rss_mb(url: str, first_serial: int) -> tuple[float, float]:
    """Resident MB of a Ferry process of its own (bench/memory_child.py) after its imports, and at
    its peak, doing a member's and an admin's work on the seeded directory."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.memory_child",
        url,
        str(first_serial),
        stdout=asyncio.subprocess.PIPE,
        cwd=DOC.parent.parent,
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"bench.memory_child exited with {child.returncode}")
    found = json.loads(out.decode().strip().splitlines()[-1])
    return float(found["imports_mb"]), float(found["peak_mb"])


def _newcomers(
    count: int, first_serial: int, seed: int, catalogue_config: FerryConfig
) -> tuple[list[NewRegistration], list[str]]:
    """Registration inputs, each checked against the real normaliser (untimed)."""
    catalogue = catalogue_config.catalogue

    def link_for(platform: str, handle: str) -> str | None:
        spec = catalogue.get(platform)
        return profile_url(spec, handle) if spec is not None else None

    made = registrations(count, first_serial, seed, link_for)
    problems = []
    for reg in made:
        spec = catalogue.get(reg.platform)
        try:
            got = normalise(spec, reg.typed) if spec is not None else None
        except InvalidHandleError as exc:
            problems.append(f"registration input {reg.typed!r} on {reg.platform} was refused: {exc}")
            continue
        if got is None or (got.handle, got.key) != (reg.handle, reg.key):
            problems.append(
                f"registration input {reg.typed!r} on {reg.platform} does not give {reg.handle!r}"
            )
    return made, problems


async def _server_version(db: Database) -> str | None:
    if db.dialect != "postgresql":
        return None
    async with db.transaction() as conn:
        return str((await conn.exec_driver_sql("SELECT current_setting('server_version')")).scalar_one())


async def run_one(dialect: str, size: int, args: argparse.Namespace, versions: dict[str, str]) -> RunResult:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    config = FerryConfig.empty()
    n = args.registrations
    service_regs, problems = _newcomers(2 * n + 1, SERVICE_SERIALS + size, 11, config)
    raw_regs, raw_problems = _newcomers(2 * n + 1, RAW_SERIALS + size, 12, config)
    problems += raw_problems
    async with database_url(dialect, postgres_admin_url=args.postgres_url, workdir=args.workdir) as url:
        db = await Database.open(url)
        try:
            await db.upgrade()
            print(f"  seeding {size:,} handles...", file=sys.stderr, flush=True)
            seeded = await seed(db, size)
        finally:
            await db.close()
        db = await Database.open(url)  # a fresh engine and connection, as after a restart
        try:
            version = await _server_version(db)
            if version:
                versions["postgres"] = version
            repository = Repository(db)
            # The limiter ferry run uses: shared through the database on PostgreSQL, in memory on SQLite.
            limiter = member_limiter(db.dialect, repository)
            service = DirectoryService(
                repository=repository, config=ConfigHolder(config), clock=utc_now, limiter=limiter
            )
            raw = RawSql(db)
            print("  pages...", file=sys.stderr, flush=True)
            page_results, middle, _ = await measure.pages(
                service, raw, repeats=args.repeats, budget_s=args.budget
            )
            count_result = await measure.counts(service, raw, repeats=args.repeats, budget_s=args.budget / 3)
            print("  registrations...", file=sys.stderr, flush=True)
            reg_results = await measure.registrations(
                service, raw, service_regs[:-1], raw_regs[:-1], concurrency=args.concurrency
            )
            probe = await measure.probe(
                db, service, raw, (service_regs[-1], raw_regs[-1]), service_regs[:200], middle
            )
            await insights_bench.measure(db, dialect, size, repeats=min(args.repeats, 30))
        finally:
            await db.close()
        print("  a Ferry process's memory...", file=sys.stderr, flush=True)
        ferry_rss = await _ferry_rss_mb(url, MEMORY_SERIALS + size)
    return RunResult(
        dialect=dialect,
        size=size,
        seed=seeded,
        pages=page_results,
        count=count_result,
        registrations=reg_results,
        probe=probe,
        seconds=time.perf_counter() - started,
        peak_rss_mb=_peak_rss_mb(),
        ferry_rss_mb=ferry_rss,
        load=(load_before, os.getloadavg()[0]),
        problems=problems,
    )


async def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()
    wrong = check_seed_handles()
    runs: list[RunResult] = []
    versions: dict[str, str] = {}
    for size in args.sizes:
        for dialect in args.dialects:
            print(f"{dialect}, {size:,} handles (community {COMMUNITY!r})", file=sys.stderr, flush=True)
            run = await run_one(dialect, size, args, versions)
            if wrong:
                run.problems.append(f"{wrong} seeded handles differ from what the normaliser makes of them")
            runs.append(run)
            print(
                f"  done in {run.seconds:.0f} s, peak RSS {run.peak_rss_mb:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    minutes = (time.perf_counter() - started) / 60
    command = "python -m bench.run " + shlex.join(argv if argv is not None else sys.argv[1:])
    info = machine(args.workdir, versions.get("postgres"))
    section = results_section(runs, info, command.strip(), minutes)
    print(section)
    print("\n### Insights read\n\n" + insights_bench.section())
    if not args.no_doc:
        write_doc(args.doc, section)
        print(f"wrote {args.doc}", file=sys.stderr)
    # Front ends (bench/frontends.py): a Discord burst and Bluesky replies, each against a bare bot.
    front = await frontends.run(args, args.dialects)
    front_section = frontends.markdown(front, command.strip())
    print(front_section)
    if not args.no_doc and front.ran:
        frontends.write_doc(args.doc, front_section)
    if args.json:
        results = [*figures(runs), *insights_bench.figures(), *(m.as_json() for m in front.metrics)]
        write_json(args.json, results)
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

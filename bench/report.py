"""The machine the figures come from, the Markdown tables, and ``docs/benchmarks.md``."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.measure import CountResult, PageResult, Probe, RegistrationResult, Stat
from bench.seed import SeedStats

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"
_DIALECT_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass(slots=True)
class RunResult:
    """Everything measured on one database at one size."""

    dialect: str
    size: int
    seed: SeedStats
    pages: list[PageResult]
    count: CountResult
    registrations: list[RegistrationResult]
    probe: Probe
    seconds: float  # the whole run, seeding included
    peak_rss_mb: float  # of the benchmark process so far (the database server is not included)
    # A Ferry process on the seeded directory (bench/memory_child.py): resident MB after its imports,
    # and its peak.
    ferry_rss_mb: tuple[float, float]
    load: tuple[float, float]  # 1-minute load average before and after
    problems: list[str] = field(default_factory=list)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _ram_gib() -> str:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    return "unknown"


def _mount_of(path: Path) -> str:
    """Filesystem type and device of the mount that holds ``path``, and whether it spins."""
    best = ("", "?", "?")
    for line in _read("/proc/mounts").splitlines():
        device, point, fstype, *_ = line.split()
        if str(path).startswith(point) and len(point) >= len(best[0]):
            best = (point, device, fstype)
    _, device, fstype = best
    name = Path(device).name
    rotational = _read(f"/sys/block/{name}/queue/rotational").strip()
    kind = {"0": "non-rotational", "1": "rotational"}.get(rotational, "unknown kind")
    return f"{fstype} on {device} ({kind})"


def _fsync_ms(directory: Path, rounds: int = 30) -> float:
    """Median time of a 4 KiB write + fsync: the floor under every durable commit."""
    samples = []
    with tempfile.NamedTemporaryFile(dir=directory) as handle:
        for _ in range(rounds):
            started = time.perf_counter()
            handle.write(b"x" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _code_version() -> str:
    """The commit measured, and whether Ferry's code had uncommitted changes at the time."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head}" + (f" with {len(dirty)} uncommitted change(s) under bot/" if dirty else "")


def machine(workdir: Path | None, postgres_version: str | None) -> dict[str, str]:
    directory = Path(workdir or tempfile.gettempdir()).resolve()
    return {
        "Code": _code_version(),
        "CPU": f"{_cpu_model()}, {os.cpu_count()} cores visible",
        "RAM": _ram_gib(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": postgres_version or "not measured",
        "Disk": f"{_mount_of(directory)}; 4 KiB write+fsync median {_fsync_ms(directory):.2f} ms "
        f"(in {directory})",
    }


def _ms(stat: Stat) -> str:
    return f"{stat.median * 1000:.2f} / {stat.p95 * 1000:.2f}"


def _ratio(service: float, raw: float) -> str:
    return f"{service / raw:.1f}x" if raw > 0 else "n/a"


def _label(run: RunResult) -> str:
    return f"{_DIALECT_NAMES.get(run.dialect, run.dialect)} | {run.size:,}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def tables(runs: list[RunResult]) -> str:
    out = ["### Registrations per second (new members, one handle each)", ""]
    out += _table(
        [
            "database",
            "handles",
            "mode",
            "service reg/s",
            "raw reg/s",
            "cost ratio",
            "service p50 / p95 ms",
            "raw p50 / p95 ms",
        ],
        [
            [
                _label(run),
                r.mode,
                f"{r.service.per_second:,.0f}",
                f"{r.raw.per_second:,.0f}",
                _ratio(r.raw.per_second, r.service.per_second),
                _ms(r.service.latency),
                _ms(r.raw.latency),
            ]
            for run in runs
            for r in run.registrations
        ],
    )
    out += ["", "### Directory page latency (10 rows), median / p95 in ms", ""]
    out += _table(
        ["database", "handles", "page", "n", "service", "raw page", "ratio", "raw page + count", "ratio"],
        [
            [
                _label(run),
                p.position,
                str(len(p.service.samples)),
                _ms(p.service),
                _ms(p.raw),
                _ratio(p.service.median, p.raw.median),
                _ms(p.raw_with_count),
                _ratio(p.service.median, p.raw_with_count.median),
            ]
            for run in runs
            for p in run.pages
        ],
    )
    out += ["", "### The listed total on its own, median / p95 in ms", ""]
    out += _table(
        [
            "database",
            "handles",
            "listed",
            "n",
            "service (counts)",
            "raw, Ferry's indexed form",
            "raw, plain join",
        ],
        [
            [
                _label(run),
                f"{run.count.total:,}",
                str(len(run.count.service.samples)),
                _ms(run.count.service),
                _ms(run.count.raw_indexed),
                _ms(run.count.raw_naive),
            ]
            for run in runs
        ],
    )
    out += ["", "### What one operation costs besides waiting on the database", ""]
    names = list(runs[0].probe.statements) if runs else []
    out += ["Statements (st) and transactions (tx) sent per operation:", ""]
    out += _table(
        ["database", "handles", *names],
        [
            [_label(run), *(f"{run.probe.statements[n]} st / {run.probe.transactions[n]} tx" for n in names)]
            for run in runs
        ],
    )
    floors = list(runs[0].probe.floor_ms) if runs else []
    out += ["", "Fixed costs through the engine (median ms) and pure-Python steps of the service (µs):", ""]
    out += _table(
        ["database", "handles", *(f"{f} ms" for f in floors), "normalise a handle µs", "link an entry µs"],
        [
            [_label(run)]
            + [f"{run.probe.floor_ms[f]:.3f}" for f in floors]
            + [f"{run.probe.cpu_us[k]:.0f}" for k in ("normalise one handle", "profile link for one entry")]
            for run in runs
        ],
    )
    out += ["", "### Seeding, run time and memory", ""]
    out += _table(
        [
            "database",
            "handles",
            "members",
            "identities",
            "hidden/banned",
            "seed s",
            "handles/s",
            "of which DB s",
            "vacuum s",
            "run s",
            "bench peak RSS MB",
            "Ferry RSS MB: imports / peak",
            "load before/after",
        ],
        [
            [
                _label(run),
                f"{run.seed.members:,}",
                f"{run.seed.identities:,}",
                f"{run.seed.hidden_or_banned:,}",
                f"{run.seed.seconds:.1f}",
                f"{run.seed.entries / run.seed.seconds:,.0f}",
                f"{run.seed.db_seconds:.1f}",
                f"{run.seed.maintenance_seconds:.1f}",
                f"{run.seconds:.0f}",
                f"{run.peak_rss_mb:.0f}",
                f"{run.ferry_rss_mb[0]:.0f} / {run.ferry_rss_mb[1]:.0f}",
                f"{run.load[0]:.1f} / {run.load[1]:.1f}",
            ]
            for run in runs
        ],
    )
    problems = [f"- {_label(run)}: {p}" for run in runs for p in run.problems + run.probe.problems]
    if problems:
        out += ["", "**Problems found while checking the results:**", "", *problems]
    return "\n".join(out) + "\n"


def results_section(runs: list[RunResult], info: dict[str, str], command: str, minutes: float) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START,
        f"Measured {stamp} with `{command}` ({minutes:.1f} minutes in all).",
        "",
        *(f"- **{key}:** {value}" for key, value in info.items()),
        "",
        tables(runs),
        END,
    ]
    return "\n".join(lines)


_SKELETON = """# Benchmarks

Generated by `python -m bench.run`; everything between the markers below is rewritten on each run.

{section}

## Interpretation

(Written by hand after a run; the script leaves this part alone.)
"""


def write_doc(path: Path, section: str) -> None:
    """Replace the generated section of ``path`` (or create the file around it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        text = head + section + tail
    else:
        text = _SKELETON.format(section=section)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")

"""The figures of a run as JSON: ``{"results": [{"name", "value", "unit"}, ...]}``.

Names are stable across runs so that runs can be compared by machine; they read
``<what>.<dialect>.<size>[.<detail>]``, the dialect as given on the command line (``sqlite``,
``postgres``). Other benchmarks (the end-to-end ones) add their own entries to the same list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypedDict

from bench.report import RunResult


class Figure(TypedDict):
    name: str
    value: float
    unit: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _mode(mode: str) -> str:
    """``"8 tasks"`` -> ``"tasks8"``; ``"sequential"`` stays."""
    found = re.fullmatch(r"(\d+) tasks", mode)
    return f"tasks{found.group(1)}" if found else _slug(mode)


def figures(runs: list[RunResult]) -> list[Figure]:
    """Every figure of the runs, ratios first."""
    out: list[Figure] = []

    def add(name: str, value: float, unit: str) -> None:
        out.append({"name": name, "value": round(value, 4), "unit": unit})

    for run in runs:
        at = f"{run.dialect}.{run.size}"
        for r in run.registrations:
            mode = _mode(r.mode)
            if r.service.per_second > 0:
                add(f"register_cost_ratio.{at}.{mode}", r.raw.per_second / r.service.per_second, "x")
            add(f"register_per_s.{at}.{mode}.service", r.service.per_second, "reg/s")
            add(f"register_per_s.{at}.{mode}.raw", r.raw.per_second, "reg/s")
            add(f"register_p50_ms.{at}.{mode}.service", r.service.latency.median * 1000, "ms")
            add(f"register_p95_ms.{at}.{mode}.service", r.service.latency.p95 * 1000, "ms")
            add(f"register_p50_ms.{at}.{mode}.raw", r.raw.latency.median * 1000, "ms")
            add(f"register_p95_ms.{at}.{mode}.raw", r.raw.latency.p95 * 1000, "ms")
        for p in run.pages:
            if p.raw.median > 0:
                add(f"page_ratio.{at}.{p.position}", p.service.median / p.raw.median, "x")
            if p.raw_with_count.median > 0:
                ratio = p.service.median / p.raw_with_count.median
                add(f"page_vs_counting_ratio.{at}.{p.position}", ratio, "x")
            add(f"page_p50_ms.{at}.{p.position}.service", p.service.median * 1000, "ms")
            add(f"page_p95_ms.{at}.{p.position}.service", p.service.p95 * 1000, "ms")
            add(f"page_p50_ms.{at}.{p.position}.raw", p.raw.median * 1000, "ms")
            add(f"page_p50_ms.{at}.{p.position}.raw_with_count", p.raw_with_count.median * 1000, "ms")
        add(f"count_p50_ms.{at}.service", run.count.service.median * 1000, "ms")
        add(f"count_p50_ms.{at}.raw_indexed", run.count.raw_indexed.median * 1000, "ms")
        for op, n in run.probe.statements.items():
            add(f"statements.{at}.{_slug(op)}", n, "statements")
            add(f"transactions.{at}.{_slug(op)}", run.probe.transactions[op], "transactions")
        add(f"peak_rss_mb.{at}", run.peak_rss_mb, "MB")
        add(f"ferry_imports_rss_mb.{at}", run.ferry_rss_mb[0], "MB")
        add(f"ferry_peak_rss_mb.{at}", run.ferry_rss_mb[1], "MB")
        add(f"seed_s.{at}", run.seed.seconds, "s")
        add(f"run_s.{at}", run.seconds, "s")
        add(f"problems.{at}", len(run.problems) + len(run.probe.problems), "count")
    return out


def write_json(path: Path, results: Sequence[Mapping[str, object]]) -> None:
    """Write ``{"results": [...]}`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"results": results}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

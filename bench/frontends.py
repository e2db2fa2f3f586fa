"""The front-end benchmarks: a Discord burst and Bluesky mention -> reply latency, each against a bare
bot in the same run. ``python -m bench.run`` calls :func:`run` (see ``--frontends``); this module also
runs alone: ``python -m bench.frontends [--quick] [--json FILE]``.

``--quick`` (which must stay under a minute) skips both unless ``--frontends`` names them; then they
shrink to the first dialect, one Discord burst of 20 members and two Bluesky bursts of 5 mentions.
The output says what was skipped or shrunk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.bluesky_latency import (
    DEFAULT_INTERVAL,
    BlueskyResult,
    NetworkUnavailableError,
    local_network,
    make_authors,
    run_bluesky,
)
from bench.discord_burst import DiscordResult, run_discord
from bench.latency import ratio
from bench.targets import DEFAULT_POSTGRES_URL, DIALECTS

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
START, END = "<!-- bench:frontends:start -->", "<!-- bench:frontends:end -->"
PARTS = ("discord", "bluesky")


@dataclass(frozen=True, slots=True)
class Metric:
    """One figure of the JSON results: ``{"name", "value", "unit"}``, names stable across runs."""

    name: str
    value: float
    unit: str

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "value": None if math.isnan(self.value) else self.value, "unit": self.unit}


@dataclass
class Report:
    metrics: list[Metric] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # Markdown
    notes: list[str] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        """Whether any benchmark produced figures (a skipped run must not overwrite earlier ones)."""
        return bool(self.metrics)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("front ends")
    group.add_argument(
        "--frontends",
        help="front-end benchmarks to run: discord,bluesky or none (default: both; none under --quick)",
    )
    group.add_argument("--discord-members", type=int, help="members per burst (default 200; quick 20)")
    group.add_argument("--discord-bursts", type=int, help="bursts per bot (default 3; quick 1)")
    group.add_argument("--bluesky-authors", type=int, help="mentions per burst and bot (default 30; quick 5)")
    group.add_argument("--bluesky-bursts", type=int, help="bursts per bot and dialect (default 12; quick 2)")
    group.add_argument(
        "--bluesky-interval", type=float, default=DEFAULT_INTERVAL, help="poll interval of both bots"
    )


def _parts(args: argparse.Namespace, quick: bool) -> list[str]:
    named = args.frontends if args.frontends is not None else ("none" if quick else ",".join(PARTS))
    chosen = [p.strip() for p in str(named).split(",") if p.strip() and p.strip() != "none"]
    unknown = set(chosen) - set(PARTS)
    if unknown:
        raise SystemExit(f"--frontends: unknown {sorted(unknown)}; choose from {', '.join(PARTS)}")
    return chosen


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.0f}"


def _x(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}x"


def _latency_metrics(
    stem: str, where: str, values: dict[int, float], percentiles: tuple[int, ...]
) -> list[Metric]:
    """``<stem>_p<N>_ms.<side>.<dialect>`` for each percentile (``where`` is ``side.dialect``)."""
    return [Metric(f"{stem}_p{p}_ms.{where}", values[p] * 1000, "ms") for p in percentiles if p in values]


def discord_report(result: DiscordResult, report: Report) -> None:
    d, f, b = result.dialect, result.ferry, result.baseline
    ratios = {
        "answer_p50": ratio(f.answer.get(50, math.nan), b.answer.get(50, math.nan)),
        "answer_p95": ratio(f.answer.get(95, math.nan), b.answer.get(95, math.nan)),
        "answer_p99": ratio(f.answer.get(99, math.nan), b.answer.get(99, math.nan)),
        "ack_p50": ratio(f.ack.get(50, math.nan), b.ack.get(50, math.nan)),
        "ack_p99": ratio(f.ack.get(99, math.nan), b.ack.get(99, math.nan)),
        "answers_per_s": ratio(f.answers_per_s, b.answers_per_s),
    }
    report.metrics += [Metric(f"discord_{k}_ratio.{d}", v, "x") for k, v in ratios.items()]
    for side, summary in (("ferry", f), ("baseline", b)):
        where = f"{side}.{d}"
        report.metrics += _latency_metrics("discord_ack", where, summary.ack, (50, 95, 99))
        report.metrics += _latency_metrics("discord_answer", where, summary.answer, (50, 95, 99))
        report.metrics += [
            Metric(f"discord_answers_per_s.{where}", summary.answers_per_s, "1/s"),
            Metric(f"discord_unanswered.{where}", summary.requests - summary.answered, "1"),
        ]
    for side, s in (("Ferry", f), ("bare discord.py", b)):
        report.lines.append(
            f"| {d} | {side} | {_ms(s.ack.get(50))} / {_ms(s.ack.get(95))} / {_ms(s.ack.get(99))} | "
            f"{_ms(s.answer.get(50))} / {_ms(s.answer.get(95))} / {_ms(s.answer.get(99))} | "
            f"{s.answers_per_s:,.0f} | {s.answered}/{s.requests} |"
        )
    report.lines.append(
        f"| {d} | **Ferry ÷ bare** | {_x(ratios['ack_p50'])} / — / {_x(ratios['ack_p99'])} | "
        f"**{_x(ratios['answer_p50'])}** / {_x(ratios['answer_p95'])} / **{_x(ratios['answer_p99'])}** | "
        f"**{_x(ratios['answers_per_s'])}** | |"
    )
    report.notes += [f"discord {d}: {p}" for p in result.problems]
    if result.ferry_bursts:
        report.notes.append(
            f"discord {d}: answers/s per burst, Ferry {_rates(result.ferry_bursts)}; "
            f"bare {_rates(result.baseline_bursts)}"
        )


def _rates(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def bluesky_report(result: BlueskyResult, report: Report) -> None:
    d, f, b = result.dialect, result.ferry, result.baseline
    p50 = ratio(f.answer.get(50, math.nan), b.answer.get(50, math.nan))
    p95 = ratio(f.answer.get(95, math.nan), b.answer.get(95, math.nan))
    report.metrics += [
        Metric(f"bluesky_reply_p50_ratio.{d}", p50, "x"),
        Metric(f"bluesky_reply_p95_ratio.{d}", p95, "x"),
    ]
    for side, summary in (("ferry", f), ("baseline", b)):
        where = f"{side}.{d}"
        report.metrics += _latency_metrics("bluesky_reply", where, summary.answer, (50, 95))
        report.metrics.append(Metric(f"bluesky_unanswered.{where}", summary.requests - summary.answered, "1"))
    report.metrics.append(Metric(f"bluesky_poll_interval_s.{d}", result.interval, "s"))
    for side, s in (("Ferry", f), ("bare AsyncClient loop", b)):
        latency = f"{_ms(s.answer.get(50))} / {_ms(s.answer.get(95))}"
        report.lines.append(f"| {d} | {side} | {latency} | {s.answered}/{s.requests} |")
    report.lines.append(f"| {d} | **Ferry ÷ bare** | **{_x(p50)}** / **{_x(p95)}** | |")
    report.notes += [f"bluesky {d}: {p}" for p in result.problems]


async def run(args: argparse.Namespace, dialects: list[str]) -> Report:
    """Every chosen front-end benchmark on ``dialects``; ``args`` come from :func:`add_arguments` plus
    ``quick``, ``postgres_url`` and ``workdir``."""
    report = Report()
    quick = bool(getattr(args, "quick", False))
    parts = _parts(args, quick)
    if quick and args.frontends is None:
        report.notes.append(
            "quick: front-end benchmarks skipped (name them with --frontends to run them small)"
        )
    if quick:
        dialects = dialects[:1]
    postgres_url = getattr(args, "postgres_url", DEFAULT_POSTGRES_URL)
    workdir = getattr(args, "workdir", None)
    load = os.getloadavg()[0]
    if "discord" in parts:
        members = args.discord_members or (20 if quick else 200)
        bursts = args.discord_bursts or (1 if quick else 3)
        if quick:
            report.notes.append(
                f"quick: Discord burst shrunk to {bursts} x {members} members on {dialects[0]}"
            )
        report.lines += [
            f"### Discord: {bursts} bursts of {members} concurrent `/handle add` (distinct members)",
            "",
            "| Database | Bot | Ack p50 / p95 / p99 ms | Answer p50 / p95 / p99 ms | Answers/s | Answered |",
            "|---|---|---|---|---|---|",
        ]
        for dialect in dialects:
            print(f"front ends: discord burst on {dialect}...", file=sys.stderr, flush=True)
            try:
                result = await run_discord(
                    dialect, members=members, bursts=bursts, postgres_url=postgres_url, workdir=workdir
                )
            except Exception as exc:  # noqa: BLE001 - one broken part must not lose the others
                report.notes.append(f"discord {dialect} FAILED: {type(exc).__name__}: {exc}")
                continue
            discord_report(result, report)
        report.lines.append("")
    if "bluesky" in parts:
        args.bluesky_authors = args.bluesky_authors or (5 if quick else 30)
        args.bluesky_bursts = args.bluesky_bursts or (2 if quick else 12)
        if quick:
            report.notes.append(
                f"quick: Bluesky shrunk to {args.bluesky_bursts} bursts of {args.bluesky_authors} mentions "
                f"on {dialects[0]}"
            )
        await _bluesky(args, dialects, postgres_url, workdir, report)
    report.notes.append(f"load average (1 min) at the start: {load:.1f}")
    return report


async def _bluesky(
    args: argparse.Namespace, dialects: list[str], postgres_url: str, workdir: Path | None, report: Report
) -> None:
    report.lines += [
        (
            f"### Bluesky: {args.bluesky_bursts} bursts of {args.bluesky_authors} mentions, "
            f"both bots polling every {args.bluesky_interval:g} s"
        ),
        "",
        "| Ferry's database | Bot | Mention → reply p50 / p95 ms | Answered |",
        "|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="ferry-bench-atproto-", dir=workdir) as tmp:
        try:
            print("front ends: starting the local atproto network...", file=sys.stderr, flush=True)
            with local_network(Path(tmp)) as network:
                authors = await make_authors(network, args.bluesky_authors)
                for dialect in dialects:
                    print(f"front ends: bluesky latency on {dialect}...", file=sys.stderr, flush=True)
                    try:
                        result = await run_bluesky(
                            network,
                            authors,
                            dialect,
                            bursts=args.bluesky_bursts,
                            interval=args.bluesky_interval,
                            postgres_url=postgres_url,
                            workdir=workdir,
                        )
                    except Exception as exc:  # noqa: BLE001 - keep the other dialect's figures
                        report.notes.append(f"bluesky {dialect} FAILED: {type(exc).__name__}: {exc}")
                        continue
                    bluesky_report(result, report)
        except NetworkUnavailableError as exc:
            report.notes.append(f"Bluesky benchmark skipped: {exc}")
        except Exception as exc:  # noqa: BLE001 - the Discord figures still count
            report.notes.append(f"Bluesky benchmark FAILED: {type(exc).__name__}: {exc}")
    report.lines.append("")


def markdown(report: Report, command: str) -> str:
    notes = "".join(f"- {n}\n" for n in report.notes)
    return f"Command: `{command}`\n\n" + "\n".join(report.lines) + ("\n" + notes if notes else "")


def write_doc(path: Path, section: str) -> None:
    """Replace the generated part of the "Front ends" section (the rest of the file is not touched)."""
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path} has no {START} ... {END} markers for the front-end results")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{START}\n{section}\n{END}{tail}", encoding="utf-8")


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.frontends", description=__doc__.splitlines()[0])
    parser.add_argument("--dialects", default=",".join(DIALECTS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", type=Path, help="write {'results': [...]} here")
    parser.add_argument("--doc", type=Path, help="rewrite the front-end part of this Markdown file")
    add_arguments(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = await run(args, [d.strip() for d in args.dialects.split(",") if d.strip()])
    command = "python -m bench.frontends " + " ".join(argv if argv is not None else sys.argv[1:])
    section = markdown(report, command.strip())
    print(section)
    if args.json:
        args.json.write_text(json.dumps({"results": [m.as_json() for m in report.metrics]}, indent=2))
    if args.doc and report.ran:
        write_doc(args.doc, section)
    print(f"front ends done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

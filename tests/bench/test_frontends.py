"""What the front-end benchmark runner chooses to run, and the part of docs/benchmarks.md it rewrites."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.discord_burst import DiscordResult
from bench.frontends import END, START, Report, _parts, add_arguments, discord_report, write_doc
from bench.latency import Burst, Summary


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_a_full_run_has_both_and_a_quick_run_only_what_is_named() -> None:
    assert _parts(_args(), quick=False) == ["discord", "bluesky"]
    assert _parts(_args(), quick=True) == []  # --quick stays under a minute
    assert _parts(_args("--frontends", "discord"), quick=True) == ["discord"]
    assert _parts(_args("--frontends", "none"), quick=False) == []


def test_an_unknown_front_end_is_refused() -> None:
    with pytest.raises(SystemExit, match="telegram"):
        _parts(_args("--frontends", "discord,telegram"), quick=False)


def test_only_the_front_end_part_of_the_document_is_rewritten(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    head = "# Benchmarks\nservice figures\n\n## Front ends\n"
    doc.write_text(f"{head}{START}\nold\n{END}\nafter\n")
    write_doc(doc, "new figures")
    assert doc.read_text() == f"{head}{START}\nnew figures\n{END}\nafter\n"


def test_a_document_without_the_markers_is_left_alone(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n")
    with pytest.raises(SystemExit, match="markers"):
        write_doc(doc, "figures")
    assert doc.read_text() == "# Benchmarks\n"


def test_the_discord_report_shows_each_bursts_throughput_beside_the_pooled_ratio() -> None:
    ferry = [Burst(sent=(0.0, 0.0), acked=(0.1, 0.1), answered=(0.5, 1.0))]
    bare = [Burst(sent=(0.0, 0.0), acked=(0.1, 0.1), answered=(0.2, 0.5))]
    result = DiscordResult(
        dialect="postgres",
        members=2,
        bursts=1,
        ferry=Summary.of(ferry),
        baseline=Summary.of(bare),
        problems=(),
        ferry_bursts=(ferry[0].answers_per_s,),
        baseline_bursts=(bare[0].answers_per_s,),
    )
    report = Report()
    discord_report(result, report)
    metrics = {m.name: m.value for m in report.metrics}
    assert metrics["discord_answers_per_s_ratio.postgres"] == pytest.approx(0.5)
    assert "discord postgres: answers/s per burst, Ferry 2; bare 4" in report.notes

"""The arithmetic behind the front-end benchmark figures: percentiles, throughput, ratios, JSON."""

from __future__ import annotations

import math

import pytest

from bench.frontends import Metric
from bench.latency import Burst, Summary, percentile, ratio


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5  # order of the samples does not matter
    assert percentile([1.0, 2.0, 3.0, 4.0], 0) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
    hundred_and_one = [float(n) for n in range(1, 102)]
    assert percentile(hundred_and_one, 99) == 100.0
    assert percentile(hundred_and_one, 95) == 96.0
    assert percentile([1.0, 2.0], 99) == pytest.approx(1.99)
    assert percentile([7.0], 99) == 7.0


@pytest.mark.parametrize("pct", [-1, 100.5])
def test_percentile_refuses_what_it_cannot_mean(pct: float) -> None:
    with pytest.raises(ValueError, match=r"not in 0\.\.100"):
        percentile([1.0], pct)
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 50)


def test_ratio_of_a_zero_baseline_is_unreadable_not_infinite() -> None:
    assert ratio(3.0, 1.5) == 2.0
    assert math.isnan(ratio(1.0, 0.0))


def test_a_burst_counts_latency_from_each_request_and_throughput_over_its_span() -> None:
    burst = Burst(sent=(10.0, 10.1, 10.2), acked=(10.05, None, 10.3), answered=(10.5, 11.1, None))
    assert burst.ack_latencies == pytest.approx([0.05, 0.1])
    assert burst.answer_latencies == pytest.approx([0.5, 1.0])
    assert burst.missing == 1
    assert burst.span == pytest.approx(1.1)  # first request -> last answer
    assert burst.answers_per_s == pytest.approx(2 / 1.1)  # the unanswered request does not count


def test_summary_pools_bursts_and_leaves_idle_time_between_them_out() -> None:
    first = Burst(sent=(0.0, 0.0), acked=(0.1, 0.1), answered=(1.0, 2.0))
    # Long after the first: the idle minute between the bursts must not lower the throughput.
    second = Burst(sent=(60.0, 60.0), acked=(60.1, 60.3), answered=(61.0, 62.0))
    summary = Summary.of([first, second])
    assert (summary.requests, summary.answered) == (4, 4)
    assert summary.answers_per_s == pytest.approx(4 / 4.0)
    assert summary.answer[50] == pytest.approx(1.5)
    assert summary.ack[99] == pytest.approx(0.1 + 0.2 * 0.97)


def test_summary_without_answers_has_no_percentiles() -> None:
    summary = Summary.of([Burst(sent=(0.0,), acked=(None,), answered=(None,))])
    assert (summary.answered, summary.answer, summary.answers_per_s) == (0, {}, 0.0)
    assert Burst(sent=(0.0,), acked=(None,), answered=(None,)).answers_per_s == 0.0


def test_burst_needs_one_entry_per_request() -> None:
    with pytest.raises(ValueError, match="one entry per request"):
        Burst(sent=(0.0, 1.0), acked=(None,), answered=(None, None))


def test_metrics_serialise_a_missing_ratio_as_null() -> None:
    assert Metric("discord_answer_p50_ratio.sqlite", 1.5, "x").as_json() == {
        "name": "discord_answer_p50_ratio.sqlite",
        "value": 1.5,
        "unit": "x",
    }
    assert Metric("x", math.nan, "x").as_json()["value"] is None

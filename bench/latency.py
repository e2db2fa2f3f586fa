"""Latency arithmetic shared by the front-end benchmarks: percentiles, throughput and ratios.

Kept free of I/O so that the maths the reported figures rest on is tested on its own
(tests/bench/test_latency.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PERCENTILES = (50, 95, 99)


def percentile(samples: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile, linear between the closest ranks (numpy's default, R's type 7).

    With one sample every percentile is that sample; ``pct`` is in 0..100.
    """
    if not samples:
        raise ValueError("no samples")
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile {pct} is not in 0..100")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * pct / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(measured: float, baseline: float) -> float:
    """``measured / baseline``; NaN when the baseline is zero (a ratio that cannot be read)."""
    return measured / baseline if baseline else math.nan


@dataclass(frozen=True, slots=True)
class Burst:
    """One burst as the waiting users saw it: when each request went out and when it was answered.

    Times are seconds on one clock (the stand-in's event loop); ``answered`` is None for a request
    that never got its answer.
    """

    sent: tuple[float, ...]
    acked: tuple[float | None, ...]
    answered: tuple[float | None, ...]

    def __post_init__(self) -> None:
        if not len(self.sent) == len(self.acked) == len(self.answered):
            raise ValueError("sent, acked and answered must have one entry per request")

    @property
    def ack_latencies(self) -> list[float]:
        return [a - s for s, a in zip(self.sent, self.acked, strict=True) if a is not None]

    @property
    def answer_latencies(self) -> list[float]:
        return [a - s for s, a in zip(self.sent, self.answered, strict=True) if a is not None]

    @property
    def missing(self) -> int:
        return sum(a is None for a in self.answered)

    @property
    def span(self) -> float:
        """Seconds from the first request to the last answer (0 when nothing was answered)."""
        done = [a for a in self.answered if a is not None]
        return max(done) - min(self.sent) if done and self.sent else 0.0

    @property
    def answers_per_s(self) -> float:
        """Answers over :attr:`span` (0 when nothing was answered)."""
        return (len(self.sent) - self.missing) / self.span if self.span > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Summary:
    """Percentiles (seconds) of ack and answer latency, and answers per second, over bursts."""

    requests: int
    answered: int
    ack: dict[int, float]
    answer: dict[int, float]
    answers_per_s: float

    @classmethod
    def of(cls, bursts: Sequence[Burst]) -> Summary:
        """Latencies are pooled over the bursts; throughput is every answer over the summed spans
        (each burst from its first request to its last answer), so idle gaps between bursts do not
        count."""
        acks = [x for b in bursts for x in b.ack_latencies]
        answers = [x for b in bursts for x in b.answer_latencies]
        span = sum(b.span for b in bursts)
        return cls(
            requests=sum(len(b.sent) for b in bursts),
            answered=len(answers),
            ack={p: percentile(acks, p) for p in PERCENTILES} if acks else {},
            answer={p: percentile(answers, p) for p in PERCENTILES} if answers else {},
            answers_per_s=len(answers) / span if span > 0 else 0.0,
        )

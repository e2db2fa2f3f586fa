"""Recognising ``stats`` and wording the reply within a post's limits."""

from datetime import UTC, datetime

import pytest

from bot.bluesky.insights import answer_text, stats_request
from bot.bluesky.posts import POST_GRAPHEMES, width
from bot.services.insights import Insights, PlatformTotal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" stats", (True, None)),
        ("STATS!", (True, None)),
        ("movers stats", (True, "movers")),
        ("  ｓｔａｔｓ。", (True, None)),
        ("统计", (True, None)),
        ("stats please", (False, None)),
        ("elsewhere stats", (False, None)),
        ("directory", (False, None)),
        ("", (False, None)),
    ],
)
def test_stats_request(text: str, expected: tuple[bool, str | None]) -> None:
    assert stats_request(text, {"movers"}) == expected


def test_the_reply_keeps_the_largest_platforms_that_fit_in_a_post() -> None:
    platforms = tuple(
        PlatformTotal(
            key=f"p{n}", name=f"A platform with a long name number {n}", count=1000 - n, verified=None
        )
        for n in range(30)
    )
    insights = Insights(
        community="c", name="Community", public=True, minimum=5, as_of=datetime(2025, 1, 1, tzinfo=UTC),
        platforms=platforms, spread=(), days=(), series=(), members=0, handles=0, deadline=None,
    )  # fmt: skip
    text = answer_text(insights, "en", "https://ferry.example.org/c/")
    assert width(text) <= POST_GRAPHEMES and not text.endswith("…")
    assert "number 0 1000" in text and "number 29" not in text
    assert text.endswith("More: https://ferry.example.org/c/")

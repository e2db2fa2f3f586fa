"""Budget fitting counts graphemes and never cuts an entry in the middle."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text.render import pack, shorten, width

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme, seven code points


def test_width_counts_graphemes_not_code_points() -> None:
    assert width(FAMILY) == 1
    assert width("e\u0301") == 1
    assert width("小红书") == 3


def test_shorten_cuts_on_grapheme_boundaries() -> None:
    text = FAMILY * 10
    cut = shorten(text, 4)
    assert cut == FAMILY * 3 + "…"
    assert width(cut) == 4
    assert shorten("short", 10) == "short"
    assert shorten("anything", 0) == ""


def test_pack_keeps_whole_lines_and_the_footer() -> None:
    lines = [f"• line {i}" for i in range(10)]
    text, taken = pack("Header:", lines, 45, footer="More: x")
    assert taken == 3
    assert text == "Header:\n• line 0\n• line 1\n• line 2\nMore: x"
    assert width(text) == 42


def test_pack_shortens_a_single_line_wider_than_the_budget() -> None:
    text, taken = pack("H", ["x" * 100], 20)
    assert taken == 1
    assert width(text) <= 20
    assert text.endswith("…")


@given(
    st.text(max_size=50),
    st.lists(st.text(min_size=1, max_size=80), max_size=20),
    st.text(max_size=30),
    st.integers(min_value=1, max_value=300),
)
def test_pack_never_exceeds_the_budget(header: str, lines: list[str], footer: str, budget: int) -> None:
    text, taken = pack(header, lines, budget, footer=footer)
    assert width(text) <= budget
    assert 0 <= taken <= len(lines)


@pytest.mark.parametrize("budget", [1, 2, 5])
def test_tiny_budgets_still_hold(budget: int) -> None:
    text, _ = pack("A long header line", ["a long entry"], budget, footer="footer")
    assert width(text) <= budget

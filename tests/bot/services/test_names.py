"""Display names and search terms are cleaned, never refused."""

import unicodedata

import pytest

from bot.errors import InvalidInputError
from bot.services.names import (
    MAX_NAME_GRAPHEMES,
    MAX_SEARCH_CHARS,
    NEUTRAL_NAME,
    clean_display_name,
    clean_search,
    name_key,
)
from bot.text.render import width


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Alice   Smith ", "Alice Smith"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("zero\u200bwidth", "zerowidth"),
        ("line\nbreak\ttab", "line break tab"),
        ("小红书 用户", "小红书 用户"),
        ("e\u0301", "\u00e9"),  # NFC
    ],
)
def test_names_are_printable_single_lines(raw: str, clean: str) -> None:
    assert clean_display_name(raw, fallback="x") == clean


def test_long_names_are_cut_on_grapheme_boundaries() -> None:
    family = "👨\u200d👩\u200d👧"
    name = clean_display_name(family * 100, fallback="x")
    assert width(name) == MAX_NAME_GRAPHEMES
    assert name.endswith("…")


def test_empty_names_fall_back() -> None:
    assert clean_display_name("\u200b\u202e ", fallback="alice.bsky.social") == "alice.bsky.social"
    assert clean_display_name("\u200b\u202e ", fallback="\u3164") == NEUTRAL_NAME
    assert clean_display_name("\u200b\u202e ") == NEUTRAL_NAME


@pytest.mark.parametrize(
    "invisible",
    [
        "\u3164",  # Hangul filler: a letter that draws nothing, the classic invisible Discord name
        "\uffa0\u115f\u1160",
        "\u2800\u2800",  # blank Braille patterns
        "\u034f\u200b\u200d\u2060",
        "\U000e0041\U000e007f",  # tag characters
        "\x00\x07\x1b",
        "\ud800",  # a lone surrogate, as JSON can carry
    ],
)
def test_names_with_nothing_visible_get_the_neutral_label(invisible: str) -> None:
    assert clean_display_name(invisible) == NEUTRAL_NAME
    assert name_key(invisible) == ""


def test_name_keys_drop_what_cannot_be_seen() -> None:
    assert name_key("\u2066Ann\u200b  Lee\u3164\u2069 ") == "Ann Lee"
    assert name_key("Ann\x00Lee") == "AnnLee"
    assert name_key("A\u0301nn") == "\u00c1nn"  # NFC
    assert name_key("x" * 500) == "x" * 500  # a key is never shortened: the caller refuses long ones


def test_search_terms() -> None:
    assert clean_search("  bob\u200b ") == "bob"
    assert clean_search("\u200b") is None
    with pytest.raises(InvalidInputError):
        clean_search("x" * (MAX_SEARCH_CHARS + 1))


def test_stacked_marks_are_capped_but_real_scripts_keep_theirs() -> None:
    zalgo = "Z" + "\u0336\u0301\u0327\u0308" * 50 + "a"
    cleaned = clean_display_name(zalgo, fallback="x")
    assert cleaned[0] in "ZŹ" and cleaned.endswith("a")
    assert sum(unicodedata.combining(ch) > 0 for ch in cleaned) <= 3
    assert clean_display_name("क्षि", fallback="x") == "क्षि"
    assert len(clean_display_name(zalgo * 64, fallback="x").encode()) < 1000

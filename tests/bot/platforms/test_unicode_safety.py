"""Character-level checks, on their own and inside every built-in platform's normaliser."""

from __future__ import annotations

import pytest

from bot.platforms import Catalogue, Reason, skeleton
from bot.platforms.unicode_safety import character_problem, fold_fullwidth, script_problem
from tests.bot.platforms.helpers import rejects

BUILTIN_KEYS = [spec.key for spec in Catalogue.builtin().specs]

# security.md §3 and §8.1: invisible, bidi and control characters, and worse.
BAD_CHARACTERS = [
    ("\u202e", Reason.INVISIBLE_CHARACTER),  # right-to-left override
    ("\u202a", Reason.INVISIBLE_CHARACTER),
    ("\u2066", Reason.INVISIBLE_CHARACTER),  # isolates
    ("\u2067", Reason.INVISIBLE_CHARACTER),
    ("\u2068", Reason.INVISIBLE_CHARACTER),
    ("\u2069", Reason.INVISIBLE_CHARACTER),
    ("\u200b", Reason.INVISIBLE_CHARACTER),  # zero-width space, non-joiner, joiner
    ("\u200c", Reason.INVISIBLE_CHARACTER),
    ("\u200d", Reason.INVISIBLE_CHARACTER),
    ("\u200e", Reason.INVISIBLE_CHARACTER),  # LRM, RLM, Arabic letter mark
    ("\u200f", Reason.INVISIBLE_CHARACTER),
    ("\u061c", Reason.INVISIBLE_CHARACTER),
    ("\u2060", Reason.INVISIBLE_CHARACTER),  # word joiner
    ("\ufeff", Reason.INVISIBLE_CHARACTER),  # BOM
    ("\u00ad", Reason.INVISIBLE_CHARACTER),  # soft hyphen
    ("\U000e0041", Reason.INVISIBLE_CHARACTER),  # tag characters
    ("\U000e007f", Reason.INVISIBLE_CHARACTER),
    ("\ufe0f", Reason.INVISIBLE_CHARACTER),  # variation selectors
    ("\U000e0100", Reason.INVISIBLE_CHARACTER),
    ("\u3164", Reason.INVISIBLE_CHARACTER),  # Hangul filler: a letter that renders as nothing
    ("\x00", Reason.CONTROL_CHARACTER),
    ("\x1b", Reason.CONTROL_CHARACTER),
    ("\t", Reason.CONTROL_CHARACTER),
    ("\n", Reason.CONTROL_CHARACTER),
    ("\x7f", Reason.CONTROL_CHARACTER),
    ("\ud800", Reason.BAD_ENCODING),  # lone surrogate, as JSON decoding can produce
    ("\udfff", Reason.BAD_ENCODING),
    ("\ue000", Reason.UNSUPPORTED_CHARACTER),  # private use
    ("\U000f0000", Reason.UNSUPPORTED_CHARACTER),
    ("\uffff", Reason.UNSUPPORTED_CHARACTER),  # noncharacter
    (" ", Reason.CONTAINS_WHITESPACE),
    ("\u00a0", Reason.CONTAINS_WHITESPACE),
    ("\u2028", Reason.CONTAINS_WHITESPACE),
    ("\u0337\u0322\u031b\u0338", Reason.EXCESS_MARKS),  # zalgo
]


@pytest.mark.parametrize("key", BUILTIN_KEYS)
@pytest.mark.parametrize(("bad", "reason"), BAD_CHARACTERS)
def test_every_platform_refuses_bad_characters_inside_its_example(key: str, bad: str, reason: Reason) -> None:
    example = Catalogue.builtin().get(key).example  # type: ignore[union-attr]
    rejects(key, example[:2] + bad + example[2:], reason)


@pytest.mark.parametrize("key", BUILTIN_KEYS)
def test_every_platform_refuses_empty_and_huge_input(key: str) -> None:
    rejects(key, "", Reason.EMPTY)
    rejects(key, "\u3000 \n", Reason.EMPTY)
    rejects(key, "a" * 10_000, Reason.TOO_LONG)
    rejects(key, "\ud800" * 10_000, Reason.TOO_LONG)  # the cap comes before any character work


def test_a_lone_surrogate_alone_is_bad_encoding_everywhere() -> None:
    for key in BUILTIN_KEYS:
        rejects(key, "\ud800", Reason.BAD_ENCODING)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("alice", None),
        ("\u30c6\u30b9\u30c8", None),
        ("e\u0301", None),  # one generic mark is an accent
        ("\u0928\u093f\u0902", None),  # two Devanagari marks on one base
        ("a\u0337\u0338", Reason.EXCESS_MARKS),  # two generic overlays: decoration, not a word
        ("a\u0301\u0302\u0303\u0304", Reason.EXCESS_MARKS),  # four of any kind
        ("\x00\u202e", Reason.CONTROL_CHARACTER),  # control outranks invisible
        ("\ud800\x00", Reason.BAD_ENCODING),  # and an unencodable string outranks everything
    ],
)
def test_character_problem(text: str, reason: Reason | None) -> None:
    assert character_problem(text) == reason


def test_fold_fullwidth_maps_only_the_fullwidth_ascii_block() -> None:
    assert fold_fullwidth("＠ｆｏｏ＿１") == "@foo_1"
    assert fold_fullwidth("\u3000x") == " x"
    assert fold_fullwidth("\U0001d41a\u2460") == "\U0001d41a\u2460"  # math bold, circled digit stay


@pytest.mark.parametrize(
    ("text", "ascii_only", "reason"),
    [
        ("paypal", True, None),
        ("p\u0430ypal", True, Reason.MIXED_SCRIPT),
        ("\u0440\u0430\u0443", True, Reason.CONFUSABLE),
        ("\u0436\u0436", True, Reason.NOT_ASCII),
        ("\u0436\u0436", False, None),
        ("p\u0430ypal", False, Reason.MIXED_SCRIPT),
        ("abc\u05e9", False, Reason.MIXED_SCRIPT),
        ("\u6771\u4eac\u30bf\u30ef\u30fcabc", False, None),  # Han + Katakana + Latin is Japanese
        ("\ud55c\uad6d\u8a9eabc", False, None),  # Hangul + Han + Latin is Korean
        ("\u0436\u6771", False, Reason.MIXED_SCRIPT),
    ],
)
def test_script_problem(text: str, ascii_only: bool, reason: Reason | None) -> None:
    assert script_problem(text, ascii_only=ascii_only) == reason


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("paypal", "p\u0430ypal"),  # Cyrillic a
        ("paypal", "paypaI"),  # capital I for l
        ("paypal", "paypa1"),
        ("microsoft", "rnicrosoft"),  # rn for m
        ("google", "g00gle"),
        ("wave", "vvave"),
        ("sunny", "ＳＵＮＮＹ"),
    ],
)
def test_skeleton_flags_look_alikes(first: str, second: str) -> None:
    assert skeleton(first) == skeleton(second)


def test_skeleton_keeps_different_names_apart() -> None:
    assert skeleton("alice") != skeleton("alina")

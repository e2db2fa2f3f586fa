"""Character-level checks for handles: invisible and control characters, scripts, look-alikes.

These guard against Trojan Source style tricks (bidi overrides, zero-width joiners), text that
cannot be encoded (lone surrogates from JSON), and homoglyph spoofing (``p\\u0430ypal``). The
``confusable_homoglyphs`` tables are loaded on first use, not at import.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable

from bot.platforms._regex import search, sub
from bot.platforms.reasons import Reason

# Cf covers bidi controls, zero-width characters, U+00AD, U+061C, U+FEFF and most tag characters;
# Default_Ignorable adds the rest of what renders as nothing (Hangul fillers, U+034F, tag
# characters' unassigned neighbours), and variation selectors change how the previous letter looks.
_INVISIBLE = r"[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Variation_Selector}]"
# Stacked marks are decoration ("zalgo"). Scripts that really stack marks (Devanagari, Thai,
# Arabic harakat) stack at most three, and their marks carry script extensions; after NFC, two
# generic (script-extension Inherited) marks in a row occur in no real word.
# What renders as nothing yet is a letter or a joiner rather than a format character: Hangul fillers
# (U+3164, U+FFA0, U+115F/1160, the classic "invisible name"), U+034F and kin. Variation selectors
# stay out of it: free text keeps them, since an emoji's presentation depends on them.
_BLANK_LETTERS = r"(?V1)[\p{Default_Ignorable_Code_Point}--\p{Variation_Selector}]"
_MARK_RUN = r"\p{M}{4,}|\p{Script_Extensions=Inherited}{2,}"

# Fullwidth ASCII (U+FF01-FF5E) and the ideographic space come from CJK input methods, where
# typing fullwidth "@foo" is as easy as ASCII. No platform stores these forms, so the person meant ASCII;
# folding them (the NFKC mapping, for this block only) beats rejecting what they typed. Other
# compatibility characters (math bold, circled letters) are decoration and stay rejected.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})
# UTS #39 "highly restrictive": one script, or Latin with the scripts CJK writing mixes with it.
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# Plain ASCII look-alikes that confusables.txt maps but the skeleton must treat as one letter.
_ASCII_LOOKALIKES = str.maketrans({"I": "l", "1": "l", "|": "l", "0": "o", "O": "o"})
_SEQUENCE_LOOKALIKES = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def fold_fullwidth(text: str) -> str:
    """Turn fullwidth ASCII forms and the ideographic space into plain ASCII."""
    return text.translate(_FULLWIDTH)


def drop_blank_letters(text: str) -> str:
    """``text`` without the default-ignorable characters that are not variation selectors."""
    return sub(_BLANK_LETTERS, "", text)


def character_problem(text: str) -> Reason | None:
    """The most serious character-level problem in ``text``, or None.

    Checked in order of harm: lone surrogates (they raise on UTF-8 encode, so nothing else may see
    them), control characters, invisible ones, characters with no agreed meaning, inner whitespace,
    then stacked combining marks.
    """
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        return Reason.BAD_ENCODING
    categories = {unicodedata.category(ch) for ch in text}
    if "Cc" in categories:
        return Reason.CONTROL_CHARACTER
    if search(_INVISIBLE, text) is not None:
        return Reason.INVISIBLE_CHARACTER
    if categories & {"Co", "Cn"}:  # private use; unassigned (noncharacters are Cn too)
        return Reason.UNSUPPORTED_CHARACTER
    if categories & {"Zs", "Zl", "Zp"}:
        return Reason.CONTAINS_WHITESPACE
    if search(_MARK_RUN, text) is not None:
        return Reason.EXCESS_MARKS
    return None


def script_problem(text: str, *, ascii_only: bool) -> Reason | None:
    """Whether ``text`` mixes scripts or imitates ASCII where the platform does not allow it.

    For ASCII-only platforms any non-ASCII character is refused, with the most telling reason:
    Latin mixed with another alphabet, then look-alikes of ASCII, then plain non-ASCII. Elsewhere
    (YouTube) letters of any one script are fine, but not, say, Latin mixed with Cyrillic or Hebrew.
    """
    if text.isascii():
        return None
    scripts = _scripts(text)
    if ascii_only:
        if "LATIN" in scripts and len(scripts) > 1:
            return Reason.MIXED_SCRIPT
        if any(_imitates_ascii(ch) for ch in text if not ch.isascii()):
            return Reason.CONFUSABLE
        return Reason.NOT_ASCII
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_MIXES):
        return Reason.MIXED_SCRIPT
    return None


def is_lookalike(label: str) -> bool:
    """Whether a non-ASCII domain label imitates ASCII or mixes alphabets (UTS #39, per label).

    A label written wholly in look-alikes of Latin letters ("apple" spelt in Cyrillic) is a
    whole-script confusable even though it uses one script; a label mixing Latin with Cyrillic
    ("paypal" with a Cyrillic "a") is a mixed-script one. Real words in one script ("пример",
    "bücher") pass: most of their letters have no ASCII twin.
    """
    if label.isascii():
        return False
    scripts = _scripts(label)
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_MIXES):
        return True
    return all(ch.isascii() or _imitates_ascii(ch) for ch in label)


def skeleton(text: str) -> str:
    """A look-alike key in the spirit of UTS #39: handles with equal skeletons are easy to confuse.

    Not a uniqueness key (``paypal`` and ``paypa1`` are different accounts); the service may use it
    to send near-collisions with existing entries or staff names to admin review.
    """
    table = _confusables()
    prototypes = (_ascii_prototype(table, ch) or ch for ch in unicodedata.normalize("NFKC", text))
    folded = "".join(prototypes).translate(_ASCII_LOOKALIKES).casefold()
    for sequence, letter in _SEQUENCE_LOOKALIKES:
        folded = folded.replace(sequence, letter)
    return folded


def _scripts(text: str) -> frozenset[str]:
    alias = _script_alias()
    return frozenset(alias(ch) for ch in text) - _NEUTRAL_SCRIPTS


def _imitates_ascii(ch: str) -> bool:
    return _ascii_prototype(_confusables(), ch) is not None


def _ascii_prototype(table: dict[str, list[dict[str, str]]], ch: str) -> str | None:
    if ch.isascii():
        return None
    for homoglyph in table.get(ch, ()):
        # The table wraps right-to-left characters in U+200E marks; ignore them here.
        candidate = homoglyph["c"].replace("\u200e", "")
        if candidate.isascii() and candidate.isprintable():
            return candidate
    return None


@functools.cache
def _confusables() -> dict[str, list[dict[str, str]]]:
    from confusable_homoglyphs import confusables  # loads a large table: deferred to first use

    table: dict[str, list[dict[str, str]]] = confusables.confusables_data
    return table


@functools.cache
def _script_alias() -> Callable[[str], str]:
    from confusable_homoglyphs import categories  # loads a table: deferred to first use

    alias: Callable[[str], str] = categories.alias
    return alias

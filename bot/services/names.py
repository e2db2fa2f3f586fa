"""Cleaning of free text that is not a handle: display names, name keys and search terms.

Display names come from a platform profile, a Discord account, a spreadsheet or the console, not
from a command, so they are cleaned rather than refused: an invisible or direction-changing
character in a name must not reorder a directory line, and a NUL must not reach a database that
refuses it. Every path cleans names here, the same way.
"""

from __future__ import annotations

import unicodedata

import grapheme

from bot.errors import InputReason, InvalidInputError
from bot.platforms.unicode_safety import drop_blank_letters

MAX_NAME_GRAPHEMES = 64
MAX_SEARCH_CHARS = 100

# Categories that render as nothing or change the order of what follows (bidi controls are Cf).
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_MARKS = frozenset({"Mn", "Me"})
MAX_STACKED_MARKS = 3
# The name of someone whose own name shows nothing. Never their account id: a Discord user id or a
# DID is not a name, and the public directory promises never to show one.
NEUTRAL_NAME = "Member"
# A blank Braille pattern draws nothing; it is the other classic "invisible name".
_BLANKS = {0x2800: " "}


def _visible(text: str) -> str:
    text = unicodedata.normalize("NFC", drop_blank_letters(text).translate(_BLANKS))
    kept: list[str] = []
    marks = 0
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif category in _DROPPED_CATEGORIES:
            continue
        elif category in _MARKS:
            # Real scripts stack a few marks; "zalgo" stacks hundreds, which costs bytes (Bluesky
            # counts 3,000 per post) and smears over the lines around it.
            marks += 1
            if marks <= MAX_STACKED_MARKS:
                kept.append(ch)
            continue
        else:
            kept.append(ch)
        marks = 0
    return " ".join("".join(kept).split())


def clean_display_name(name: str, *, fallback: str | None = None) -> str:
    """A printable, single-line name of bounded length.

    When nothing visible is left, the cleaned ``fallback`` (a name kept from before, a handle), and
    failing that :data:`NEUTRAL_NAME`.
    """
    for candidate in (name, fallback or ""):
        cleaned = _visible(candidate)
        if cleaned:
            if grapheme.length(cleaned) > MAX_NAME_GRAPHEMES:
                # Cut on a grapheme boundary so an emoji sequence or a combining mark is never split.
                cleaned = grapheme.slice(cleaned, 0, MAX_NAME_GRAPHEMES - 1).rstrip() + "…"
            return cleaned
    return NEUTRAL_NAME


def name_key(name: str) -> str:
    """The form of a name that keys a member without an account id (a console or spreadsheet name).

    Cleaned as a display name is, but never shortened or replaced: ``"Ann\u200b"`` and ``"Ann"``
    are one person, and a name with nothing visible in it gives ``""``, which keys nobody.
    """
    return _visible(name)


def clean_search(term: str) -> str | None:
    """A search term with invisible characters removed; None when nothing is left to search for."""
    if len(term) > MAX_SEARCH_CHARS:
        raise InvalidInputError("search", InputReason.TOO_LONG, limit=MAX_SEARCH_CHARS)
    cleaned = _visible(term)
    return cleaned or None


def clean_note(text: str, *, field: str, limit: int) -> str | None:
    """A short note an admin writes (a ban reason): one visible line; refused past ``limit`` characters."""
    if len(text) > limit:
        raise InvalidInputError(field, InputReason.TOO_LONG, limit=limit)
    return _visible(text) or None

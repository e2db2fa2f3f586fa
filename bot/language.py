"""One policy for language tags, on every front and in the config: which of Ferry's languages a tag means.

Ferry speaks English and Simplified Chinese. A BCP 47 tag from anywhere (Discord's ``zh-CN``, a
console ``--locale zh``, ``locale = "zh-Hans"`` in a config file) is matched the same way, ignoring
case and ``_``/``-``: Chinese written in simplified script (``zh``, ``zh-CN``, ``zh-SG``,
``zh-Hans``, ``zh-Hans-CN``) is Simplified Chinese; Traditional Chinese (``zh-TW``, ``zh-HK``,
``zh-MO``, ``zh-Hant``) is a language Ferry does not have yet, like any other.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "zh-Hans"]
LANGUAGES: tuple[Language, ...] = ("en", "zh-Hans")
DEFAULT: Language = "en"

_TRADITIONAL = ("hant", "tw", "hk", "mo")


def known_language(tag: str | None) -> Language | None:
    """The language ``tag`` names, or None when Ferry does not speak it (or it is no tag at all)."""
    parts = (tag or "").strip().lower().replace("_", "-").split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh":
        return None if len(parts) > 1 and parts[1] in _TRADITIONAL else "zh-Hans"
    return None


def language_of(tag: str | None) -> Language:
    """The language to answer in for ``tag``: the one it names, else English."""
    return known_language(tag) or DEFAULT

"""The one place that touches the untyped ``regex`` package, behind a small typed surface.

``regex`` rather than ``re`` because YouTube handles need ``\\p{L}``/``\\p{N}``/``\\p{M}`` and admins may
use them too, and because its ``timeout`` bounds an admin's pattern that backtracks badly.
"""

from __future__ import annotations

import functools
from typing import Protocol

import regex

MATCH_TIMEOUT = 0.05  # seconds; handles are at most 253 characters, so only a pathological pattern gets near


class Match(Protocol):
    """The part of a match object the catalogue uses."""

    def group(self, name: str, /) -> str | None:
        """The text a named group matched, or None if it took no part."""
        ...


class Pattern(Protocol):
    """The part of a compiled pattern the catalogue uses."""

    @property
    def groupindex(self) -> dict[str, int]:
        """Named groups."""
        ...

    def fullmatch(
        self, text: str, *, timeout: float | None = None, concurrent: bool | None = None
    ) -> Match | None:
        """Match the whole of ``text``."""
        ...

    def search(
        self, text: str, *, timeout: float | None = None, concurrent: bool | None = None
    ) -> Match | None:
        """Find the first match anywhere in ``text``."""
        ...

    def sub(self, repl: str, text: str, *, concurrent: bool | None = None) -> str:
        """``text`` with every match replaced by ``repl``."""
        ...


class PatternError(ValueError):
    """The pattern does not compile."""


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Pattern:
    """Compile once per distinct pattern; raises :class:`PatternError` with the engine's message."""
    try:
        compiled: Pattern = regex.compile(pattern)
    except regex.error as exc:
        raise PatternError(str(exc)) from exc
    return compiled


# Every match here keeps the GIL (concurrent=False). The engine otherwise lets go of it for each match
# of an immutable string, and the few microseconds of matching a handle or a name then wait up to the
# interpreter's switch interval to get it back whenever another thread (aiosqlite's worker, a
# resolver) is running: 5-10x slower in a busy bot.
#
# Only a pattern from an admin's config gets a time limit. The engine's limit reads the process's CPU
# clock (``clock()``); with it, a match cost about 140 us in a bot serving a burst (3 us in a quiet
# process), and the two matches of Ferry's own pattern per registration were a tenth of its CPU.
# Ferry's own patterns are written to match in linear time; an admin's may backtrack badly.


def fullmatch(pattern: str, text: str, *, own: bool = False) -> Match | None:
    """Match all of ``text``. A match that runs out of time counts as no match; ``own`` for one of
    Ferry's own patterns, which runs without the limit."""
    compiled = compile_pattern(pattern)
    if own:
        return compiled.fullmatch(text, concurrent=False)
    try:
        return compiled.fullmatch(text, timeout=MATCH_TIMEOUT, concurrent=False)
    except TimeoutError:
        return None


def search(pattern: str, text: str) -> Match | None:
    """The first match anywhere in ``text`` of one of the module's own fixed patterns."""
    return compile_pattern(pattern).search(text, concurrent=False)


def sub(pattern: str, repl: str, text: str) -> str:
    """``text`` with every match of one of the module's own fixed patterns replaced by ``repl``."""
    return compile_pattern(pattern).sub(repl, text, concurrent=False)

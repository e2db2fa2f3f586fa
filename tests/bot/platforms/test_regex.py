"""Which patterns run under a time limit: an admin's, not Ferry's own (bot/platforms/_regex.py)."""

from __future__ import annotations

from typing import Any

import pytest

import bot.platforms._regex
import bot.platforms.kinds
import bot.platforms.urls
from bot.errors import InvalidHandleError
from bot.platforms import Catalogue, PlatformOverride, normalise
from bot.platforms._regex import MATCH_TIMEOUT, Match, fullmatch

BACKTRACKS = r"^(a|a)+$"  # 2**n ways to fail on "a" * n + "b"


class _Slow:
    """A compiled pattern that runs out of any time it is given."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def fullmatch(self, text: str, *, timeout: float | None = None, concurrent: bool | None = None) -> None:
        self.timeouts.append(timeout)
        if timeout is not None:
            raise TimeoutError


def test_a_match_that_runs_out_of_time_is_no_match(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = _Slow()
    monkeypatch.setattr(bot.platforms._regex, "compile_pattern", lambda _pattern: slow)
    assert fullmatch("x", "x") is None
    assert fullmatch("x", "x", own=True) is None  # Ferry's own pattern: no limit asked for
    assert slow.timeouts == [MATCH_TIMEOUT, None]


@pytest.fixture
def limited_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each (pattern, under the time limit) the handle checks ask for."""
    calls: list[tuple[str, bool]] = []

    def spy(pattern: str, text: str, *, own: bool = False) -> Match | None:
        calls.append((pattern, not own))
        return fullmatch(pattern, text, own=own)

    monkeypatch.setattr(bot.platforms.kinds, "fullmatch", spy)
    monkeypatch.setattr(bot.platforms.urls, "fullmatch", spy)
    return calls


def test_the_built_in_patterns_run_without_a_limit(limited_calls: list[tuple[str, bool]]) -> None:
    spec = Catalogue.builtin().get("instagram")
    assert spec is not None
    normalise(spec, "https://instagram.com/sunny.bakes/")
    assert (spec.pattern, False) in limited_calls
    assert (spec.url_path_pattern, False) in limited_calls


def test_an_admins_patterns_run_under_the_limit(limited_calls: list[tuple[str, bool]]) -> None:
    fields: dict[str, Any] = {
        "pattern": BACKTRACKS,
        "url_path_pattern": r"^/u/(?P<handle>[^/]+)$",
        "example": "aaa",
        "max_length": 60,
    }
    catalogue = Catalogue.builtin().with_overrides({"lemon8": PlatformOverride.model_validate(fields)})
    spec = catalogue.get("lemon8")
    assert spec is not None
    normalise(spec, "aaa")
    normalise(spec, "https://lemon8-app.com/u/aaa")
    assert (BACKTRACKS, True) in limited_calls
    assert (fields["url_path_pattern"], True) in limited_calls
    assert all(limited for pattern, limited in limited_calls if pattern in set(fields.values()))
    # Checked above first, so that a missing limit fails there instead of running 2**40 steps here.
    with pytest.raises(InvalidHandleError, match="invalid_format"):
        normalise(spec, "a" * 40 + "b")

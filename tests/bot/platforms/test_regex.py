"""Which patterns run under a time limit: an admin's, not Ferry's own (bot/platforms/_regex.py)."""

from __future__ import annotations

from typing import Any

import pytest

import bot.platforms.kinds
import bot.platforms.urls
from bot.errors import InvalidHandleError
from bot.platforms import Catalogue, PlatformOverride, normalise
from bot.platforms._regex import Match, fullmatch

BACKTRACKS = r"^(a|a)+$"  # 2**n ways to fail on "a" * n + "b"


def test_a_bounded_match_that_runs_out_of_time_is_no_match() -> None:
    assert fullmatch(BACKTRACKS, "a" * 40 + "b", bounded=True) is None
    assert fullmatch(BACKTRACKS, "aaa", bounded=True) is not None


@pytest.fixture
def bounded_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each (pattern, bounded) the handle checks ask for."""
    calls: list[tuple[str, bool]] = []

    def spy(pattern: str, text: str, *, bounded: bool = False) -> Match | None:
        calls.append((pattern, bounded))
        return fullmatch(pattern, text, bounded=bounded)

    monkeypatch.setattr(bot.platforms.kinds, "fullmatch", spy)
    monkeypatch.setattr(bot.platforms.urls, "fullmatch", spy)
    return calls


def test_the_built_in_patterns_run_without_a_limit(bounded_calls: list[tuple[str, bool]]) -> None:
    spec = Catalogue.builtin().get("instagram")
    assert spec is not None
    normalise(spec, "https://instagram.com/sunny.bakes/")
    assert (spec.pattern, False) in bounded_calls
    assert (spec.url_path_pattern, False) in bounded_calls


def test_an_admins_patterns_run_under_the_limit(bounded_calls: list[tuple[str, bool]]) -> None:
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
    assert (BACKTRACKS, True) in bounded_calls
    assert (fields["url_path_pattern"], True) in bounded_calls
    assert all(bounded for pattern, bounded in bounded_calls if pattern in set(fields.values()))
    # Checked above first, so that a missing limit fails here instead of running 2**40 steps.
    with pytest.raises(InvalidHandleError, match="invalid_format"):
        normalise(spec, "a" * 40 + "b")

"""Shared helpers: look up built-in specs and assert on accepted and rejected handles."""

from __future__ import annotations

import pytest

from bot.errors import InvalidHandleError
from bot.platforms import Catalogue, NormalisedHandle, PlatformSpec, Reason, normalise, profile_url


def spec(key: str) -> PlatformSpec:
    """The built-in spec with this key."""
    found = Catalogue.builtin().get(key)
    assert found is not None, key
    return found


def accepts(key: str, raw: str, handle: str, url: str | None) -> NormalisedHandle:
    """Assert ``raw`` normalises to ``handle`` and links to ``url``; return the result."""
    normalised = normalise(spec(key), raw)
    assert normalised.handle == handle
    assert profile_url(spec(key), normalised.handle) == url
    return normalised


def rejects(key: str, raw: str, reason: Reason) -> InvalidHandleError:
    """Assert ``raw`` is refused for ``reason``, with the platform's display name and example."""
    platform = spec(key)
    with pytest.raises(InvalidHandleError) as info:
        normalise(platform, raw)
    assert info.value.reason == reason.value
    assert info.value.platform == platform.display_name
    assert info.value.example == platform.example
    return info.value

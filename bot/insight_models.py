"""Typed aggregates of one community's directory, as the insights repository reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformCount:
    """Handles on one platform: listed (any visibility), public, and verified (proven or vouched)."""

    platform: str
    listed: int
    public: int
    verified: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Spread:
    """How many listed members hold handles on ``platforms`` platforms (counting every handle, and
    counting only public ones)."""

    platforms: int
    members: int
    public_members: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Arrivals:
    """Handles that arrived (were first registered) on ``day`` (UTC) on one platform and are listed now."""

    day: date
    platform: str
    listed: int
    public: int


@dataclass(frozen=True, slots=True, kw_only=True)
class InsightAggregates:
    """Everything the insights are computed from: O(platforms x days) rows, never one per handle.

    ``version`` is the last audit id folded in: two reads with the same version saw the same directory.
    """

    community: str
    version: int
    platforms: tuple[PlatformCount, ...]
    spread: tuple[Spread, ...]
    arrivals: tuple[Arrivals, ...]

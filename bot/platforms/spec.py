"""The shape of a platform in the catalogue, as built-ins and admin config files describe it."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field


class HandleKind(enum.StrEnum):
    """Which normaliser a platform uses. ``generic`` is driven entirely by the spec's fields."""

    GENERIC = "generic"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    REDNOTE = "rednote"
    YOUTUBE = "youtube"


class PlatformSpec(BaseModel):
    """A platform people can register a handle on.

    ``profile_url`` is a template with ``{handle}``; a handle the template cannot serve (a RedNote RED ID)
    has no link.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    display_name: str = Field(min_length=1, max_length=40)
    aliases: tuple[str, ...] = ()
    kind: HandleKind = HandleKind.GENERIC
    pattern: str = r"^[A-Za-z0-9._]{1,30}$"  # what a canonical handle must match (after normalisation)
    case_insensitive: bool = True  # lower-case the canonical form
    ascii_only: bool = True  # reject non-ASCII and mixed-script look-alikes
    max_length: int = Field(default=64, ge=1, le=253)
    url_hosts: tuple[str, ...] = ()  # hosts whose profile URLs people paste, e.g. "instagram.com"
    url_path_pattern: str | None = None  # regex with a group ``handle`` applied to a pasted URL's path
    reserved: tuple[str, ...] = ()  # canonical handles that are site paths, not people
    profile_url: str | None = None  # https template with {handle}
    example: str = Field(min_length=1, max_length=80)


class PlatformOverride(BaseModel):
    """An admin's change to a built-in platform, or a new platform; every field optional."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=40)
    aliases: tuple[str, ...] | None = None
    kind: HandleKind | None = None
    pattern: str | None = None
    case_insensitive: bool | None = None
    ascii_only: bool | None = None
    max_length: int | None = Field(default=None, ge=1, le=253)
    url_hosts: tuple[str, ...] | None = None
    url_path_pattern: str | None = None
    reserved: tuple[str, ...] | None = None
    profile_url: str | None = None
    example: str | None = Field(default=None, min_length=1, max_length=80)

"""Checks that need every file at once: duplicates across files and names the catalogue must know.

They read the raw TOML documents rather than the validated models, so a community with one bad
value is still checked for its other mistakes, and everything is reported in a single run.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config.fields import PLATFORM_KEY_RE, SLUG_RE
from bot.config.models import ConfigFile, PlatformSection
from bot.config.problems import ConfigProblem, did_you_mean, key_path
from bot.config.runtime import guild_of_slug
from bot.platforms.catalogue import Catalogue, PlatformConfigError
from bot.platforms.spec import PlatformOverride

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed file: its raw TOML, and its model when the file alone is valid."""

    file: Path
    data: dict[str, Any]
    model: ConfigFile | None


@dataclass(slots=True)
class Places:
    """Where each name was first defined, so a second definition can name both places."""

    seen: dict[Any, str] = field(default_factory=dict)

    def claim(self, name: Any, place: str) -> str | None:
        """Record ``place`` for ``name``; return the earlier place when there is one."""
        if name in self.seen:
            return self.seen[name]
        self.seen[name] = place
        return None


def build_catalogue(documents: list[Document], problems: list[ConfigProblem]) -> tuple[Catalogue, set[str]]:
    """The built-in catalogue with every file's ``[platforms]`` applied, and every platform key known.

    Keys whose definition failed still count as known, so a link to a platform with a typo in its
    definition is not reported a second time as an unknown platform.
    """
    builtin = Catalogue.builtin()
    overrides: dict[str, PlatformOverride] = {}
    owners: dict[str, Path] = {}
    places = Places()
    for doc in documents:
        table = doc.data.get("platforms")
        for key, raw in table.items() if isinstance(table, dict) else ():
            path = key_path(("platforms", key))
            earlier = places.claim(key, f"{doc.file}:{path}")
            if earlier is not None:
                message = f"platform {key!r} is defined twice; first at {earlier}"
                problems.append(ConfigProblem(doc.file, path, message, "merge the two tables into one"))
            elif PLATFORM_KEY_RE.fullmatch(key):  # a bad key was reported with its file
                owners[key] = doc.file
                with contextlib.suppress(ValidationError):  # likewise
                    overrides[key] = PlatformSection.model_validate(raw).as_override()
    known = {spec.key for spec in builtin.specs} | set(owners)
    try:
        return builtin.with_overrides(overrides), known
    except PlatformConfigError as exc:
        builtin_keys = [spec.key for spec in builtin.specs]
        for problem in exc.problems:
            path = key_path(("platforms", problem.key, *([problem.field] if problem.field else [])))
            file = owners.get(problem.key, documents[0].file if documents else Path())
            hint = "" if problem.key in builtin_keys else did_you_mean(problem.key, builtin_keys)
            problems.append(
                ConfigProblem(file, path, problem.message, hint + "see config/ferry.example.toml")
            )
        return builtin, known


class CommunityChecks:
    """Checks of every ``[[communities]]`` entry against the others and against the catalogue."""

    def __init__(self, catalogue: Catalogue, known: set[str], problems: list[ConfigProblem]) -> None:
        self._known = known
        self._aliases = {alias.casefold(): spec.key for spec in catalogue.specs for alias in spec.aliases}
        self._problems = problems
        self.slugs = Places()  # configured slugs, once all documents are checked
        self._guilds = Places()

    def check(self, documents: list[Document]) -> None:
        """Check every community of every document, in order."""
        for doc in documents:
            communities = doc.data.get("communities")
            for index, raw in enumerate(communities if isinstance(communities, list) else []):
                if isinstance(raw, dict):
                    self._community(doc, index, raw)

    def _add(self, doc: Document, loc: Loc | str, message: str, hint: str) -> None:
        path = loc if isinstance(loc, str) else key_path(loc, doc.data)
        self._problems.append(ConfigProblem(doc.file, path, message, hint))

    def _community(self, doc: Document, index: int, raw: dict[str, Any]) -> None:
        base: Loc = ("communities", index)
        guild_ids = raw.get("discord_guild_ids")
        guilds = [g for g in guild_ids if type(g) is int] if isinstance(guild_ids, list) else []
        slug = raw.get("slug")
        if isinstance(slug, str) and SLUG_RE.fullmatch(slug):
            # By index, not slug: when a slug is repeated, "communities[demo]" would name both.
            earlier = self.slugs.claim(slug, f"{doc.file}:communities[{index}]")
            if earlier is not None:
                message = f"community {slug!r} is defined twice; first at {earlier}"
                self._add(doc, f"communities[{index}].slug", message, "give each community its own slug")
            reserved = guild_of_slug(slug)
            if reserved is not None and reserved not in guilds:
                message = f"slug {slug!r} is reserved for the unconfigured Discord server {reserved}"
                self._add(
                    doc, (*base, "slug"), message, f"choose another, or add {reserved} to discord_guild_ids"
                )
        for position, guild in enumerate(guilds):
            path = key_path((*base, "discord_guild_ids", position), doc.data)
            earlier = self._guilds.claim(guild, f"{doc.file}:{path}")
            if earlier is not None:
                message = f"Discord server {guild} is given twice; first at {earlier}"
                self._add(doc, path, message, "a Discord server belongs to exactly one community")
        self._enabled(doc, (*base, "platforms"), raw.get("platforms"))
        links = raw.get("links")
        for position, link in enumerate(links if isinstance(links, list) else []):
            if isinstance(link, dict):
                self._platform(doc, (*base, "links", position, "platform"), link.get("platform"))

    def _enabled(self, doc: Document, loc: Loc, enabled: Any) -> None:
        if not isinstance(enabled, list):
            return  # left out (every platform), or not a list: reported with the file
        if not enabled:
            hint = "list at least one platform key, or leave platforms out to enable them all"
            self._add(doc, loc, "enables no platform, so nobody could register", hint)
        seen = set()
        for position, name in enumerate(enabled):
            self._platform(doc, (*loc, position), name)
            if isinstance(name, str) and name in seen:
                self._add(doc, (*loc, position), f"{name!r} is listed twice", "remove one")
            seen.add(name)

    def _platform(self, doc: Document, loc: Loc, name: Any) -> None:
        if not isinstance(name, str) or not PLATFORM_KEY_RE.fullmatch(name) or name in self._known:
            return  # known, or not a key at all (the file's validation said so)
        alias_of = self._aliases.get(name.casefold())
        if alias_of is not None:
            hint = f"{name!r} is an alias; write the platform's key {alias_of!r}"
        else:
            known = sorted(self._known)
            hint = did_you_mean(name, known) + "known platforms: " + ", ".join(known)
        self._add(doc, loc, f"unknown platform {name!r}", hint)


# Keys that name communities by slug. A slug nobody configured does not fail at run time: it gets
# a default community of its own, so answers would come from a community no file describes (every
# platform, community visibility) and a page would publish nothing.
NAMED_COMMUNITIES: tuple[tuple[str, str], ...] = (
    ("defaults", "community"),
    ("bluesky", "community"),
    ("web", "communities"),
)


def check_named_communities(
    documents: list[Document], slugs: list[str], problems: list[ConfigProblem]
) -> None:
    """Every slug in ``[defaults] community``, ``[bluesky] community`` and ``[web] communities``
    must be one a ``[[communities]]`` entry defines (malformed slugs are the file's own problems)."""
    for doc in documents:
        for section, key in NAMED_COMMUNITIES:
            table = doc.data.get(section)
            value = table.get(key) if isinstance(table, dict) else None
            named: list[tuple[tuple[str | int, ...], Any]] = (
                [((section, key), value)]
                if isinstance(value, str)
                else [((section, key, i), v) for i, v in enumerate(value)]
                if isinstance(value, list)
                else []
            )
            for loc, slug in named:
                if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug) or slug in slugs:
                    continue
                if slugs:
                    hint = did_you_mean(slug, slugs) + "configured: " + ", ".join(slugs)
                else:
                    hint = f'add a [[communities]] entry with slug = "{slug}", or remove this key'
                message = f"no community has the slug {slug!r}"
                problems.append(ConfigProblem(doc.file, key_path(loc), message, hint))


def check_bluesky_registrations(
    documents: list[Document], slugs: list[str], problems: list[ConfigProblem]
) -> None:
    """``[bluesky] registration_communities`` may only name configured communities."""
    for doc in documents:
        bluesky = doc.data.get("bluesky")
        named = bluesky.get("registration_communities") if isinstance(bluesky, dict) else None
        for position, slug in enumerate(named if isinstance(named, list) else []):
            if isinstance(slug, str) and SLUG_RE.fullmatch(slug) and slug not in slugs:
                hint = did_you_mean(slug, slugs) + "configured: " + (", ".join(slugs) or "none")
                path = key_path(("bluesky", "registration_communities", position), doc.data)
                problems.append(ConfigProblem(doc.file, path, f"no community has the slug {slug!r}", hint))

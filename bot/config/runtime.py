"""The config in force: the platform catalogue, the communities, and defaults for everything else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from bot.config.fields import MAX_SNOWFLAKE, SLUG_RE
from bot.config.models import Bluesky, Community, Defaults, Limits
from bot.config.web import WebConfig
from bot.errors import UnknownCommunityError
from bot.platforms.catalogue import Catalogue
from bot.platforms.spec import PlatformSpec


def guild_of_slug(slug: str) -> int | None:
    """The Discord server id in a ``discord-<id>`` slug, the one an unconfigured server gets."""
    digits = slug.removeprefix("discord-")
    if digits == slug or not digits.isdecimal() or digits.startswith("0"):
        return None
    guild = int(digits)
    return guild if guild <= MAX_SNOWFLAKE else None


@dataclass(frozen=True, kw_only=True)
class FerryConfig:
    """Everything the config files say, validated; immutable, so a reload swaps the whole value.

    A slug or a Discord server that no file names still gets a working default community, so the
    bot is usable before anyone writes a config.
    """

    catalogue: Catalogue  # built-in platforms with the files' overrides and additions applied
    communities: Mapping[str, Community]  # configured ones, by slug, in file order
    defaults: Defaults = field(default_factory=Defaults)
    bluesky: Bluesky = field(default_factory=Bluesky)
    web: WebConfig = field(default_factory=WebConfig)
    limits: Limits = field(default_factory=Limits)
    source_files: tuple[Path, ...] = ()  # the files read, in the order they were merged
    _guilds: Mapping[int, str] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        *,
        catalogue: Catalogue,
        communities: Iterable[Community] = (),
        defaults: Defaults | None = None,
        bluesky: Bluesky | None = None,
        web: WebConfig | None = None,
        limits: Limits | None = None,
        source_files: Iterable[Path] = (),
    ) -> FerryConfig:
        """Index validated parts; the loader has already rejected duplicate slugs and guild ids."""
        by_slug = {community.slug: community for community in communities}
        guilds = {guild: c.slug for c in by_slug.values() for guild in c.discord_guild_ids}
        return cls(
            catalogue=catalogue,
            communities=MappingProxyType(by_slug),
            defaults=defaults or Defaults(),
            bluesky=bluesky or Bluesky(),
            web=web or WebConfig(),
            limits=limits or Limits(),
            source_files=tuple(source_files),
            _guilds=MappingProxyType(guilds),
        )

    @classmethod
    def empty(cls) -> FerryConfig:
        """The config without any file: built-in platforms, no communities."""
        return cls.build(catalogue=Catalogue.builtin())

    @property
    def default_community_slug(self) -> str:
        """The community answering where none is named (the console, Bluesky).

        ``[defaults] community`` when set (check-config refuses one that names nothing); otherwise
        "demo" when it is configured or nothing is, else the first configured community, so that a
        config with communities of its own never answers from an unconfigured one.
        """
        fallback = self.defaults.community
        if "community" in self.defaults.model_fields_set or not self.communities:
            return fallback
        return fallback if fallback in self.communities else next(iter(self.communities))

    def is_configured(self, slug: str) -> bool:
        """Whether a config file defines this community (rather than it running on defaults)."""
        return slug in self.communities

    def community(self, slug: str) -> Community:
        """The configured community, else a default one with every platform and community visibility.

        Raises UnknownCommunityError for text that cannot be a slug, so a typo never creates data
        under a name no config could later claim.
        """
        configured = self.communities.get(slug)
        if configured is not None:
            return configured
        if not SLUG_RE.fullmatch(slug):
            raise UnknownCommunityError(slug)
        guild = guild_of_slug(slug)
        if guild is not None:  # the same community a front reaches through community_for_guild
            return self.community_for_guild(guild)
        return Community(slug=slug, name=slug)

    def community_for_guild(self, guild_id: int) -> Community:
        """The community a Discord server belongs to; an unnamed server gets ``discord-<id>``."""
        slug = self._guilds.get(guild_id)
        if slug is not None:
            return self.communities[slug]
        return Community(
            slug=f"discord-{guild_id}", name=f"Discord server {guild_id}", discord_guild_ids=(guild_id,)
        )

    def enabled_platforms(self, community: Community) -> tuple[PlatformSpec, ...]:
        """The community's platforms in catalogue order (all of them when it lists none)."""
        specs = tuple(self.catalogue.specs)
        if community.platforms is None:
            return specs
        enabled = set(community.platforms)
        return tuple(spec for spec in specs if spec.key in enabled)

"""The shape of one TOML config file, as pydantic models.

Every model forbids unknown keys (a typo must not be silently ignored) and is frozen (the config in
force is shared by every front). To add a section such as ``[bluesky]``: define a model here with
defaults for every field, add it as a field of :class:`ConfigFile`, and expose it on ``FerryConfig``;
the loader merges sections across files key by key without further changes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from bot.config.announce import AnnouncementConfig
from bot.config.fields import (
    CommunityName,
    HttpsUrl,
    Label,
    Note,
    PlatformKey,
    Slug,
    Snowflake,
    check_visible,
    invalid,
)
from bot.config.schedule import Schedules
from bot.config.web import WebConfig
from bot.models import Visibility
from bot.platforms.spec import PlatformOverride

DEFAULT_COMMUNITY_SLUG = "demo"
MAX_LINKS = 25  # a Discord embed holds at most 25 fields, and a longer list helps nobody move


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(_Section):
    """``[defaults]``: what applies when a front does not say."""

    community: Slug = DEFAULT_COMMUNITY_SLUG  # answers the console and Bluesky when no slug is named


class Bluesky(_Section):
    """``[bluesky]``: how the Bluesky front behaves. Credentials stay in the environment."""

    community: Slug | None = None  # answers mentions that name no community; None: [defaults].community
    # Communities a Bluesky account may register into (add, join). None: only the community above,
    # so naming another community after the mention never adds anyone to a Discord-only directory.
    registration_communities: tuple[Slug, ...] | None = None
    # 5 s: a first-time user gets an answer within seconds, at ~1,440 read requests an hour, under 5 %
    # of Bluesky's 3,000 requests per 5 minutes (README, "Bluesky", for the arithmetic).
    poll_interval_seconds: Annotated[float, Field(ge=2, le=3600)] = 5.0
    max_thread_posts: Annotated[int, Field(ge=1, le=10)] = 4
    profile_description: Annotated[str, StringConstraints(max_length=256)] | None = None
    list_name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "{community} on Bluesky"
    list_description: Annotated[str, StringConstraints(max_length=300)] = (
        "Members of {community} who joined Ferry's opt-in directory publicly."
    )
    starter_pack: bool = False
    web_url: HttpsUrl | None = None  # the full directory on the web; "{community}" becomes the slug
    # Half of Bluesky's per-account write limits (5,000 points/hour, 35,000/day): the rest stays free
    # for a person using the same account, and for retries.
    write_points_per_hour: Annotated[int, Field(ge=3, le=5000)] = 2500
    write_points_per_day: Annotated[int, Field(ge=3, le=35000)] = 17500
    replies_per_author_per_hour: Annotated[int, Field(ge=1, le=100)] = 20
    max_concurrency: Annotated[int, Field(ge=1, le=16)] = 4

    def registers(self, default_community: str) -> frozenset[str]:
        """The communities that accept registrations from Bluesky, given ``[defaults] community``."""
        if self.registration_communities is not None:
            return frozenset(self.registration_communities)
        return frozenset({self.community or default_community})


class Limits(_Section):
    """``[limits]``: how many registration commands (add, replace, remove, join) one member may send.

    Admins, imports and the operator are never limited. 0 turns a window off.
    """

    registrations_per_minute: Annotated[int, Field(ge=0, le=1000)] = 5
    registrations_per_hour: Annotated[int, Field(ge=0, le=10000)] = 30
    # Public statistics show a count below this as "fewer than N", so nobody on a small platform is
    # singled out (bot/services/insights.py); admins see exact counts in private answers.
    public_count_minimum: Annotated[int, Field(ge=1, le=1000)] = 5


class Channels(_Section):
    """``[communities.channels]``: Discord channels the bot posts in; unset means it does not post."""

    announcements: Snowflake | None = None
    new_arrivals: Snowflake | None = None


class Link(_Section):
    """``[[communities.links]]``: one official relocation link of a community."""

    label: Label
    platform: PlatformKey  # checked against the catalogue by the loader, once all files are read
    url: HttpsUrl
    note: Note | None = None


class Community(_Section):
    """``[[communities]]``: one community Ferry serves, and the runtime value fronts read.

    ``platforms`` is None when every platform in the catalogue is enabled.
    """

    slug: Slug
    name: CommunityName
    discord_guild_ids: tuple[Snowflake, ...] = ()
    admin_role_ids: tuple[Snowflake, ...] = ()
    default_visibility: Visibility = Visibility.COMMUNITY
    platforms: tuple[PlatformKey, ...] | None = None
    deadline: AwareDatetime | None = None  # keeps the offset typed, so it is shown as the admin meant
    channels: Channels = Channels()
    links: Annotated[tuple[Link, ...], Field(max_length=MAX_LINKS)] = ()
    announcement: AnnouncementConfig = AnnouncementConfig()
    schedules: Schedules = ()  # announcements posted on their own (bot.config.schedule)


class PlatformSection(PlatformOverride):
    """``[platforms.<key>]``: a change to a built-in platform, or a new platform.

    Adds to :class:`PlatformOverride` only the checks on text an administrator types; whether a new
    platform has every field it needs is the catalogue's call.
    """

    @field_validator("display_name", "example")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        return check_visible(value) if value is not None else None

    @field_validator("aliases")
    @classmethod
    def _visible_aliases(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        for alias in value:
            check_visible(alias)
            if not alias.strip():
                raise invalid("an alias is empty", "remove the empty string from the list")
        return value

    def as_override(self) -> PlatformOverride:
        """The plain override the catalogue expects, keeping which fields were actually set."""
        return PlatformOverride.model_validate(self.model_dump(exclude_unset=True))


class ConfigFile(_Section):
    """One whole TOML file. Every part is optional, so a file may hold only some communities."""

    defaults: Defaults = Defaults()
    bluesky: Bluesky = Bluesky()
    web: WebConfig = WebConfig()
    limits: Limits = Limits()
    platforms: dict[PlatformKey, PlatformSection] = Field(default_factory=dict)
    communities: tuple[Community, ...] = ()


__all__ = [
    "DEFAULT_COMMUNITY_SLUG",
    "Bluesky",
    "Channels",
    "Community",
    "ConfigFile",
    "Defaults",
    "Limits",
    "Link",
    "PlatformSection",
]

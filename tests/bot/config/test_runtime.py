"""The config in force: default communities for slugs and Discord servers no file names."""

from __future__ import annotations

import pytest

from bot.config import FerryConfig, load_config
from bot.errors import UnknownCommunityError
from bot.models import Visibility

CONFIG = """
[defaults]
community = "movers"

[[communities]]
slug = "movers"
name = "The Movers"
discord_guild_ids = [111, 222]
default_visibility = "public"
platforms = ["bluesky", "rednote"]
"""


@pytest.fixture
def config(write) -> FerryConfig:
    return load_config(write(CONFIG))


def test_configured_community_by_slug_and_guild(config: FerryConfig) -> None:
    movers = config.community("movers")
    assert movers.name == "The Movers"
    assert movers.default_visibility is Visibility.PUBLIC
    assert config.community_for_guild(111) is movers
    assert config.community_for_guild(222) is movers
    assert config.is_configured("movers")
    assert config.default_community_slug == "movers"


def test_unknown_slug_gets_a_default_community(config: FerryConfig) -> None:
    other = config.community("elsewhere")
    assert other.slug == "elsewhere"
    assert other.default_visibility is Visibility.COMMUNITY
    assert other.platforms is None
    assert other.links == ()
    assert config.enabled_platforms(other) == tuple(config.catalogue.specs)
    assert not config.is_configured("elsewhere")


def test_text_that_cannot_be_a_slug_is_an_unknown_community(config: FerryConfig) -> None:
    with pytest.raises(UnknownCommunityError):
        config.community("Not A Slug")


def test_unknown_guild_gets_its_own_default_community(config: FerryConfig) -> None:
    guild = 987654321098765432
    community = config.community_for_guild(guild)
    assert community.slug == f"discord-{guild}"
    assert community.name == f"Discord server {guild}"
    assert community.discord_guild_ids == (guild,)
    assert community.default_visibility is Visibility.COMMUNITY
    assert config.enabled_platforms(community) == tuple(config.catalogue.specs)
    assert not config.is_configured(community.slug)
    # The console and Bluesky reach the same community through its slug.
    assert config.community(community.slug) == community


def test_enabled_platforms_follow_catalogue_order(config: FerryConfig) -> None:
    keys = [spec.key for spec in config.enabled_platforms(config.community("movers"))]
    assert sorted(keys) == ["bluesky", "rednote"]
    assert keys == [spec.key for spec in config.catalogue.specs if spec.key in keys]


def test_empty_config() -> None:
    config = FerryConfig.empty()
    assert config.default_community_slug == "demo"
    assert config.community("demo").name == "demo"
    assert config.community_for_guild(5).slug == "discord-5"
    assert config.source_files == ()

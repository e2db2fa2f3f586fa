"""Only links Ferry builds may be links in its Bluesky answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bluesky.own_links import is_own_link
from bot.bluesky.posts import facets
from bot.config import FerryConfig, load_config
from bot.config.web import WebConfig, WebServing

CONFIG = """
[[communities]]
slug = "movers"
name = "Movers"
platforms = ["bluesky", "instagram", "mastodon", "youtube"]

[[communities.links]]
label = "Starter pack"
platform = "bluesky"
url = "https://bsky.app/starter-pack/movers.bsky.social/3abc"
"""


@pytest.fixture
def config(tmp_path: Path) -> FerryConfig:
    path = tmp_path / "ferry.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def web() -> WebServing:
    serving = WebServing()
    serving.current = WebConfig(enabled=True, base_url="https://dir.example.org")
    return serving


@pytest.mark.parametrize(
    "url",
    [
        "https://bsky.app/profile/alice.bsky.social",
        "https://www.instagram.com/sunny.days_/",
        "https://mastodon.social/@alice",
        "https://www.youtube.com/@sunnybakes",
        "https://bsky.app/starter-pack/movers.bsky.social/3abc",  # the community's configured link
        "https://dir.example.org/movers/",  # the page this process serves
        "https://bsky.app/profile/did:plc:abcdefghijklmnopqrstuvwx/lists/3kabc",
    ],
)
def test_ferrys_own_links(config: FerryConfig, web: WebServing, url: str) -> None:
    assert is_own_link(url, config=config, web=web)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/login",
        "https://bsky.app/profile/alice.bsky.social/post/3k2yihcrp6f2c",  # a post, no template of ours
        "https://www.instagram.com/sunny.days_/?next=https://evil.example",
        "https://dir.example.org/movers/../../evil",
        "https://dir.example.org.evil.example/movers/",
        "https://bsky.app/starter-pack/evil.bsky.social/3abc",
    ],
)
def test_links_ferry_never_builds(config: FerryConfig, web: WebServing, url: str) -> None:
    assert not is_own_link(url, config=config, web=web)


def test_facets_link_only_what_the_caller_accepts() -> None:
    text = "Alice — Claim prize https://evil.example/login · https://bsky.app/profile/alice.bsky.social"
    everything = [f["features"][0]["uri"] for f in facets(text)]
    assert everything == ["https://evil.example/login", "https://bsky.app/profile/alice.bsky.social"]
    own = [f["features"][0]["uri"] for f in facets(text, links=lambda url: "evil" not in url)]
    assert own == ["https://bsky.app/profile/alice.bsky.social"]

"""Profile links: only from templates, always https, with the handle quoted into the path."""

from __future__ import annotations

import pytest

from bot.platforms import HandleKind, PlatformSpec, profile_url
from tests.bot.platforms.helpers import spec

EXAMPLE_LINKS = {
    "rednote": None,  # the example is a RED ID, which has no link
    "lemon8": "https://www.lemon8-app.com/@sunny.bakes",
    "bluesky": "https://bsky.app/profile/alice.bsky.social",
    "instagram": "https://www.instagram.com/sunny.days_/",
    "youtube": "https://www.youtube.com/@sunnybakes",
    "tiktok": "https://www.tiktok.com/@dance.with.mei",
    "threads": "https://www.threads.com/@sunny.days_",
    "x": "https://x.com/night_owl42",
    "mastodon": "https://mastodon.social/@alice",
    "facebook": "https://www.facebook.com/sunny.bakes.nyc",
    "twitch": "https://www.twitch.tv/cozy_streams",
}


@pytest.mark.parametrize(("key", "url"), EXAMPLE_LINKS.items())
def test_builtin_examples_link_to_their_profiles(key: str, url: str | None) -> None:
    assert profile_url(spec(key), spec(key).example) == url


@pytest.mark.parametrize(
    ("key", "stored"),
    [
        ("x", "home"),  # a reserved path stored before the rule existed
        ("x", "not a handle"),
        ("x", "javascript:alert(1)"),
        ("instagram", "a" * 31),
        ("rednote", "95123456"),
        ("bluesky", "laptop.local"),
        ("mastodon", "alice@10.0.0.1"),
        ("youtube", "@ab"),
    ],
)
def test_handles_without_a_valid_link_give_none(key: str, stored: str) -> None:
    assert profile_url(spec(key), stored) is None


def test_a_stored_non_canonical_handle_links_to_its_canonical_form() -> None:
    assert profile_url(spec("x"), "@Jack") == "https://x.com/jack"


def test_no_template_means_no_link() -> None:
    plain = spec("x").model_copy(update={"profile_url": None})
    assert profile_url(plain, "jack") is None


def test_user_text_is_quoted_so_it_cannot_leave_the_path() -> None:
    loose = PlatformSpec(
        key="loose",
        display_name="Loose",
        pattern=r"^\S{1,64}$",
        case_insensitive=False,
        profile_url="https://example.com/u/{handle}",
        example="a/b?c#d",
    )
    assert profile_url(loose, "a/b?c#d@e%") == "https://example.com/u/a%2Fb%3Fc%23d@e%25"
    assert profile_url(loose, "..") == "https://example.com/u/.."  # stays under the fixed host


def test_mastodon_links_go_to_the_accounts_own_server() -> None:
    assert profile_url(spec("mastodon"), "bob@fosstodon.org") == "https://fosstodon.org/@bob"


def test_an_admin_mastodon_template_may_use_handle_on_a_fixed_host() -> None:
    custom = spec("mastodon").model_copy(update={"profile_url": "https://mastodon.social/@{handle}"})
    assert custom.kind is HandleKind.MASTODON
    assert profile_url(custom, "bob@fosstodon.org") == "https://mastodon.social/@bob@fosstodon.org"


@pytest.mark.parametrize(
    "template",
    [
        "http://example.com/{handle}",
        "https://{handle}/",
        "https://example.com/{nope}",
        "https://example.com{handle}",
    ],
)
def test_a_spec_with_an_unchecked_bad_template_gets_no_link(template: str) -> None:
    unchecked = spec("x").model_copy(update={"profile_url": template})
    assert profile_url(unchecked, "jack") is None

"""Bad input through the Bluesky front (security.md §8.1): refused as on Discord, and never a link.

Bluesky shows a link only where a post carries a link facet, and Ferry computes its facets itself:
only the links Ferry builds (profile links from the catalogue's templates, the directory page, the
community's configured links, its list) may get one, never a URL inside a name or an echoed word.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import App
from bot.bluesky.front import BlueskyFront
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Verification
from bot.services.names import NEUTRAL_NAME
from tests.bot.bluesky.fakes import FakeGateway

EVIL = "https://evil.example/login"


def link_facets(post: Any) -> list[str]:
    return [
        feature["uri"]
        for facet in post.value.get("facets", [])
        for feature in facet["features"]
        if feature["$type"].endswith("#link")
    ]


async def test_a_url_in_a_name_never_becomes_a_link_facet(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    for n, name in enumerate([f"Claim prize {EVIL}", "Plain Name"]):
        await app.directory.register(
            community="movers",
            identity=Identity(IdentityKind.BLUESKY, f"did:plc:member{n:03d}"),
            display_name=name,
            platform="bluesky",
            handle=f"member{n:03d}.bsky.social",
            source=Source.BLUESKY,
            verification=Verification.BLUESKY_PROVEN,
        )
    gateway.mention(1, "directory")
    await front.poller.poll_once()
    posts = gateway.posts()
    assert any(EVIL in post.value["text"] for post in posts)  # still shown, as text
    links = [uri for post in posts for uri in link_facets(post)]
    assert "https://bsky.app/profile/member000.bsky.social" in links  # Ferry's own links still are
    assert "https://bsky.app/profile/member001.bsky.social" in links
    assert not [uri for uri in links if "evil" in uri]


async def test_an_echoed_word_with_a_url_is_no_link(front: BlueskyFront, gateway: FakeGateway) -> None:
    gateway.mention(1, f"add {EVIL} alice")  # "I don't know the platform https://evil.example/login"
    await front.poller.poll_once()
    [post] = gateway.posts()
    assert EVIL in post.value["text"]
    assert not [uri for uri in link_facets(post) if "evil" in uri]


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("add lemon8 ⓐⓛⓘⓒⓔ", "lemon8"),  # the text front no longer folds it into "alice"
        ("add lemon8 𝐚𝐥𝐢𝐜𝐞", "lemon8"),
        ("add bluesky xn--80ak6aa92e.com", "bluesky"),  # punycode look-alike of apple.com
        ("add bluesky xn--pypal-4ve.com", "bluesky"),
        ("add lemon8 ali\u200bce", "lemon8"),
    ],
)
async def test_look_alikes_are_refused_as_on_discord(
    front: BlueskyFront, gateway: FakeGateway, app: App, text: str, platform: str
) -> None:
    gateway.mention(1, text, author="did:plc:asker", author_handle="asker.test")
    await front.poller.poll_once()
    [post] = gateway.posts()
    assert "valid" in post.value["text"]  # "That isn't a valid … handle: …"
    asker = Identity(IdentityKind.BLUESKY, "did:plc:asker")
    assert (
        await app.directory.handles(community="movers", identity=asker, visibilities=EVERY_VISIBILITY) == []
    )


@pytest.mark.parametrize(
    ("handle", "shown"),
    [("blank.test", "blank.test"), ("handle.invalid", NEUTRAL_NAME)],
)
async def test_a_profile_name_with_nothing_visible_is_never_replaced_by_the_did(
    front: BlueskyFront, gateway: FakeGateway, app: App, handle: str, shown: str
) -> None:
    did = "did:plc:blankblankblankblankblan"
    gateway.mention(1, "add lemon8 blanky", author=did, author_handle=handle, author_name="\u3164\u200b")
    await front.poller.poll_once()
    member = await app.directory.member(community="movers", identity=Identity(IdentityKind.BLUESKY, did))
    assert member is not None and member.display_name == shown


async def test_a_nul_in_a_profile_name_or_post_is_answered_not_a_crash(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    # PostgreSQL refuses a NUL in text and in JSON alike; the mention must still be recorded and answered.
    did = "did:plc:nulnulnulnulnulnulnulnuln"
    gateway.mention(1, "add lemon8 nully\x00", author=did, author_handle="nul.test", author_name="Nu\x00ll")
    await front.poller.poll_once()
    [post] = gateway.posts()
    assert "valid Lemon8 handle" in post.value["text"]

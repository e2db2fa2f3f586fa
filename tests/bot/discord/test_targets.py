"""What admins may type to name a member: mentions, user ids, DIDs and picked suggestions."""

from __future__ import annotations

import pytest

from bot.discord.targets import MemberTarget, parse_target
from bot.models import Identity, IdentityKind

USER_ID = "1575125174011822085"


@pytest.mark.parametrize("text", [f"<@{USER_ID}>", f"<@!{USER_ID}>", USER_ID, f"  {USER_ID} "])
def test_a_mention_or_user_id_names_a_discord_account(text: str) -> None:
    assert parse_target(text).identity == Identity(IdentityKind.DISCORD, USER_ID)


@pytest.mark.parametrize("did", ["did:plc:ewvi7nxzyoun6zhxrhs64oiz", "did:web:example.com"])
def test_a_did_names_a_bluesky_account(did: str) -> None:
    assert parse_target(did) == MemberTarget(did, identity=Identity(IdentityKind.BLUESKY, did))


def test_a_picked_suggestion_names_a_member_by_id() -> None:
    assert parse_target("member:42") == MemberTarget("member:42", member_id=42)


@pytest.mark.parametrize(
    "text",
    ["Alice", "@alice.bsky.social", "did:key:z6Mk", "member:", "member:x", "<@&123>", "1" * 21, ""],
)
def test_anything_else_names_nobody(text: str) -> None:
    target = parse_target(text)
    assert target.identity is None and target.member_id is None and target.text == text.strip()

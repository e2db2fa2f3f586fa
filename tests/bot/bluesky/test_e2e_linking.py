"""Linking end to end on the real local atproto network: a Discord member's code posted from Bluesky.

The Discord side is the service call /handle verify-bluesky makes (its Discord rendering is tested
on the stand-in, tests/cogs/test_handles_verify_bluesky.py); everything after that is the real
front answering real posts, read back through the AppView.
"""

from __future__ import annotations

import pytest

from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Verification
from tests.bot.bluesky.test_e2e import (
    FrontFactory,
    bot_account,
    bot_replies,
    front_app,
    list_members,
    login,
    mention,
    poll,
    start_front,
)
from tests.support.atproto import AtprotoAccount, AtprotoNetwork

__all__ = ["bot_account", "start_front"]  # fixtures shared with test_e2e

pytestmark = pytest.mark.atproto

DISCORD = Identity(IdentityKind.DISCORD, "345678901234567890")


async def test_a_code_posted_from_bluesky_links_and_cannot_be_reused(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("linker")
    thief = await atproto_network.create_account("thief")
    client = await login(atproto_network, user)
    thief_client = await login(atproto_network, thief)
    async with start_front() as front:
        app = front_app(front)
        for platform, handle in (("bluesky", "typo.bsky.social"), ("lemon8", "discord_cook")):
            await app.directory.register(
                community="movers",
                identity=DISCORD,
                display_name="Disco Name",
                platform=platform,
                handle=handle,
                source=Source.DISCORD,
            )
        # The Bluesky account is a member already (joined before linking): the two become one.
        joined = await mention(client, bot_account, "", " join")
        await poll(atproto_network, front)
        assert len(await bot_replies(client, joined.uri, bot_account.did)) == 1
        issued = await app.linking.issue_code(
            community="movers", identity=DISCORD, display_name="Disco Name", handle=user.handle
        )

        # The code is posted in public; someone copying it first is refused, and spends nothing.
        copied = await mention(thief_client, bot_account, "", f" verify {issued.code}")
        await poll(atproto_network, front)
        [refusal] = await bot_replies(thief_client, copied.uri, bot_account.did)
        assert refusal.post.record.text.startswith("That code belongs to another Bluesky account.")

        post = await mention(client, bot_account, "", f" verify {issued.code.lower()}")
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, post.uri, bot_account.did)
        text = reply.post.record.text
        assert text == (
            f"Linked! Your accounts in Movers 搬家 are now one, proven as @{user.handle} ✓ "
            "Older handles were replaced on: Bluesky."
        )
        for private in ("Disco", DISCORD.external_id, "discord_cook", "typo.bsky.social"):
            assert private not in text

        merged = await app.directory.member(community="movers", identity=DISCORD)
        assert merged is not None
        assert set(merged.identities) == {DISCORD, Identity(IdentityKind.BLUESKY, user.did)}
        handles = await app.directory.handles(
            visibilities=EVERY_VISIBILITY, community="movers", identity=DISCORD
        )
        assert [(e.platform, e.handle, e.verification) for e in handles] == [
            ("bluesky", user.handle, Verification.BLUESKY_PROVEN),
            ("lemon8", "discord_cook", Verification.SELF_REPORTED),
        ]

        stolen = await mention(thief_client, bot_account, "", f" verify {issued.code}")
        await poll(atproto_network, front)
        [refusal] = await bot_replies(thief_client, stolen.uri, bot_account.did)
        assert refusal.post.record.text.startswith("That code belongs to another Bluesky account.")
        audited = [
            r
            for r in await app.repository.audit_log(community="movers", limit=50)
            if r.action == "link.refused"
        ]
        assert [(r.actor, r.detail) for r in audited] == [
            (f"bluesky:{thief.did}", {"reason": "other_account"})
        ] * 2
        assert (
            await app.directory.member(community="movers", identity=Identity(IdentityKind.BLUESKY, thief.did))
            is None
        )

        # The list sync heard about the link: the proven account is on the community's list.
        await front.lists.sync_dirty()
        await atproto_network.process_all()
        list_uri = await app.repository.get_state("bluesky.list:movers")
        assert list_uri is not None
        assert await list_members(client, list_uri) == {user.did}


async def test_a_code_from_another_community_links_there(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("elsewhere")
    client = await login(atproto_network, user)
    async with start_front() as front:
        app = front_app(front)
        # A Discord server with no community of its own in the config: not the front's default.
        issued = await app.linking.issue_code(
            community="discord-42", identity=DISCORD, display_name="Disco Name", handle=user.handle
        )
        post = await mention(client, bot_account, "", f" verify {issued.code}")
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, post.uri, bot_account.did)
        assert reply.post.record.text.startswith("Linked!")
        bluesky = Identity(IdentityKind.BLUESKY, user.did)
        linked = await app.directory.member(community="discord-42", identity=bluesky)
        assert linked is not None and DISCORD in linked.identities
        assert await app.directory.member(community="movers", identity=bluesky) is None

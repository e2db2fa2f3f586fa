"""A banned member on the real local atproto network: refused replies, out of the list, back on unban."""

from __future__ import annotations

import pytest

from bot.models import Identity, IdentityKind
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

pytestmark = pytest.mark.atproto
__all__ = ["bot_account", "start_front"]  # fixtures, used by name

PAUSED = "An admin has paused your registrations in Movers 搬家"


async def test_a_banned_member_is_answered_kindly_and_leaves_the_list(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("banned")
    client = await login(atproto_network, user)
    me = Identity(IdentityKind.BLUESKY, user.did)

    async def ask(command: str) -> str:
        post = await mention(client, bot_account, "", f" {command}")
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, post.uri, bot_account.did)
        return str(reply.post.record.text)

    async def listed() -> set[str]:
        await front.lists.sync_dirty()
        await atproto_network.process_all()
        list_uri = await app.repository.get_state("bluesky.list:movers")
        assert list_uri is not None
        return await list_members(client, list_uri)

    async with start_front() as front:
        app = front_app(front)
        assert (await ask("join")).startswith("Welcome!")
        assert await listed() == {user.did}

        await app.moderation.ban(community="movers", identity=me, actor="admin:discord:1", reason="spam")
        assert await listed() == set()  # the ban event took them off the list
        assert (await ask("add lemon8 cook")).startswith(PAUSED)
        assert (await ask("join")).startswith(PAUSED)
        assert (await ask("list")).startswith("Your handles in Movers 搬家:")  # their data is kept

        await app.moderation.unban(community="movers", identity=me, actor="admin:discord:1")
        assert await listed() == {user.did}
        assert (await ask("add lemon8 cook")).startswith("Added Lemon8: cook")

        await app.moderation.ban(community="movers", identity=me, actor="admin:discord:1")
        assert (await ask("forget")).startswith("Done: Ferry erased everything about you")
        assert await listed() == set()

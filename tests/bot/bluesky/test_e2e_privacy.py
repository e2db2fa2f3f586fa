"""Privacy through Bluesky mentions on the real local atproto network: the list follows at once.

A member who joined from Bluesky is on the community's list; ``visibility bluesky community`` in a
mention takes them off its actual items (read back through the AppView's ``getList``), ``public``
puts them back, and ``forget`` takes them off for good. Only the change feed tells the list sync:
nothing here marks the community by hand.
"""

from __future__ import annotations

import pytest
from atproto import AsyncClient

from bot.bluesky.front import BlueskyFront
from tests.bot.bluesky.test_e2e import (
    FrontFactory,
    bot_account,
    bot_replies,
    list_members,
    login,
    mention,
    poll,
    start_front,
)
from tests.support.atproto import AtprotoAccount, AtprotoNetwork

pytestmark = pytest.mark.atproto

__all__ = ["bot_account", "start_front"]  # fixtures shared with the other end-to-end tests


async def ask(
    network: AtprotoNetwork, front: BlueskyFront, client: AsyncClient, bot: AtprotoAccount, command: str
) -> str:
    """Mention the bot, let it answer, and return its reply's text."""
    post = await mention(client, bot, "", f" {command}")
    await poll(network, front)
    [reply] = await bot_replies(client, post.uri, bot.did)
    return str(reply.post.record.text)


async def on_list(network: AtprotoNetwork, front: BlueskyFront, client: AsyncClient) -> set[str]:
    """The list's members as anyone sees them, after the sync has handled what the feed reported."""
    await front.lists.sync_dirty()
    await network.process_all()
    list_uri = await front._app.repository.get_state("bluesky.list:movers")
    assert list_uri is not None
    return await list_members(client, list_uri)


async def test_visibility_mentions_move_the_member_off_and_back_onto_the_list(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("private")
    client = await login(atproto_network, user)
    async with start_front() as front:
        await ask(atproto_network, front, client, bot_account, "join")
        assert await on_list(atproto_network, front, client) == {user.did}

        answer = await ask(atproto_network, front, client, bot_account, "visibility bluesky community")
        assert answer.startswith("Done, now community-only: Bluesky.")
        assert user.handle not in answer  # the reply is public: the handle just withdrawn is not repeated
        assert await on_list(atproto_network, front, client) == set()
        mine = await ask(atproto_network, front, client, bot_account, "my data")
        assert mine.splitlines()[:2] == [
            "Your public handles in Movers 搬家:",
            (
                "+ 1 handle shown only inside the community, not here. To show them here too: "
                "visibility all public"
            ),
        ]
        assert user.handle not in mine

        answer = await ask(atproto_network, front, client, bot_account, "vis all public")
        assert answer.startswith("Done, now public: Bluesky.")
        assert await on_list(atproto_network, front, client) == {user.did}


async def test_forget_by_mention_takes_the_member_off_the_list(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("leaver")
    other = await atproto_network.create_account("stayer")
    client, other_client = await login(atproto_network, user), await login(atproto_network, other)
    async with start_front() as front:
        await ask(atproto_network, front, client, bot_account, "join")
        await ask(atproto_network, front, other_client, bot_account, "join")
        assert await on_list(atproto_network, front, client) == {user.did, other.did}

        answer = await ask(atproto_network, front, client, bot_account, "forget")
        assert answer.startswith("Done: Ferry erased everything about you in Movers 搬家 (1 handle)")
        assert await on_list(atproto_network, front, client) == {other.did}
        again = await ask(atproto_network, front, client, bot_account, "mydata")
        assert again == "Ferry keeps nothing about you in Movers 搬家."

"""Directory paging through Bluesky mentions on the real local atproto network.

A reader pages through a 41-member directory (long and short names, CJK and emoji) by mentioning the
bot, reading each answer's self-reply thread through the AppView: every page's number and count agree
with the first, each thread ends with the command for the next page, and every member is reached once.
Also: a community that takes no registrations from Bluesky, and the count of community-only handles.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from atproto import AsyncClient

from bot.models import Identity, IdentityKind, Source
from tests.bot.bluesky.test_e2e import (
    FrontFactory,
    bot_account,
    bot_replies,
    front_app,
    login,
    mention,
    poll,
    start_front,
)
from tests.support.atproto import AtprotoAccount, AtprotoNetwork

pytestmark = pytest.mark.atproto

__all__ = ["bot_account", "start_front"]  # fixtures shared with the other end-to-end tests

HEADER = re.compile(r"page (\d+) of (\d+) \((\d+) handles\)")


async def thread_texts(client: AsyncClient, post_uri: str, bot_did: str) -> list[str]:
    """The bot's self-reply thread under a post, in order."""
    [node] = await bot_replies(client, post_uri, bot_did)
    texts = [str(node.post.record.text)]
    while True:
        thread: Any = (await client.get_post_thread(node.post.uri, depth=1)).thread
        mine = [r for r in thread.replies or [] if r.post.author.did == bot_did]
        if not mine:
            return texts
        [node] = mine
        texts.append(str(node.post.record.text))


async def test_every_member_is_reached_page_by_page(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    reader = await atproto_network.create_account("pager")
    client = await login(atproto_network, reader)
    handles = [f"{n:024x}" for n in range(41)]
    async with start_front() as front:
        app = front_app(front)
        for n, handle in enumerate(handles):
            name = f"红薯{n}号 搬家的老朋友 🧳" if n % 3 else ("Ann" if n % 2 else "A" * 60 + " Long-Name")
            await app.directory.register(
                community="movers",
                identity=Identity(IdentityKind.DISCORD, f"{10**17 + n}"),
                display_name=name,
                platform="rednote",
                handle=handle,
                source=Source.DISCORD,
            )
        seen: list[str] = []
        number, pages = 1, 1
        while number <= pages:
            post = await mention(client, bot_account, "", f" directory rednote {number}")
            await poll(atproto_network, front)
            texts = await thread_texts(client, post.uri, bot_account.did)
            assert 1 <= len(texts) <= 4  # max_thread_posts
            found = HEADER.search(texts[0])
            assert found is not None, texts[0]
            if number == 1:
                pages = int(found[2])
            assert (int(found[1]), int(found[2]), int(found[3])) == (number, pages, 41)
            assert (f"More: directory rednote {number + 1}" in texts[-1]) == (number < pages)
            seen += [h for h in handles if any(f": {h}" in text for text in texts)]
            number += 1
        assert seen == handles  # each member once, in the directory's order, none out of reach


async def test_registration_is_refused_where_bluesky_may_not_register(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("outsider")
    client = await login(atproto_network, user)
    async with start_front() as front:
        app = front_app(front)
        post = await mention(client, bot_account, "", " private-club add lemon8 spam")
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, post.uri, bot_account.did)
        assert "does not take registrations" in reply.post.record.text
        outsider = Identity(IdentityKind.BLUESKY, user.did)
        assert await app.directory.member(community="private-club", identity=outsider) is None


async def test_community_only_handles_are_counted_not_denied(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("shy")
    client = await login(atproto_network, user)
    async with start_front() as front:
        await mention(client, bot_account, "", " add lemon8 shycook")
        await poll(atproto_network, front)
        await mention(client, bot_account, "", " visibility lemon8 community")
        await poll(atproto_network, front)
        post = await mention(client, bot_account, "", " me 🙏")
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, post.uri, bot_account.did)
        text = reply.post.record.text
        assert "1 handle kept out of public answers" in text and "visibility all public" in text
        assert "shycook" not in text

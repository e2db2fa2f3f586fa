"""The Bluesky front end-to-end on a real local atproto network (PLC + PDS + AppView).

Each test makes fresh accounts, runs the front's parts directly (one poll at a time, after
``process_all``) so nothing depends on wall-clock sleeps, and reads the result the way people see it:
``getPostThread`` and ``getList`` through the AppView.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from atproto import AsyncClient, client_utils, models
from pydantic import SecretStr

from bot.app import App, open_app
from bot.bluesky.front import BlueskyFront
from bot.bluesky.poller import PollSettings
from bot.models import Identity, IdentityKind, Source, Verification, Visibility
from bot.settings import Settings
from tests.support.atproto import AtprotoAccount, AtprotoNetwork

pytestmark = pytest.mark.atproto

CONFIG = """
[defaults]
community = "movers"

[bluesky]
max_thread_posts = 4
profile_description = "Ferry test bot"

[[communities]]
slug = "movers"
name = "Movers 搬家"
default_visibility = "public"
platforms = ["bluesky", "rednote", "lemon8"]

[[communities.links]]
label = "RedNote group"
platform = "rednote"
url = "https://www.xiaohongshu.com/user/profile/5f1e2d3c4b5a697887766554"

[[communities]]
slug = "private-club"
name = "Private Club"
discord_guild_ids = [1012345678901234567]
"""

FrontFactory = Callable[[], AbstractAsyncContextManager[BlueskyFront]]


@pytest.fixture
async def bot_account(atproto_network: AtprotoNetwork) -> AtprotoAccount:
    return await atproto_network.create_account("ferrybot")


@pytest.fixture
def start_front(atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, tmp_path: Path) -> FrontFactory:
    """Opens the app and the front; each call is one "process" over the same database."""
    (tmp_path / "ferry.toml").write_text(CONFIG, encoding="utf-8")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}",
        config_path=tmp_path / "ferry.toml",
        bluesky_handle=bot_account.handle,
        bluesky_app_password=SecretStr(bot_account.app_password),
        bluesky_service_url=atproto_network.pds_url,
    )

    @asynccontextmanager
    async def started() -> AsyncIterator[BlueskyFront]:
        async with open_app(settings) as app:
            front = BlueskyFront(app, poll=PollSettings(interval=0.1), list_settle=0)
            await front.start()
            try:
                yield front
            finally:
                await front.stop()

    return started


async def login(network: AtprotoNetwork, account: AtprotoAccount) -> AsyncClient:
    client = AsyncClient(base_url=network.pds_url)
    await client.login(account.handle, account.password)
    return client


async def mention(
    client: AsyncClient,
    bot: AtprotoAccount,
    before: str,
    after: str,
    *,
    langs: list[str] | None = None,
    reply_to: Any = None,
) -> Any:
    text = client_utils.TextBuilder().text(before).mention(f"@{bot.handle}", bot.did).text(after)
    return await client.send_post(text, langs=langs, reply_to=reply_to)


async def poll(network: AtprotoNetwork, front: BlueskyFront) -> None:
    await network.process_all()
    await front.poller.poll_once()
    await network.process_all()


async def bot_replies(client: AsyncClient, post_uri: str, bot_did: str) -> list[Any]:
    """The bot's direct replies to a post, as the AppView shows the thread."""
    thread = (await client.get_post_thread(post_uri, depth=10)).thread
    assert isinstance(thread, models.AppBskyFeedDefs.ThreadViewPost)
    return [r for r in thread.replies or [] if r.post.author.did == bot_did]


def facet_texts(record: Any) -> list[tuple[str, str]]:
    raw = record.text.encode()
    found = []
    for facet in record.facets or []:
        feature = facet.features[0]
        target = getattr(feature, "did", None) or getattr(feature, "uri", "")
        found.append((raw[facet.index.byte_start : facet.index.byte_end].decode(), target))
    return found


async def test_join_then_list_in_thread_with_facets_and_refs(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("mover")
    client = await login(atproto_network, user)
    async with start_front() as front:
        assert front.gateway.did == bot_account.did
        first = await mention(client, bot_account, "", " join")
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, first.uri, bot_account.did)
        record = reply.post.record
        assert record.text == f"Welcome! You are in the Movers 搬家 directory as @{user.handle} ✓"
        assert facet_texts(record) == [(f"@{user.handle}", user.did)]
        assert record.reply.root.uri == record.reply.parent.uri == first.uri

        # A reply further down the thread that mentions the bot: root stays, parent is that reply.
        parent = models.create_strong_ref(reply.post)
        second = await mention(
            client,
            bot_account,
            "",
            " me",
            reply_to=models.AppBskyFeedPost.ReplyRef(root=models.create_strong_ref(first), parent=parent),
        )
        await poll(atproto_network, front)
        [answer] = await bot_replies(client, second.uri, bot_account.did)
        record = answer.post.record
        assert record.reply.root.uri == first.uri
        assert record.reply.parent.uri == second.uri
        profile = f"https://bsky.app/profile/{user.handle}"
        assert (profile, profile) in facet_texts(record)


async def test_every_command(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("cmds")
    client = await login(atproto_network, user)
    expected = [
        ("help", "Ferry keeps Movers 搬家's opt-in directory"),
        ("join", "Welcome! You are in the Movers 搬家 directory"),
        ("add lemon8 cook", "Added Lemon8: cook"),
        ("list", "Your handles in Movers 搬家:"),
        ("directory", "Movers 搬家 directory, page 1 of 1 (2 handles):"),
        ("links", "Where Movers 搬家 is going:"),
        ("remove lemon8", "Removed your Lemon8 handle cook."),
        ("forget", "Done: Ferry erased everything about you in Movers 搬家"),
        ("fly away", "I don't know that command. Commands: add <platform> <handle>"),
    ]
    async with start_front() as front:
        for command, _ in expected:
            post = await mention(client, bot_account, "", f" {command}")
            # One command per poll: the author's commands are answered in order either way, but a
            # separate poll keeps each reply next to its own mention.
            await poll(atproto_network, front)
            [reply] = await bot_replies(client, post.uri, bot_account.did)
            answer = reply.post.record.text
            assert answer.startswith(dict(expected)[command]), (command, answer)


async def test_unicode_heavy_mention_in_chinese(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("unicode")
    client = await login(atproto_network, user)
    before = "👨‍👩‍👧‍👦 你好 é\u0301\u0323 مرحبا بكم "
    async with start_front() as front:
        post = await mention(client, bot_account, before, "  ｌｉｎｋｓ。", langs=["zh-Hans"])
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, post.uri, bot_account.did)
        record = reply.post.record
        assert record.langs == ["zh-Hans"]
        assert record.text.startswith("Movers 搬家 的新家：")
        link = "https://www.xiaohongshu.com/user/profile/5f1e2d3c4b5a697887766554"
        assert (link, link) in facet_texts(record)


async def test_directory_is_a_self_reply_thread(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("reader")
    client = await login(atproto_network, user)
    async with start_front() as front:
        app = front_app(front)
        for n in range(45):
            await app.directory.register(
                community="movers",
                identity=Identity(IdentityKind.BLUESKY, f"did:plc:seed{n:03d}"),
                display_name=f"Mover {n} 🧳",
                platform="bluesky",
                handle=f"mover{n:03d}.bsky.social",
                source=Source.BLUESKY,
                verification=Verification.BLUESKY_PROVEN,  # as joining writes it: listable
            )
        await front.lists.sync_dirty()  # the list exists: the thread's last post links to it
        post = await mention(client, bot_account, "", " directory")
        await poll(atproto_network, front)
        thread = (await client.get_post_thread(post.uri, depth=10)).thread
        chain = []
        node = thread
        while node.replies:
            [node] = [r for r in node.replies if r.post.author.did == bot_account.did]
            chain.append(node.post)
        assert 1 < len(chain) <= 4  # one page: what the thread carries, never more posts than allowed
        for k, part in enumerate(chain, start=1):
            assert part.record.text.startswith(f"{k}/{len(chain)} ")
            assert part.record.reply.root.uri == post.uri
        # The list is where to see everyone, linked with a facet.
        rest = f"https://bsky.app/profile/{bot_account.did}/lists/"
        lines = chain[-1].record.text.splitlines()
        assert any(line.startswith(f"More: directory 2 · Everyone: {rest}") for line in lines[-2:])
        assert any(uri.startswith(rest) for _, uri in facet_texts(chain[-1].record))


def front_app(front: BlueskyFront) -> App:
    return front._app


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing on the way catches it."""


async def test_restart_between_posting_and_bookkeeping_posts_no_duplicate(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("crash")
    client = await login(atproto_network, user)
    async with start_front() as front:
        post = await mention(client, bot_account, "", " help")
        repo = front_app(front).repository

        async def die(*args: object, **kwargs: object) -> None:
            raise Crash

        repo.part_posted = die  # type: ignore[method-assign]
        await atproto_network.process_all()
        with pytest.raises(BaseException) as raised:
            await front.poller.poll_once()
        assert (
            raised.group_contains(Crash)
            if isinstance(raised.value, BaseExceptionGroup)
            else raised.type is Crash
        )
    async with start_front() as front:
        await poll(atproto_network, front)
        await poll(atproto_network, front)
        assert len(await bot_replies(client, post.uri, bot_account.did)) == 1
        item = await front_app(front).repository.inbox_item(post.uri)
        assert item is not None and item.state == "done"


async def test_a_mention_during_a_restart_is_answered_once(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("restart")
    client = await login(atproto_network, user)
    async with start_front() as front:
        before = await mention(client, bot_account, "", " help")
        await poll(atproto_network, front)
    during = await mention(client, bot_account, "", " links")  # the bot is down
    async with start_front() as front:
        assert front.gateway._keeper.logins == 0  # type: ignore[attr-defined]  # the stored session
        await poll(atproto_network, front)
        await poll(atproto_network, front)
    for uri in (before.uri, during.uri):
        assert len(await bot_replies(client, uri, bot_account.did)) == 1


async def list_members(client: AsyncClient, list_uri: str) -> set[str]:
    page = await client.app.bsky.graph.get_list(params={"list": list_uri, "limit": 100})
    return {item.subject.did for item in page.items}


async def test_list_sync_visible_through_get_list(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("lister")
    client = await login(atproto_network, user)
    me = Identity(IdentityKind.BLUESKY, user.did)

    async def synced() -> set[str]:
        await front.lists.sync_dirty()
        await atproto_network.process_all()
        list_uri = await app.repository.get_state("bluesky.list:movers")
        assert list_uri is not None
        return await list_members(client, list_uri)

    async with start_front() as front:
        app = front_app(front)
        await mention(client, bot_account, "", " join")
        await poll(atproto_network, front)
        assert await synced() == {user.did}
        await app.directory.remove(community="movers", identity=me, platform="bluesky")
        assert await synced() == set()
        await app.directory.register(
            community="movers",
            identity=me,
            display_name="L",
            platform="bluesky",
            handle=user.handle,
            source=Source.BLUESKY,
            verification=Verification.BLUESKY_PROVEN,  # as joining writes it: listable
        )
        assert await synced() == {user.did}
        await app.moderation.set_hidden(community="movers", identity=me, hidden=True, actor="admin:t")
        assert await synced() == set()
        await app.moderation.set_hidden(community="movers", identity=me, hidden=False, actor="admin:t")
        assert await synced() == {user.did}
        await app.moderation.set_visibility(
            community="movers",
            identity=me,
            platform="bluesky",
            visibility=Visibility.COMMUNITY,
            actor="admin:t",
        )
        assert await synced() == set()
        await app.moderation.set_visibility(
            community="movers", identity=me, platform="bluesky", visibility=Visibility.PUBLIC, actor="admin:t"
        )
        assert await synced() == {user.did}
        await app.directory.forget(community="movers", identity=me)
        assert await synced() == set()
        # After a restart the list is reconciled against its actual items: nothing to do.
    async with start_front() as front:
        assert await front.lists.reconcile("movers") == (0, 0)

"""The local atproto network works for a mention bot: mention in, notification, reply with a chosen rkey.

These tests prove the harness (tests/atproto_net, tests/support/atproto.py), not Ferry's code.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from atproto import AsyncClient, AtUri, client_utils, models
from atproto.exceptions import AtProtocolError, BadRequestError

from tests.support.atproto import AtprotoAccount, AtprotoNetwork

pytestmark = pytest.mark.atproto

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def make_tid() -> str:
    """A record key in the TID format: 53 bits of microseconds and a 10-bit clock id, 13 characters."""
    value = ((time.time_ns() // 1000) << 10) | secrets.randbelow(1024)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


async def login(
    network: AtprotoNetwork, account: AtprotoAccount, *, app_password: bool = False
) -> AsyncClient:
    client = AsyncClient(base_url=network.pds_url)
    await client.login(account.handle, account.app_password if app_password else account.password)
    return client


async def list_mentions(
    client: AsyncClient,
) -> list[models.AppBskyNotificationListNotifications.Notification]:
    response = await client.app.bsky.notification.list_notifications(
        params={"limit": 100, "priority": False, "reasons": ["mention"]}
    )
    return [n for n in response.notifications if n.reason == "mention"]


def _listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets that process ``pid`` listens on (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    addresses = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                address_hex = local.split(":")[0]
                if table == "tcp":
                    addresses.add(".".join(str(b) for b in reversed(bytes.fromhex(address_hex))))
                else:
                    addresses.add(f"ipv6:{address_hex}")
    return addresses


async def test_network_is_on_loopback_only(atproto_network: AtprotoNetwork) -> None:
    for name, url in atproto_network.service_urls.items():
        assert urlsplit(url).hostname == "127.0.0.1", f"{name} URL {url} is not on 127.0.0.1"
        assert urlsplit(url).scheme == "http"
    # Every listener of the harness process (PLC, PDS, AppView, data plane, bsync, ozone, control) is bound
    # to 127.0.0.1: none on 0.0.0.0 or ::.
    addresses = _listening_addresses(atproto_network.pid)
    assert len(addresses) >= 1
    assert addresses == {"127.0.0.1"}


async def test_preset_accounts_log_in(atproto_network: AtprotoNetwork) -> None:
    assert [a.handle for a in atproto_network.accounts] == ["ferrybot.test", "alice.test", "bob.test"]
    bot = await login(atproto_network, atproto_network.bot, app_password=True)
    assert bot.me is not None
    assert bot.me.did == atproto_network.bot.did
    # The session keeps talking to the local PDS (its URL is the last field of the exported session).
    pds_endpoint = bot.export_session_string().split(":::")[-1]
    assert urlsplit(pds_endpoint).hostname in {"127.0.0.1", "localhost"}


async def test_mention_notification_and_reply_with_chosen_rkey(atproto_network: AtprotoNetwork) -> None:
    # Fresh accounts: the preset ones are shared by the whole session.
    bot_account = await atproto_network.create_account("ferrybot")
    alice_account = await atproto_network.create_account("alice")
    alice = await login(atproto_network, alice_account)
    bot = await login(atproto_network, bot_account, app_password=True)

    text = (
        client_utils.TextBuilder()
        .text("Grüße ")  # non-ASCII before the mention: facets count UTF-8 bytes
        .mention(f"@{bot_account.handle}", bot_account.did)
        .text(" where did everyone go?")
    )
    mention_post = await alice.send_post(text)
    await atproto_network.process_all()

    mentions = [n for n in await list_mentions(bot) if n.uri == mention_post.uri]
    assert len(mentions) == 1
    mention = mentions[0]
    assert mention.author.did == alice_account.did
    assert models.is_record_type(mention.record, models.AppBskyFeedPost)
    record = mention.record
    assert record.reply is None
    assert record.facets is not None
    facet = record.facets[0]
    assert isinstance(facet.features[0], models.AppBskyRichtextFacet.Mention)
    assert facet.features[0].did == bot_account.did
    mentioned = record.text.encode()[facet.index.byte_start : facet.index.byte_end].decode()
    assert mentioned == f"@{bot_account.handle}"

    # Reply part 1 with create_record and a pre-chosen TID rkey (what makes retries effectively-once).
    parent = models.create_strong_ref(mention)
    root = record.reply.root if record.reply else parent
    rkey = make_tid()
    reply = models.AppBskyFeedPost.Record(
        text="1/2 Hello! Ferry keeps a directory.",
        created_at=bot.get_current_time_iso(),
        reply=models.AppBskyFeedPost.ReplyRef(root=root, parent=parent),
        langs=["en"],
    )
    created = await bot.app.bsky.feed.post.create(repo=bot_account.did, record=reply, rkey=rkey)
    assert AtUri.from_str(created.uri).rkey == rkey
    assert created.uri == f"at://{bot_account.did}/app.bsky.feed.post/{rkey}"

    # The same rkey again is refused, so a retry can never post twice. The PDS answers 500
    # InternalServerError here, not a 4xx: a retry policy must look the record up first (getRecord).
    with pytest.raises(AtProtocolError):
        await bot.app.bsky.feed.post.create(repo=bot_account.did, record=reply, rkey=rkey)
    stored = await bot.app.bsky.feed.post.get(bot_account.did, rkey)
    assert stored.cid == created.cid

    # Part 2 with put_record and a chosen rkey: parent = part 1, same root.
    rkey2 = make_tid()
    part2 = models.AppBskyFeedPost.Record(
        text="2/2 See you there.",
        created_at=bot.get_current_time_iso(),
        reply=models.AppBskyFeedPost.ReplyRef(root=root, parent=models.create_strong_ref(created)),
        langs=["en"],
    )
    put = await bot.com.atproto.repo.put_record(
        models.ComAtprotoRepoPutRecord.Data(
            repo=bot_account.did, collection="app.bsky.feed.post", rkey=rkey2, record=part2
        )
    )
    assert AtUri.from_str(put.uri).rkey == rkey2
    await atproto_network.process_all()

    thread = (await bot.get_post_thread(mention_post.uri, depth=5)).thread
    assert isinstance(thread, models.AppBskyFeedDefs.ThreadViewPost)
    assert thread.replies is not None
    bot_replies = [
        r
        for r in thread.replies
        if isinstance(r, models.AppBskyFeedDefs.ThreadViewPost) and r.post.uri == created.uri
    ]
    assert len(bot_replies) == 1
    first = bot_replies[0]
    assert first.post.author.did == bot_account.did
    assert models.is_record_type(first.post.record, models.AppBskyFeedPost)
    assert first.post.record.reply is not None
    assert first.post.record.reply.parent.uri == mention_post.uri
    assert first.post.record.reply.root.uri == mention_post.uri
    assert first.replies is not None
    assert [r.post.uri for r in first.replies if isinstance(r, models.AppBskyFeedDefs.ThreadViewPost)] == [
        put.uri
    ]

    # Alice is told about the reply.
    alice_notifications = await alice.app.bsky.notification.list_notifications(params={"priority": False})
    assert any(n.reason == "reply" and n.uri == created.uri for n in alice_notifications.notifications)


async def test_mention_arrives_without_process_all(atproto_network: AtprotoNetwork) -> None:
    """The AppView indexes on its own: poll as the bot will, without the control endpoint."""
    bot_account = await atproto_network.create_account("ferrybot")
    bob_account = await atproto_network.create_account("bob")
    bob = await login(atproto_network, bob_account)
    bot = await login(atproto_network, bot_account, app_password=True)

    post = await bob.send_post(
        client_utils.TextBuilder().mention(f"@{bot_account.handle}", bot_account.did).text(" hi")
    )

    deadline = time.monotonic() + 15
    while True:
        try:
            if any(n.uri == post.uri for n in await list_mentions(bot)):
                break
        except BadRequestError:  # not indexed yet
            pass
        assert time.monotonic() < deadline, "mention not listed within 15 s"
        await asyncio.sleep(0.1)


async def test_create_account_gives_unique_handles(atproto_network: AtprotoNetwork) -> None:
    first = await atproto_network.create_account("carol")
    second = await atproto_network.create_account("carol")
    assert first.handle != second.handle
    assert first.handle.startswith("carol")
    assert first.handle.endswith(".test")
    assert first.did.startswith("did:plc:")

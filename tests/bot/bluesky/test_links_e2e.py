"""Bluesky ``links`` on the real local atproto network: a link facet for every URL, after a live reload."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import open_app
from bot.bluesky.front import BlueskyFront
from bot.bluesky.poller import PollSettings
from bot.config.watch import ConfigWatcher
from bot.settings import Settings
from tests.bot.bluesky.test_e2e import facet_texts, login, mention, poll
from tests.support.atproto import AtprotoNetwork

pytestmark = pytest.mark.atproto

CONFIG = """
[defaults]
community = "movers"

[[communities]]
slug = "movers"
name = "Movers 搬家"
default_visibility = "public"
platforms = ["bluesky", "rednote", "lemon8"]
deadline = 2026-01-19T00:00:00-05:00

[[communities.links]]
label = "RedNote group"
platform = "rednote"
url = "https://www.xiaohongshu.com/user/profile/5f1e2d3c4b5a697887766554"
"""
MORE = """
[[communities.links]]
label = "Starter pack 🧳"
platform = "bluesky"
url = "https://bsky.app/starter-pack/movers.bsky.social/3lemxyz"
note = "Follow everyone at once."

[[communities.links]]
label = "柠檬8 小组"
platform = "lemon8"
url = "https://www.lemon8-app.com/movers?lang=zh"

[[communities.links]]
label = "The long way"
platform = "bluesky"
url = "https://bsky.app/profile/movers.bsky.social/post/3l{tail}"
note = "A note that gives way to the address when room is short."
""".replace("{tail}", "x" * 180)


def thread_posts(thread: Any, bot_did: str) -> list[Any]:
    """The bot's self-reply chain under a post, first to last."""
    chain = []
    node = thread
    while node.replies:
        [node] = [reply for reply in node.replies if reply.post.author.did == bot_did]
        chain.append(node.post)
    return chain


async def test_every_link_is_a_facet_after_a_live_reload(
    atproto_network: AtprotoNetwork, tmp_path: Path
) -> None:
    bot = await atproto_network.create_account("linksbot")
    user = await atproto_network.create_account("linksreader")
    path = tmp_path / "ferry.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}",
        config_path=path,
        bluesky_handle=bot.handle,
        bluesky_app_password=SecretStr(bot.app_password),
        bluesky_service_url=atproto_network.pds_url,
    )
    client = await login(atproto_network, user)
    async with open_app(settings) as app:
        front = BlueskyFront(app, poll=PollSettings(interval=0.1), list_settle=0)
        await front.start()
        try:
            watcher = ConfigWatcher(app.reloader, app.config, interval=1.0)
            path.write_text(CONFIG + MORE, encoding="utf-8")
            later = path.stat().st_mtime_ns + 10**9  # file times are coarse: make the change visible
            os.utime(path, ns=(later, later))
            assert await watcher.poll() is None
            outcome = await watcher.poll()
            assert outcome is not None and outcome.ok

            post = await mention(client, bot, "", " links")
            await poll(atproto_network, front)
            thread = (await client.get_post_thread(post.uri, depth=10)).thread
            chain = thread_posts(thread, bot.did)
        finally:
            await front.stop()

    urls = [link.url for link in app.config().community("movers").links]
    assert len(urls) == 4
    assert len(chain) > 1 and all(
        p.record.text.startswith(f"{k}/{len(chain)} ") for k, p in enumerate(chain, 1)
    )
    assert "Where Movers 搬家 is going:\nMove before 2026-01-19 00:00-05:00." in chain[0].record.text
    faceted = [found for p in chain for found in facet_texts(p.record)]
    # Each URL is in the text whole, and covered by a link facet pointing at exactly that URL.
    assert faceted == [(url, url) for url in urls]
    text = "\n".join(p.record.text for p in chain)
    assert "• 柠檬8 小组 · Lemon8: https://www.lemon8-app.com/movers?lang=zh" in text
    assert "— Follow everyone at once." in text

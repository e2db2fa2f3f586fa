"""Announcements on a real local atproto network: a long one becomes a thread, posted once per key.

Read back the way people see it, through the AppView's ``getPostThread``; the repository's own
record list proves that a repeated key, even from a second "process", wrote nothing more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from atproto import AsyncClient, models
from pydantic import SecretStr

from bot.app import open_app
from bot.bluesky.announcer import thread_parts
from bot.bluesky.front import BlueskyFront
from bot.bluesky.poller import PollSettings
from bot.services.announcements import Delivery
from bot.settings import Settings
from tests.support.atproto import AtprotoAccount, AtprotoNetwork

pytestmark = pytest.mark.atproto

STEPS = "\n".join(f"{n}. 打包、贴标签、搬箱子 — pack, label and carry box {n}." for n in range(1, 25))
CONFIG = f'''
[web]
enabled = true
base_url = "https://ferry.example.org"

[[communities]]
slug = "movers"
name = "Movers 搬家"
deadline = 2099-01-19T00:00:00-05:00

[communities.announcement]
bluesky = true
template = """📢 {{community}}: move before {{deadline}} ({{countdown}}).
{{message}}
{{links}}
{STEPS}
Directory: {{directory_url}}"""

[[communities.links]]
label = "RedNote group"
platform = "rednote"
url = "https://www.xiaohongshu.com/user/profile/5f1e2d3c4b5a697887766554"

[[communities.links]]
label = "Starter pack"
platform = "bluesky"
url = "https://bsky.app/starter-pack/movers.test/3abc"
'''


def settings_for(tmp_path: Path, network: AtprotoNetwork, bot: AtprotoAccount) -> Settings:
    (tmp_path / "ferry.toml").write_text(CONFIG, encoding="utf-8")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}",
        config_path=tmp_path / "ferry.toml",
        bluesky_handle=bot.handle,
        bluesky_app_password=SecretStr(bot.app_password),
        bluesky_service_url=network.pds_url,
    )


async def publish_once(settings: Settings, key: str, message: str) -> tuple[list[Delivery], str]:
    """One "process": open the app, start the front, compose and publish, stop."""
    async with open_app(settings) as app:
        app.web_serving.current = app.config().web  # as the web front does once it serves the page
        front = BlueskyFront(app, poll=PollSettings(interval=0.1), list_settle=0)
        await front.start()
        try:
            assert app.announcements.publishers() == ("bluesky",)
            announcement = await app.announcements.compose("movers", message)
            return await app.announcements.publish(announcement, key=key), announcement.text
        finally:
            await front.stop()


def facet_links(record: Any) -> list[tuple[str, str]]:
    raw = record.text.encode()
    return [
        (raw[f.index.byte_start : f.index.byte_end].decode(), f.features[0].uri) for f in record.facets or []
    ]


async def thread_texts(client: AsyncClient, uri: str, author: str) -> list[Any]:
    """The records of a thread's chain of self-replies, as the AppView shows them."""
    thread = (await client.get_post_thread(uri, depth=50)).thread
    chain = []
    while isinstance(thread, models.AppBskyFeedDefs.ThreadViewPost):
        assert thread.post.author.did == author
        chain.append(thread.post.record)
        replies = [r for r in thread.replies or [] if r.post.author.did == author]
        assert len(replies) <= 1
        thread = replies[0] if replies else None
    return chain


async def test_a_long_announcement_is_a_linked_thread_posted_once_per_key(
    atproto_network: AtprotoNetwork, tmp_path: Path
) -> None:
    bot = await atproto_network.create_account("announcer")
    settings = settings_for(tmp_path, atproto_network, bot)
    key = "manual:6f1c7f4e-8a7b-4c1e-9d1e-2b8f3c4d5e6f"
    message = "See you there: https://example.org/party!"
    [delivery], text = await publish_once(settings, key, message)
    assert delivery.ok and delivery.publisher == "bluesky"
    prefix = f"https://bsky.app/profile/{bot.did}/post/"
    assert delivery.where.startswith(prefix)
    await atproto_network.process_all()

    client = AsyncClient(base_url=atproto_network.pds_url)
    await client.login(bot.handle, bot.password)
    first_uri = f"at://{bot.did}/app.bsky.feed.post/{delivery.where.removeprefix(prefix)}"
    chain = await thread_texts(client, first_uri, bot.did)
    expected = thread_parts(text)
    assert len(chain) == len(expected) > 2
    assert [record.text for record in chain] == expected
    for number, record in enumerate(chain, start=1):
        assert record.text.endswith(f"({number}/{len(chain)})")
        assert record.langs == ["en"]
    links = [link for record in chain for link in facet_links(record)]
    assert [url for url, _ in links] == [target for _, target in links]  # each facet covers its URL exactly
    assert [url for url, _ in links] == [
        "https://example.org/party",
        "https://www.xiaohongshu.com/user/profile/5f1e2d3c4b5a697887766554",
        "https://bsky.app/starter-pack/movers.test/3abc",
        "https://ferry.example.org/movers/",
    ]

    # The same key again, from a fresh process over the same database: nothing more is posted.
    [again], _ = await publish_once(settings, key, message)
    assert again == delivery
    listed = await client.com.atproto.repo.list_records(
        {"repo": bot.did, "collection": "app.bsky.feed.post", "limit": 100}
    )
    assert len(listed.records) == len(expected)

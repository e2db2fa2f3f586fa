"""``@ferry stats`` on the real local atproto network: a reply with the chart as an image and its
numbers as alt text, public counts only, small platforms hidden, the upload counted in the budget."""

from __future__ import annotations

import pytest

from bot.bluesky.front import BlueskyFront
from bot.bluesky.insights import BLOB_BYTES
from bot.models import Identity, IdentityKind, Source, Visibility
from tests.bot.bluesky.test_e2e import (
    FrontFactory,
    bot_account,
    bot_replies,
    login,
    mention,
    poll,
    start_front,
)
from tests.support.atproto import AtprotoAccount, AtprotoNetwork

pytestmark = pytest.mark.atproto

__all__ = ["bot_account", "start_front"]  # fixtures shared with the other end-to-end tests


async def scatter(front: BlueskyFront) -> None:
    """RedNote: 6 public and 4 community-only; Lemon8: 2 public (under the minimum of 5)."""
    directory = front._app.directory
    people = [("rednote", Visibility.PUBLIC)] * 6 + [("rednote", Visibility.COMMUNITY)] * 4
    people += [("lemon8", Visibility.PUBLIC)] * 2
    for n, (platform, visibility) in enumerate(people):
        await directory.register(
            community="movers", identity=Identity(IdentityKind.CONSOLE, f"p{n}"), display_name=f"P{n}",
            platform=platform, handle=f"{platform}{n:02d}" if platform == "lemon8" else f"{n:024x}",
            source=Source.CONSOLE, visibility=visibility,
        )  # fmt: skip


async def test_stats_answers_with_the_chart_and_alt_text(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("statsfan")
    client = await login(atproto_network, user)
    async with start_front() as front:
        await scatter(front)
        spent_before = front.budget.budget.remaining_hour(front._clock())
        post = await mention(client, bot_account, "", " stats")
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, post.uri, bot_account.did)
        spent = spent_before - front.budget.budget.remaining_hour(front._clock())
    record = reply.post.record
    assert record.text.startswith("Where Movers 搬家 went (public handles, ")
    assert "RedNote (Xiaohongshu) 6 · Lemon8 fewer than 5" in record.text
    assert len(record.text) <= 300
    [image] = record.embed.images
    assert image.alt.startswith("Two charts of Movers 搬家 on ")
    assert "RedNote (Xiaohongshu) 6, Lemon8 fewer than 5" in image.alt  # the community-only 4 are not counted
    assert "10" not in image.alt.split("Arrivals")[0]
    assert image.image.mime_type == "image/png" and 0 < image.image.size <= BLOB_BYTES
    assert (image.aspect_ratio.width, image.aspect_ratio.height) == (1200, 1000)
    # The AppView serves the picture: the embed resolved to an image view with the same alt text.
    [view] = reply.post.embed.images
    assert view.alt == image.alt and view.fullsize
    assert spent == 6  # the upload and the post, 3 points each


async def test_stats_in_chinese_names_the_community(
    atproto_network: AtprotoNetwork, bot_account: AtprotoAccount, start_front: FrontFactory
) -> None:
    user = await atproto_network.create_account("statszh")
    client = await login(atproto_network, user)
    async with start_front() as front:
        await scatter(front)
        post = await mention(client, bot_account, "", " movers 统计", langs=["zh-Hans"])
        await poll(atproto_network, front)
        [reply] = await bot_replies(client, post.uri, bot_account.did)
    record = reply.post.record
    assert record.text.startswith("Movers 搬家 去了哪里（公开账号，")
    assert "Lemon8 少于 5" in record.embed.images[0].alt

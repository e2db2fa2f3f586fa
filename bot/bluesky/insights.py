# ruff: noqa: RUF001 - the Chinese wording uses fullwidth punctuation
"""``@ferry stats`` on Bluesky: a reply with the public chart as an image, its numbers as alt text.

Recognised here rather than in the shared text language because only Bluesky answers with a
picture (the console has ``ferry stats``). The reply's text is planned like any answer; the picture
is drawn (in a worker thread) and uploaded when the first post is written, so a restart between
plan and post draws it again rather than keeping image bytes in the outbox.

Limits, by construction: the PNG is redrawn smaller until it fits Bluesky's 1,000,000-byte image
blob; the alt text is cut to :data:`ALT_GRAPHEMES`; the post text goes through ``posts.fit``. The
upload is counted in the write budget like a record create (3 points): the PDS does not charge it
that way today, but an upload is a write of the bot's account and the budget is there to keep the
bot well-behaved, not to match today's accounting exactly.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Callable, Collection, Mapping
from typing import Any

from bot.bluesky.budget import CREATE, BudgetKeeper
from bot.bluesky.gateway import Gateway
from bot.bluesky.posts import POST_GRAPHEMES, fit
from bot.charts import describe, render_within
from bot.config import FerryConfig
from bot.services.insights import Insights, InsightService
from bot.text.render import width

BLOB_BYTES = 1_000_000  # app.bsky.embed.images#image: maxSize
ALT_GRAPHEMES = 2000  # what the Bluesky app lets a person write; the lexicon sets no lower bound
ASPECT = {"width": 1200, "height": 1000}  # the chart's shape at every resolution
VERBS = frozenset({"stats", "statistics", "chart", "统计", "图表"})
_TRAILING = ".!?。！？"

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "head": "Where {community} went (public handles, {date}):",
        "fewer": "fewer than {n}",
        "none": "No public handles yet.",
        "more": "More: {hint}",
    },
    "zh-Hans": {
        "head": "{community} 去了哪里（公开账号，{date}）：",
        "fewer": "少于 {n}",
        "none": "暂无公开账号。",
        "more": "更多：{hint}",
    },
}


def stats_request(text: str, communities: Collection[str]) -> tuple[bool, str | None]:
    """Whether the command is a stats request, and the community slug named before the verb (if any)."""
    words = unicodedata.normalize("NFKC", text).split()
    if words and words[0] in communities:
        named, words = words[0], words[1:]
    else:
        named = None
    if len(words) != 1:
        return False, None
    return words[0].casefold().rstrip(_TRAILING) in VERBS, named


def _words(locale: str) -> Mapping[str, str]:
    return WORDS["zh-Hans"] if locale.startswith("zh") else WORDS["en"]


def answer_text(insights: Insights, locale: str, rest_hint: str) -> str:
    """The post under the picture: the platforms with the most public handles, as many as fit."""
    words = _words(locale)
    head = words["head"].format(community=insights.name, date=insights.as_of.date().isoformat())
    items = [
        f"{p.name} {p.count if p.count is not None else words['fewer'].format(n=insights.minimum)}"
        for p in insights.platforms
    ] or [words["none"]]
    tail = "\n" + words["more"].format(hint=rest_hint) if rest_hint else ""
    while len(items) > 1 and width(f"{head}\n{' · '.join(items)}{tail}") > POST_GRAPHEMES:
        items.pop()
    return fit(f"{head}\n{' · '.join(items)}{tail}")


class ChartPoster:
    """Draws, uploads and embeds the public chart of a community."""

    def __init__(
        self,
        *,
        insights: InsightService,
        gateway: Gateway,
        budget: BudgetKeeper,
        config: Callable[[], FerryConfig],
    ) -> None:
        self._insights = insights
        self._gateway = gateway
        self._budget = budget
        self._config = config

    def request(self, text: str) -> tuple[bool, str | None]:
        """:func:`stats_request` against the configured communities."""
        return stats_request(text, self._config().communities)

    async def text(self, community: str, locale: str, rest_hint: str) -> str:
        return answer_text(await self._insights.public(community), locale, rest_hint)

    async def embed(self, community: str | None, locale: str) -> dict[str, Any]:
        """An ``app.bsky.embed.images`` with the chart uploaded and described."""
        config = self._config()
        default = config.bluesky.community or config.default_community_slug
        insights = await self._insights.public(community or default)
        picture = await asyncio.to_thread(render_within, insights, limit=BLOB_BYTES, locale=locale)
        await self._budget.spend(CREATE)
        blob = await self._gateway.upload_blob(picture)
        alt = fit(describe(insights, locale=locale), graphemes=ALT_GRAPHEMES, max_bytes=4 * ALT_GRAPHEMES)
        return {
            "$type": "app.bsky.embed.images",
            "images": [{"alt": alt, "image": blob, "aspectRatio": dict(ASPECT)}],
        }

"""Post records: length limits, rich-text facets with UTF-8 byte offsets, reply refs, languages, TIDs.

Bluesky enforces both 300 graphemes and 3,000 UTF-8 bytes per post, and facet offsets are byte
offsets into the UTF-8 text (not code points, not UTF-16): a wrong offset links or mentions the
wrong characters, so every offset here comes from encoding the exact prefix.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grapheme

from bot.bluesky.gateway import POST, StrongRef
from bot.text.render import ELLIPSIS, width
from bot.urls import find_links

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
# Grapheme rules change between Unicode versions; a small margin keeps a post that our library
# counts as 300 from being 301 on the server.
GRAPHEME_MARGIN = 2
POST_GRAPHEMES = MAX_GRAPHEMES - GRAPHEME_MARGIN

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"

LANGS = {"en": "en", "zh-hans": "zh-Hans"}


def new_tid(now_us: int | None = None, clock_id: int | None = None) -> str:
    """A record key in the TID format: 53 bits of microseconds, 10 clock-id bits (random unless given)."""
    micros = time.time_ns() // 1000 if now_us is None else now_us
    clock = secrets.randbelow(1024) if clock_id is None else clock_id & 1023
    value = ((micros & ((1 << 53) - 1)) << 10) | clock
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def fit(text: str, *, graphemes: int = POST_GRAPHEMES, max_bytes: int = MAX_BYTES) -> str:
    """``text`` cut on a grapheme boundary to both limits, marked with an ellipsis when cut."""
    if width(text) <= graphemes and len(text.encode()) <= max_bytes:
        return text
    room_bytes = max_bytes - len(ELLIPSIS.encode())
    kept: list[str] = []
    used = 0
    for cluster in grapheme.graphemes(text):
        size = len(cluster.encode())
        if len(kept) >= graphemes - 1 or used + size > room_bytes:
            break
        kept.append(cluster)
        used += size
    return "".join(kept) + ELLIPSIS


def _byte_range(text: str, start: int, end: int) -> dict[str, int]:
    return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}


def facets(
    text: str, mentions: Mapping[str, str] = {}, *, links: Callable[[str], bool] | None = None
) -> list[dict[str, Any]]:
    """Link facets for https URLs and mention facets for ``@handle`` of the given handle → DID.

    Only https links are faceted (other schemes stay plain text), and with ``links`` only those it
    accepts: text that carries what people typed passes Ferry's own links there, so a URL inside a
    name stays text (Bluesky shows no link without a facet). Only handles whose DID the caller
    knows are mentioned: a mention facet must carry a DID.
    """
    found: list[tuple[int, int, dict[str, str]]] = []
    for start, end, url in find_links(text):
        if links is None or links(url):
            found.append((start, end, {"$type": "app.bsky.richtext.facet#link", "uri": url}))
    for handle, did in mentions.items():
        for match in re.finditer(rf"@{re.escape(handle)}(?![\w.-])", text):
            found.append(
                (match.start(), match.end(), {"$type": "app.bsky.richtext.facet#mention", "did": did})
            )
    found.sort(key=lambda item: item[0])
    result: list[dict[str, Any]] = []
    last_end = -1
    for start, end, feature in found:
        if start < last_end:  # facets may not overlap: a handle inside a link stays part of the link
            continue
        result.append({"index": _byte_range(text, start, end), "features": [feature]})
        last_end = end
    return result


@dataclass(frozen=True, slots=True)
class ReplyRefs:
    """Where a post goes in a thread: the thread's first post and the post it answers."""

    root: StrongRef
    parent: StrongRef

    def as_json(self) -> dict[str, Any]:
        return {"root": self.root.as_json(), "parent": self.parent.as_json()}


def post_record(
    text: str,
    *,
    reply: ReplyRefs | None,
    locale: str,
    mentions: Mapping[str, str] = {},
    links: Callable[[str], bool] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """An ``app.bsky.feed.post`` record within both limits, with facets, reply refs and language.

    ``links`` chooses which URLs become link facets (see :func:`facets`); None: every https URL,
    for text written wholly by Ferry or its admins.
    """
    text = fit(text)
    created = (now or datetime.now(UTC)).astimezone(UTC)
    record: dict[str, Any] = {
        "$type": POST,
        "text": text,
        "createdAt": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "langs": [LANGS.get(locale, "en")],
    }
    found = facets(text, mentions, links=links)
    if found:
        record["facets"] = found
    if reply is not None:
        record["reply"] = reply.as_json()
    return record

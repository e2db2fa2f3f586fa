"""The Bluesky publisher: an announcement as a numbered thread from the bot's account.

Each post is cut to Bluesky's 300 graphemes and 3,000 bytes by construction, on line breaks and
then on spaces, so a link is only ever split when it is longer than a whole post. Record keys are
derived from the announcement's idempotency key: before writing a post the publisher asks the PDS
whether its key is taken, and an occupied key can never hold a second copy, so a retry after a
crash, in this process or the next, completes the thread instead of posting it again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Callable
from datetime import datetime

import grapheme

from bot.bluesky.budget import CREATE, BudgetKeeper
from bot.bluesky.gateway import (
    POST,
    Gateway,
    GatewayError,
    Record,
    RejectedError,
    ServerRateLimitedError,
    SessionError,
    StrongRef,
)
from bot.bluesky.posts import MAX_BYTES, POST_GRAPHEMES, ReplyRefs, new_tid, post_record
from bot.config import FerryConfig
from bot.services.announcements import Announcement, Delivery
from bot.text.render import ELLIPSIS, width

log = logging.getLogger(__name__)

NAME = "bluesky"
MAX_POSTS = 15  # a template of 2,000 characters with a message and links needs about a dozen
_NUMBER_ROOM = width("\n(15/15)")
_ROOM = POST_GRAPHEMES - _NUMBER_ROOM
_ROOM_BYTES = MAX_BYTES - len(b"\n(15/15)")
# Derived TIDs carry a made-up time inside 2023-2024: in the past, so no client reads them as posts
# from the future, and spread over two years so two keys practically never share one.
_TID_START_US = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z
_TID_SPAN_US = 2 * 365 * 86_400 * 1_000_000


def rkey_for(key: str, part: int) -> str:
    """The record key of one post of an announcement: always the same for the same key and part."""
    digest = int.from_bytes(hashlib.sha256(f"{key}#{part}".encode()).digest()[:10], "big")
    return new_tid(now_us=_TID_START_US + digest % _TID_SPAN_US, clock_id=digest >> 70)


def _fits(text: str) -> bool:
    return width(text) <= _ROOM and len(text.encode()) <= _ROOM_BYTES


def _longest_prefix(text: str) -> str:
    kept = ""
    for cluster in grapheme.graphemes(text):
        if not _fits(kept + cluster):
            break
        kept += cluster
    return kept


def _pieces(line: str) -> list[str]:
    """The line in pieces that each fit a post: cut between words, or mid-word only for a giant word."""
    if _fits(line):
        return [line]
    out: list[str] = []
    current = ""
    for token in re.split(r"(?<=\s)(?=\S)", line):  # each word with the blanks after it
        if _fits(current + token):
            current += token
            continue
        if current.strip():
            out.append(current.rstrip())
        while not _fits(token):  # Chinese runs on without spaces; a giant URL is cut too
            head = _longest_prefix(token)
            out.append(head)
            token = token[len(head) :]
        current = token
    if current.strip():
        out.append(current.rstrip())
    return out


def thread_parts(text: str, most: int = MAX_POSTS) -> list[str]:
    """The text as the posts of a thread, numbered "(1/3)" when there is more than one.

    Whole lines stay together where they fit; past ``most`` posts the last one ends with an ellipsis.
    """
    posts: list[str] = []
    for piece in (piece for line in text.split("\n") for piece in _pieces(line)):
        if posts and _fits(posts[-1] + "\n" + piece):
            posts[-1] += "\n" + piece
        elif piece.strip() or posts:
            posts.append(piece)
    posts = [post.strip("\n") for post in posts if post.strip()]
    if len(posts) > most:
        posts = posts[:most]
        last = posts[-1]
        while not _fits(last + ELLIPSIS):
            last = str(grapheme.slice(last, 0, width(last) - 1))
        posts[-1] = last + ELLIPSIS
    if len(posts) <= 1:
        return posts
    return [f"{post}\n({number}/{len(posts)})" for number, post in enumerate(posts, start=1)]


class BlueskyAnnouncer:
    """Posts announcements of the communities whose ``announcement.bluesky`` is true."""

    name = NAME

    def __init__(
        self,
        *,
        gateway: Gateway,
        budget: BudgetKeeper,
        config: Callable[[], FerryConfig],
        clock: Callable[[], datetime],
    ) -> None:
        self._gw = gateway
        self._budget = budget
        self._config = config
        self._clock = clock

    def parts_needed(self, text: str) -> tuple[int, int]:
        """How many posts the thread needs, and the most that are posted."""
        return len(thread_parts(text, most=sys.maxsize)), MAX_POSTS

    async def publish(self, announcement: Announcement, *, key: str) -> Delivery:
        """Post the thread, or finish the one a previous attempt with this key began."""
        community = self._config().community(announcement.community)
        if not community.announcement.bluesky:
            return self._failed("disabled")
        parts = thread_parts(announcement.text)
        if not parts:
            return self._failed("empty")
        rkeys = [rkey_for(key, number) for number in range(len(parts))]
        try:
            existing = [await self._gw.get_record(POST, rkey) for rkey in rkeys]
            points = CREATE * sum(1 for record in existing if record is None)
            budget = self._budget.budget
            # Refused rather than waited for: an admin is watching, and the same key can retry later.
            if points > budget.per_hour or budget.wait_for(points, self._clock()) > 0:
                return self._failed("budget")
            await self._post(parts, rkeys, existing, community.announcement.locale.lower())
        except ServerRateLimitedError:
            return self._failed("rate_limited")
        except RejectedError as exc:
            log.warning("bluesky announcement refused", extra={"key": key, "error": str(exc)})
            return self._failed("rejected")
        except SessionError:
            return self._failed("session")
        except GatewayError as exc:
            log.warning("bluesky announcement failed", extra={"key": key, "error": str(exc)})
            return self._failed("network")
        where = f"https://bsky.app/profile/{self._gw.did}/post/{rkeys[0]}"
        return Delivery(publisher=NAME, ok=True, where=where)

    async def _post(
        self, parts: list[str], rkeys: list[str], existing: list[Record | None], locale: str
    ) -> None:
        root: StrongRef | None = None
        parent: StrongRef | None = None
        for text, rkey, record in zip(parts, rkeys, existing, strict=True):
            if record is None:
                reply = ReplyRefs(root, parent) if root is not None and parent is not None else None
                value = post_record(text, reply=reply, locale=locale, now=self._clock())
                await self._budget.spend(CREATE)
                record = await self._gw.create_record(POST, rkey, value)
            root = root or record.ref
            parent = record.ref

    @staticmethod
    def _failed(reason: str) -> Delivery:
        return Delivery(publisher=NAME, ok=False, where="", error=reason)

"""The Discord publisher: an announcement as plain messages in the community's announcements channel.

The text is shown as written, not as markdown: the same words go to Bluesky, where ``**`` would
show as stars, so markdown is escaped and mentions neutralised (nobody is pinged either way, by
``AllowedMentions.none()``). Each message is cut on line breaks to Discord's 2,000 characters after
escaping, so a long template never fails the send.

Which messages of a delivery went out is kept in the database (``announcement_parts``), not in
memory: a retry with the same key after a restart, or from another process, sends only the rest.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import discord

from bot.discord.render import CONTENT_LIMIT, ELLIPSIS, escape, visible
from bot.services.announcements import Announcement, Delivery

if TYPE_CHECKING:
    from bot.discord.client import FerryBot

log = logging.getLogger(__name__)


class Channel(Protocol):
    """The part of a ``discord.TextChannel`` an announcement needs."""

    async def send(
        self,
        content: str,
        *,
        nonce: str,
        allowed_mentions: discord.AllowedMentions,
        suppress_embeds: bool,
    ) -> discord.Message:
        """Post one message."""
        ...


class PartLedger(Protocol):
    """Where the parts of each delivery that went out are recorded (the repository)."""

    async def sent_parts(self, *, publisher: str, key: str) -> dict[int, str]:
        """Part number -> link of the parts of ``key`` already sent."""
        ...

    async def record_part(self, *, publisher: str, key: str, part: int, location: str, now: datetime) -> None:
        """Remember one sent part."""
        ...


NAME = "discord"
NONCE_LENGTH = 25  # Discord refuses a longer nonce
MAX_MESSAGES = 5  # a template of 2,000 characters with a long message needs two or three at most


def nonce_for(key: str, part: int) -> str:
    """The nonce of one message of an announcement: the same key and part always give the same one.

    With ``enforce_nonce`` Discord answers a repeat of a recent nonce with the message it already
    made, so a retry after a lost response does not post twice.
    """
    return hashlib.sha256(f"{key}#{part}".encode()).hexdigest()[:NONCE_LENGTH]


def messages_for(text: str, limit: int = CONTENT_LIMIT, most: int = MAX_MESSAGES) -> list[str]:
    """The text escaped and split on line breaks into messages of at most ``limit`` characters.

    A line too long for one message is cut on a space (the raw text is cut and re-escaped, so an
    escape sequence is never split); past ``most`` messages the last one ends with an ellipsis.
    """
    out: list[str] = []
    for piece in escaped_lines(text, limit):
        if out and len(out[-1]) + 1 + len(piece) <= limit:
            out[-1] += "\n" + piece
        else:
            out.append(piece)
    if len(out) > most:
        out = out[:most]
        last = out[-1]
        if len(last) + 1 + len(ELLIPSIS) > limit:
            # Drop the last whole line; a single line is cut, minus a backslash it might strand.
            last = last.rsplit("\n", 1)[0] if "\n" in last else last[: limit - 2].rstrip("\\")
        out[-1] = last + "\n" + ELLIPSIS
    return [message for message in out if message.strip()]


def escaped_lines(text: str, limit: int) -> list[str]:
    """The text's lines escaped, each cut on spaces to at most ``limit`` characters."""
    return [piece for line in visible(text, single_line=False).split("\n") for piece in _cut(line, limit)]


def _cut(line: str, limit: int) -> list[str]:
    parts = []
    while len(escape(line)) > limit:
        low, high = 1, len(line)
        while low < high:  # the longest prefix whose escaped form fits
            mid = (low + high + 1) // 2
            if len(escape(line[:mid])) <= limit:
                low = mid
            else:
                high = mid - 1
        space = line.rfind(" ", 0, low)
        end = space if space > low // 2 else low
        parts.append(escape(line[:end].rstrip()))
        line = line[end:].lstrip()
    parts.append(escape(line))
    return parts


class DiscordAnnouncer:
    """Posts announcements for every community that names an announcements channel."""

    name = NAME

    def __init__(self, bot: FerryBot, *, ledger: PartLedger, clock: Callable[[], datetime]) -> None:
        self._bot = bot
        self._ledger = ledger
        self._clock = clock

    def parts_needed(self, text: str) -> tuple[int, int]:
        """How many messages the text needs, and the most that are sent."""
        return len(messages_for(text, most=sys.maxsize)), MAX_MESSAGES

    async def publish(self, announcement: Announcement, *, key: str) -> Delivery:
        """Post the announcement in the community's announcements channel, once per key."""
        community = self._bot.app.config().community(announcement.community)
        channel_id = community.channels.announcements
        if channel_id is None:
            return self._failed("no_channel")
        channel = await self._bot.channel_anywhere(channel_id)
        # Only a text channel of one of the community's servers: a typo must not post elsewhere.
        if (
            not isinstance(channel, discord.TextChannel)
            or channel.guild.id not in community.discord_guild_ids
        ):
            log.warning(
                "announcements channel not found",
                extra={"community": community.slug, "channel_id": channel_id},
            )
            return self._failed("channel_not_found")
        contents = messages_for(announcement.text)
        if not contents:
            return self._failed("empty")
        return await self.send_parts(channel, key, contents, community=community.slug)

    async def send_parts(
        self, channel: Channel, key: str, contents: list[str], *, community: str
    ) -> Delivery:
        """Send the messages of one announcement in order, skipping those this key already sent.

        When a message fails after others went out, the delivery says "partial" with the first
        one's link: an admin who sends the whole announcement again would repeat them, and a retry
        with the same key (in any process, after any restart) sends only the rest. Each part is
        recorded as soon as Discord confirms it; a crash between the two is covered by the nonce,
        which Discord answers with the message it already made.
        """
        sent = await self._ledger.sent_parts(publisher=NAME, key=key)
        error: str | None = None
        for part, content in enumerate(contents):
            if part in sent:
                continue
            try:
                message = await channel.send(
                    content,
                    nonce=nonce_for(key, part),
                    allowed_mentions=discord.AllowedMentions.none(),
                    suppress_embeds=True,  # one compact post, not a preview card for every link
                )
            except discord.Forbidden:
                log.warning("announcement refused", extra={"community": community, "part": part})
                error = "forbidden"
                break
            except discord.HTTPException as exc:
                log.warning(
                    "announcement not sent",
                    extra={"community": community, "part": part, "status": exc.status, "code": exc.code},
                )
                error = "http"
                break
            sent[part] = message.jump_url
            await self._ledger.record_part(
                publisher=NAME, key=key, part=part, location=message.jump_url, now=self._clock()
            )
        first = sent.get(0, "")
        if error is None:
            return Delivery(publisher=NAME, ok=True, where=first)
        if sent:
            return Delivery(publisher=NAME, ok=False, where=first, error="partial")
        return self._failed(error)

    @staticmethod
    def _failed(reason: str) -> Delivery:
        return Delivery(publisher=NAME, ok=False, where="", error=reason)

"""The text answer to ``links``: where the community is going, one post or a thread.

A URL is never cut: a shortened link leads nowhere, and on Bluesky it would still become a link
facet. When room runs out the note gives way first, then the label; the answer says when links
did not fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import UnknownPlatformError
from bot.services.directory import DirectoryService
from bot.text.messages import say
from bot.text.render import THREAD_NUMBER_ROOM, numbered, pack, thread_parts, width

if TYPE_CHECKING:
    from bot.text.handler import TextContext


class LinkAnswers:
    """The community's relocation links, worded for a text front."""

    def __init__(self, directory: DirectoryService) -> None:
        self._directory = directory

    def single(self, ctx: TextContext) -> str:
        """The links in one post (or one console answer)."""
        header = self._header(ctx)
        # Each line must fit beside the header, or pack() would cut the first one, URL and all.
        lines = self._lines(ctx, ctx.budget - width(header) - 1)
        text, shown = pack(header, lines, ctx.budget)
        if shown < len(lines):
            text, _ = pack(header, lines, ctx.budget, footer=say(ctx.locale, "links.more"))
        return text

    def thread(self, ctx: TextContext, max_posts: int) -> list[str]:
        """The links as a self-reply thread of at most ``max_posts`` posts."""
        room = max(ctx.budget - THREAD_NUMBER_ROOM, 1)
        header, lines = self._header(ctx), self._lines(ctx, room)
        if lines and width(header) + 1 + width(lines[0]) > room:
            # The header gets a post of its own rather than pack() cutting the first link to fit.
            header, lines = "", [header, *lines]
        posts, shown = thread_parts(header, lines, "", room=room, max_posts=max_posts)
        if shown < len(lines):  # say so rather than let the last links vanish without a word
            posts, _ = thread_parts(
                header, lines, say(ctx.locale, "links.more"), room=room, max_posts=max_posts
            )
        return numbered(posts, ctx.budget)

    def _header(self, ctx: TextContext) -> str:
        """Where the community is going and by when; the whole answer when it has no links."""
        community = self._directory.community(ctx.community)
        if not community.links:
            return say(ctx.locale, "links.empty", community=community.name)
        header = say(ctx.locale, "links.header", community=community.name)
        if community.deadline is not None:
            moment = community.deadline.isoformat(" ", "minutes")
            header += "\n" + say(ctx.locale, "links.deadline", deadline=moment)
        return header

    def _lines(self, ctx: TextContext, room: int) -> list[str]:
        """One line per link, each fitting ``room`` whole.

        A URL is never shortened: a cut link leads nowhere (and Bluesky would make it a link facet).
        The note goes first, then the label and platform; a URL that alone is too long is left out.
        """
        lines = []
        for link in self._directory.community(ctx.community).links:
            try:
                platform = self._directory.platform(ctx.community, link.platform).display_name
            except UnknownPlatformError:  # a link to a platform the community does not list
                platform = link.platform
            named = f"• {link.label} · {platform}: "
            candidates = [
                *([f"{named}{link.url} — {link.note}"] if link.note else []),
                f"{named}{link.url}",
                f"• {link.url}",
                f"{named}{say(ctx.locale, 'links.too_long')}",
            ]
            lines.append(next((line for line in candidates if width(line) <= room), candidates[-1]))
        return lines

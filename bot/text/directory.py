"""The ``directory`` verb: pages of the directory sized so that one answer always carries a whole page.

A page is a fixed number of entries for a given front and filter, so page numbers, the page count and
"More: directory 2" agree, and every listed member is reached by paging. The number is what the
answer can carry when every line is as wide as a line may be: lines wider than :data:`LINE_WIDTH`
give up part of the member's name, then the profile link, never the handle's place on the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.models import DirectoryQuery, Entry
from bot.services.directory import DirectoryService
from bot.services.directory_pages import MAX_PAGE_NUMBER, MAX_PAGE_SIZE
from bot.text.messages import count as count_of
from bot.text.messages import say
from bot.text.render import (
    MARKS,
    THREAD_NUMBER_ROOM,
    numbered,
    platform_name,
    shorten,
    thread_parts,
    width,
    with_legend,
)

if TYPE_CHECKING:
    from bot.text.handler import TextContext
    from bot.text.parser import Command

# Graphemes one entry line may take (fewer in a tighter post: two lines always fit in one): two fill a
# Bluesky post beside its "k/n " prefix, and a typical line (name, platform, handle, link) fits whole.
LINE_WIDTH = (300 - THREAD_NUMBER_ROOM - 1) // 2
NAME_MIN = 12  # graphemes of a member's name kept when a line must shrink
PER_POST = 10  # entries per post at most, where the budget is no limit (the console)
WIDEST_TOTAL = 10**9  # handles, for the widest header a page could need


def entry_line(entry: Entry, platform: str, cap: int) -> str:
    """One directory line of at most ``cap`` graphemes: name, platform, handle, mark, link."""

    def build(name: str, link: str | None) -> str:
        return f"• {name} — {platform}: {entry.handle}{MARKS[entry.verification]}{f' {link}' if link else ''}"

    line = build(entry.member_name, entry.profile_url)
    if width(line) <= cap:
        return line
    name = shorten(entry.member_name, max(NAME_MIN, width(entry.member_name) - (width(line) - cap)))
    line = build(name, entry.profile_url)
    if width(line) <= cap:
        return line
    return shorten(build(name, None), cap)  # the handle says who it is; the link is a convenience


def capacity(room: int, posts: int, header: int, footer: int, line: int) -> int:
    """How many lines of ``line`` graphemes fit in ``posts`` posts of ``room``, with a header first
    and a footer last (widths; 0 when absent). Parts of a post are joined by newlines."""
    total = 0
    for k in range(posts):
        used = (header + 1 if k == 0 and header else 0) + (footer + 1 if k == posts - 1 and footer else 0)
        total += max(0, (room + 1 - used) // (line + 1))
    return total


class DirectoryAnswers:
    """Directory pages as one post (console, tight fronts) or a self-reply thread (Bluesky)."""

    def __init__(self, directory: DirectoryService) -> None:
        self._directory = directory

    async def answer(self, command: Command, ctx: TextContext, max_posts: int) -> list[str]:
        """The page ``command`` asks for, in at most ``max_posts`` posts (1: a single post)."""
        platform = self._directory.platform(ctx.community, command.platform) if command.platform else None
        where = say(ctx.locale, "directory.filter", platform=platform.display_name) if platform else ""
        community = self._directory.community(ctx.community).name
        room = ctx.budget - (THREAD_NUMBER_ROOM if max_posts > 1 else 0)
        line_cap = min(LINE_WIDTH, max(1, (room - 1) // 2))

        def header(page: int, pages: int, total: int) -> str:
            handles = count_of(ctx.locale, "handles", total)
            return say(
                ctx.locale,
                "directory.header",
                community=community,
                filter=where,
                page=page,
                pages=pages,
                total=handles,
            )

        def footer(next_page: int | None, rest: str) -> str:
            parts = [rest] if rest else []
            if next_page is not None:
                words = ["directory", *([platform.key] if platform else []), str(next_page)]
                parts.insert(0, say(ctx.locale, "directory.more", command=" ".join(words)))
            return " · ".join(parts)

        spare = room - line_cap - 1  # beside one line of a post
        footer_room = spare // (1 if max_posts > 1 else 2)
        rest = say(ctx.locale, "thread.rest", where=ctx.rest_hint) if ctx.rest_hint else ""
        if width(footer(MAX_PAGE_NUMBER, rest)) > footer_room:
            rest = ""  # a link cut short is worse than none; the next page's command matters more
        # Header and footer are reserved at their widest (any page number), so the page size is
        # the same for every page; one line must always fit beside each.
        footer_cap = max(0, min(width(footer(MAX_PAGE_NUMBER, rest)), footer_room))
        if max_posts == 1 and footer_cap:
            spare -= footer_cap + 1  # header and footer share the one post
        header_cap = max(0, min(width(header(MAX_PAGE_NUMBER, MAX_PAGE_NUMBER, WIDEST_TOTAL)), spare))
        size = capacity(room, max_posts, header_cap, footer_cap, line_cap)
        size = max(1, min(size, PER_POST * max_posts, MAX_PAGE_SIZE))

        query = DirectoryQuery(
            community=ctx.community,
            platform=command.platform,
            visibilities=frozenset(ctx.visibilities),
            limit=size,
        )
        page, pages = await self._directory.directory_page_number(query, command.page)
        if not page.entries:
            usage = say(ctx.locale, "usage.add")
            return [shorten(say(ctx.locale, "directory.empty", filter=where, usage=usage), ctx.budget)]
        number = min(command.page, pages)
        assert page.total is not None  # a query without a search is always counted
        head = shorten(header(number, pages, page.total), header_cap)
        foot = shorten(footer(number + 1 if number < pages else None, rest), footer_cap)
        lines = [entry_line(e, platform_name(self._directory, e), line_cap) for e in page.entries]
        posts, shown = thread_parts(head, lines, foot, room=room, max_posts=max_posts)
        posts[-1] = with_legend(posts[-1], say(ctx.locale, "legend"), page.entries[:shown], room)
        return numbered(posts, ctx.budget)

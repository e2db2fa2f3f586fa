"""Fitting plain-text answers into a front's length budget, counted in graphemes.

Bluesky counts 300 graphemes per post; a console has no real limit. Lines are the unit: an entry is
one line and is either shown whole or left for the next post, never cut mid-entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import grapheme

from bot.models import Entry, Verification

if TYPE_CHECKING:
    from bot.services.directory import DirectoryService

ELLIPSIS = "…"
# The verification ladder as text marks; the legend that explains them is in the catalogue.
MARKS = {
    Verification.SELF_REPORTED: "",
    Verification.BLUESKY_PROVEN: " ✓",
    Verification.ADMIN_VERIFIED: " ✓✓",
}


def width(text: str) -> int:
    """Length as people (and Bluesky) count it: user-perceived characters, not code points."""
    return int(grapheme.length(text))


def shorten(text: str, budget: int) -> str:
    """``text`` cut on a grapheme boundary to at most ``budget`` graphemes, marked with an ellipsis."""
    if budget <= 0:
        return ""
    if width(text) <= budget:
        return text
    return str(grapheme.slice(text, 0, budget - 1)) + ELLIPSIS


def pack(header: str, lines: Sequence[str], budget: int, *, footer: str = "") -> tuple[str, int]:
    """Join ``header``, as many whole ``lines`` as fit, and ``footer`` within ``budget`` graphemes.

    Returns the text and how many lines it holds. A header or footer that cannot fit is shortened;
    a single line wider than the whole budget is shortened rather than never shown.
    """
    header = shorten(header, budget)
    used = width(header)
    footer_cost = width(footer) + 1 if footer else 0
    parts = [header] if header else []
    taken = 0
    for line in lines:
        cost = width(line) + (1 if parts else 0)
        if used + cost + footer_cost > budget:
            if taken == 0:
                room = budget - used - footer_cost - (1 if parts else 0)
                if room > len(ELLIPSIS):
                    parts.append(shorten(line, room))
                    used += room + (1 if len(parts) > 1 else 0)
                    taken = 1
            break
        parts.append(line)
        used += cost
        taken += 1
    if footer and used + footer_cost <= budget:
        parts.append(footer)
    return "\n".join(parts), taken


def thread_parts(
    header: str, lines: Sequence[str], footer: str, *, room: int, max_posts: int
) -> tuple[list[str], int]:
    """Spread ``header`` and ``lines`` over at most ``max_posts`` posts of ``room`` graphemes each.

    The last post ends with ``footer`` (where to see the rest), which gets a post of its own when it
    does not fit after the last lines. Returns the posts and how many lines they hold.
    """
    posts: list[str] = []
    pos = 0
    while len(posts) < max_posts:
        head = header if not posts else ""
        last = len(posts) == max_posts - 1
        text, taken = pack(head, lines[pos:], room, footer=footer if last else "")
        if not last and footer and pos + taken == len(lines):
            # Everything fits: end here if the footer fits too, else leave it for a post of its own.
            with_footer, fitted = pack(head, lines[pos:], room, footer=footer)
            if fitted == taken and with_footer.endswith(footer):
                return [*posts, with_footer], len(lines)
        posts.append(text)
        pos += taken
        if pos >= len(lines) or (taken == 0 and not head):
            break
    if footer and not posts[-1].endswith(footer):
        if len(posts) < max_posts:
            posts.append(shorten(footer, room))
        else:
            posts[-1] = shorten(footer, room)  # the way to the rest matters more than one more line
    return posts, pos


THREAD_NUMBER_ROOM = 6  # graphemes kept free in each post of a thread for its "k/n " prefix


def numbered(posts: list[str], budget: int) -> list[str]:
    """A thread's posts with their "k/n" prefixes; a thread of one post is just that post."""
    if len(posts) == 1:
        return [shorten(posts[0], budget)]
    return [f"{k}/{len(posts)} {post}" for k, post in enumerate(posts, start=1)]


def platform_name(directory: DirectoryService, entry: Entry) -> str:
    """The entry's platform as people call it (see ``Catalogue.display_name``)."""
    return directory.platform_name(entry.platform)


def with_legend(text: str, legend: str, entries: Sequence[Entry], budget: int) -> str:
    """``text`` and the marks' legend on a last line, when a shown entry is marked and it fits."""
    if not any(MARKS[e.verification] for e in entries):
        return text
    if width(text) + 1 + width(legend) > budget:
        return text  # the entries matter more than the explanation; help always has it
    return f"{text}\n{legend}"

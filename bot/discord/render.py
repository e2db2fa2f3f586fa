"""Text and embeds that stay inside Discord's limits by construction.

Every string a user typed (handles, names, search terms, file names) goes through :func:`clean`:
invisible and direction-changing characters are dropped, markdown is escaped, mentions are
neutralised and links made plain text, and lengths are counted *after* escaping, because escaping
can double a string and Discord counts what it receives.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.models import Entry, Verification
from bot.services.names import clean_display_name

# Discord's limits (discord.md §1.2).
CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
FIELDS_PER_EMBED = 25
EMBEDS_PER_MESSAGE = 10
SELECT_OPTIONS = 25
OPTION_LABEL_LIMIT = 100
BUTTON_LABEL_LIMIT = 80

DIRECTORY_PAGE_SIZE = 10  # entries per directory page
# Each directory line gets an equal share of the description, so a page always holds all of its
# entries: a page is never cut mid-entry and never spills over 4,096 characters.
LINE_BUDGET = EMBED_DESCRIPTION_LIMIT // DIRECTORY_PAGE_SIZE - 1  # minus the newline
ELLIPSIS = "…"

_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})  # invisible, bidi, controls, unpaired surrogates
# Mention-like sequences escape_mentions does not cover: channels, slash commands, short user ids.
_MENTION_LIKE = re.compile(r"<(?=[@#/:]|a:|t:)")
# Discord links any "scheme://..." in the text it receives (its autolink rule wants the colon and
# the slashes side by side), embeds included, so a name like "Prize https://evil.example" would be a
# live link in Ferry's own message. "\:" is Discord markdown's escape for a literal colon: the name
# reads the same and links nowhere. Wrapping in <...> would not do: that only drops the preview.
_SCHEME_COLON = re.compile(r":(?=//)")
# escape_markdown escapes "[" only inside a whole "[text](url)", which the split above can cut in two.
_OPEN_BRACKET = re.compile(r"(?<!\\)\[")
_SAFE_URL = re.compile(r"^https://[^\s()<>\[\]]{1,500}$")
MARKS = {
    Verification.SELF_REPORTED: "",
    Verification.BLUESKY_PROVEN: " ✓",
    Verification.ADMIN_VERIFIED: " ✓✓",
}


def display_name_of(user: discord.abc.User) -> str:
    """The name Ferry keeps for a Discord user: their server or global name, cleaned as every front's
    names are, else their username (always visible), never their id."""
    return clean_display_name(user.display_name, fallback=user.name)


def visible(text: str, *, single_line: bool = True) -> str:
    """``text`` without characters that render as nothing or reorder what follows."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        if ch == "\n" and not single_line:
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) not in _DROPPED:
            out.append(ch)
    result = "".join(out)
    return " ".join(result.split()) if single_line else result.strip()


def escape(text: str) -> str:
    """Markdown escaped and mentions neutralised; the text itself must already be visible().

    For text an admin wrote (announcements), whose links are meant: see :func:`clean` for people's.
    """
    escaped = escape_mentions(escape_markdown(text))
    return _MENTION_LIKE.sub("<\u200b", escaped)


def escape_inert(text: str) -> str:
    """As :func:`escape`, and no link either: for what members typed (names, handles, searches).

    Each piece between "scheme" and "//" is escaped on its own: escape_markdown leaves whatever it
    takes for a URL untouched, and once the colon is escaped that text is markdown again.
    """
    pieces = (escape_mentions(escape_markdown(piece)) for piece in _SCHEME_COLON.split(text))
    escaped = _OPEN_BRACKET.sub(r"\\[", "\\:".join(pieces))
    return _MENTION_LIKE.sub("<\u200b", escaped)


def clean(text: str, limit: int | None = None, *, single_line: bool = True) -> str:
    """A user's text made inert and, if ``limit`` is given, shortened so the escaped form fits.

    Shortening works on the raw text and re-escapes, so an escape sequence is never cut in half.
    """
    raw = visible(text, single_line=single_line)
    escaped = escape_inert(raw)
    if limit is None or len(escaped) <= limit:
        return escaped
    low, high = 0, len(raw)
    while low < high:  # the longest prefix whose escaped form plus the ellipsis fits
        mid = (low + high + 1) // 2
        if len(escape_inert(raw[:mid].rstrip())) + len(ELLIPSIS) <= limit:
            low = mid
        else:
            high = mid - 1
    return escape_inert(raw[:low].rstrip()) + ELLIPSIS


def fit(text: str, limit: int) -> str:
    """Already-safe text (our own wording with cleaned values) cut to ``limit`` on a line break."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n") + 1]
    return cut + ELLIPSIS


def safe_url(url: str | None) -> str | None:
    """The URL if it is an https link Discord accepts in an embed and in a masked link, else None.

    A non-http(s) URL anywhere in an embed fails the whole message (50035), so one bad row must
    never reach a page.
    """
    return url if url is not None and _SAFE_URL.match(url) else None


def entry_line(
    entry: Entry, platform_name: str, *, with_member: bool = True, budget: int = LINE_BUDGET
) -> str:
    """One directory line: platform, linked handle, member name and verification mark, within ``budget``.

    Over budget it degrades in steps (plain handle instead of a link, then a shorter name, then a
    shorter handle) rather than ever spilling into the next entry's room.
    """
    platform = clean(platform_name, 40)
    mark = MARKS.get(entry.verification, "")
    name = clean(entry.member_name, 80) if with_member else ""
    handle = clean(entry.handle)
    url = safe_url(entry.profile_url)

    def line(handle_text: str, name_text: str) -> str:
        who = f" — {name_text}" if name_text else ""
        return f"**{platform}** · {handle_text}{mark}{who}"

    if url is not None:
        linked = line(f"[{handle}]({url})", name)
        if len(linked) <= budget:
            return linked
    plain = line(handle, name)
    if len(plain) <= budget:
        return plain
    room_for_name = max(budget - len(line(handle, "")) - 3, 0)
    short_name = clean(entry.member_name, room_for_name) if with_member and room_for_name > 8 else ""
    if len(line(handle, short_name)) <= budget:
        return line(handle, short_name)
    room_for_handle = budget - len(line("", ""))
    return line(clean(entry.handle, room_for_handle), "")


def lines_block(lines: Iterable[str], limit: int = EMBED_DESCRIPTION_LIMIT) -> str:
    """Whole lines joined up to ``limit``; a line that does not fit is left out, never cut."""
    out: list[str] = []
    size = 0
    for line in lines:
        extra = len(line) + (1 if out else 0)
        if size + extra > limit:
            break
        out.append(line)
        size += extra
    return "\n".join(out)


def pack_lines(lines: Sequence[str], limit: int) -> list[str]:
    """Split lines into blocks of at most ``limit`` characters, never splitting a line.

    A single line over ``limit`` is shortened (it is our own text with cleaned values).
    """
    blocks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = fit(line, limit)
        extra = len(line) + (1 if current else 0)
        if current and size + extra > limit:
            blocks.append("\n".join(current))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        blocks.append("\n".join(current))
    return blocks


def embeds_for_lines(
    title: str, lines: Sequence[str], *, colour: discord.Colour | None = None
) -> list[discord.Embed]:
    """As many embeds as the lines need (≤ 10, ≤ 6,000 characters in total), whole lines each.

    Lines that would not fit in one message are dropped from the end; callers that may produce that
    much text send a file instead (see the import report).
    """
    title = fit(title, EMBED_TITLE_LIMIT)
    embeds: list[discord.Embed] = []
    total = 0
    for index, block in enumerate(pack_lines(lines, EMBED_DESCRIPTION_LIMIT) or [""]):
        embed = discord.Embed(title=title if index == 0 else None, description=block or None, colour=colour)
        if len(embeds) == EMBEDS_PER_MESSAGE or total + len(embed) > EMBED_TOTAL_LIMIT:
            break
        embeds.append(embed)
        total += len(embed)
    return embeds


def message_size(embeds: Sequence[discord.Embed]) -> int:
    """The characters Discord counts towards the 6,000 limit across a message's embeds."""
    return sum(len(embed) for embed in embeds)

"""Rendering within Discord's limits by construction: escaping, line budgets, packing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.discord import render
from bot.models import Entry, Source, Verification, Visibility

NOW = datetime(2026, 1, 18, tzinfo=UTC)


def entry(handle: str, name: str = "Alice", url: str | None = None, **extra: object) -> Entry:
    values: dict[str, object] = {
        "id": 1,
        "member_id": 1,
        "community": "movers",
        "platform": "bluesky",
        "handle": handle,
        "visibility": Visibility.COMMUNITY,
        "verification": Verification.SELF_REPORTED,
        "source": Source.DISCORD,
        "created_at": NOW,
        "updated_at": NOW,
        "member_name": name,
        "profile_url": url,
    }
    values.update(extra)
    return Entry(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("**b**", "\\*\\*b\\*\\*"),
        ("@everyone", "@\u200beveryone"),
        ("<#123>", "<\u200b#123>"),
        ("<@&123456789012345678>", "<\u200b@\u200b&123456789012345678>"),
        ("</cmd:1>", "<\u200b/cmd:1>"),
        ("a\u202eb\u200bc\x00d", "abcd"),
        ("line\nbreak", "line break"),
        ("[x](https://evil.example)", "\\[x](https\\://evil.example)"),
        # A URL in a name is text, not a link: the colon is escaped, and what follows is escaped too.
        ("Claim prize https://evil.example/login", "Claim prize https\\://evil.example/login"),
        ("https://x.example/__u__", "https\\://x.example/\\_\\_u\\_\\_"),
        ("steam://run/1 http://a.example", "steam\\://run/1 http\\://a.example"),
        ("10:30 a:b", "10:30 a:b"),  # a colon that starts no link stays as it is
    ],
)
def test_clean_neutralises(raw: str, expected: str) -> None:
    assert render.clean(raw) == expected


def test_clean_counts_after_escaping_and_never_cuts_an_escape() -> None:
    text = render.clean("_" * 100, 51)
    assert len(text) <= 51 and text.endswith("…") and not text.removesuffix("…").endswith("\\")
    assert text.removesuffix("…") == "\\_" * 25


def test_entry_line_degrades_within_its_budget() -> None:
    url = "https://bsky.app/profile/alice.bsky.social"
    assert render.entry_line(entry("alice.bsky.social", url=url), "Bluesky") == (
        f"**Bluesky** · [alice.bsky.social]({url}) — Alice"
    )
    marked = entry("a.bsky.social", verification=Verification.ADMIN_VERIFIED)
    assert render.entry_line(marked, "Bluesky").endswith("a.bsky.social ✓✓ — Alice")
    huge = entry("_" * 300, name="*" * 80, url=url + "x" * 200)
    line = render.entry_line(huge, "Bluesky")
    assert len(line) <= render.LINE_BUDGET
    assert render.entry_line(entry("x", url="javascript:alert(1)"), "Bluesky") == "**Bluesky** · x — Alice"


def test_a_page_of_worst_case_entries_fits_one_embed() -> None:
    lines = [
        render.entry_line(entry("_" * 253, name="_" * 64), "B" * 40)
        for _ in range(render.DIRECTORY_PAGE_SIZE)
    ]
    assert len("\n".join(lines)) <= render.EMBED_DESCRIPTION_LIMIT


def test_packing_never_splits_a_line_and_respects_the_message_total() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(500)]
    blocks = render.pack_lines(lines, 1000)
    assert all(len(b) <= 1000 for b in blocks)
    assert [line for b in blocks for line in b.split("\n")] == lines
    embeds = render.embeds_for_lines("title", lines)
    assert len(embeds) <= render.EMBEDS_PER_MESSAGE
    assert render.message_size(embeds) <= render.EMBED_TOTAL_LIMIT
    assert all(len(e.description or "") <= render.EMBED_DESCRIPTION_LIMIT for e in embeds)


def test_lines_block_leaves_out_what_does_not_fit() -> None:
    assert render.lines_block(["a" * 6, "b" * 6, "c"], 13) == "a" * 6 + "\n" + "b" * 6

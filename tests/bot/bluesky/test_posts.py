"""Post limits, facet byte offsets on Unicode-heavy text, TIDs, and the write budget."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.bluesky.budget import CREATE, WriteBudget
from bot.bluesky.gateway import StrongRef
from bot.bluesky.posts import MAX_BYTES, POST_GRAPHEMES, ReplyRefs, facets, fit, new_tid, post_record
from bot.text.render import width

FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, 7 code points, 25 bytes
COMBINING = "e\u0301\u0323"  # one grapheme with two combining marks
RTL = "مرحبا"
CJK = "你好，世界"


def sliced(text: str, facet: dict) -> str:
    index = facet["index"]
    return text.encode()[index["byteStart"] : index["byteEnd"]].decode()


def test_link_and_mention_offsets_are_utf8_bytes_around_unicode() -> None:
    text = f"{FAMILY} {CJK} {COMBINING} {RTL} @alice.test → https://bsky.app/profile/alice.test, {FAMILY}!"
    found = facets(text, {"alice.test": "did:plc:alice"})
    assert [sliced(text, f) for f in found] == ["@alice.test", "https://bsky.app/profile/alice.test"]
    assert found[0]["features"] == [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"}]
    assert found[1]["features"][0]["uri"] == "https://bsky.app/profile/alice.test"


def test_a_link_in_a_chinese_sentence_stops_at_the_fullwidth_comma() -> None:
    text = "新家在 https://example.org/a，请尽快加入。"
    [facet] = facets(text)
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert text.encode()[start:end].decode() == facet["features"][0]["uri"] == "https://example.org/a"


def test_only_https_links_and_known_handles_get_facets() -> None:
    text = "see http://plain.example and javascript:alert(1) and @stranger.test and @alice.test.extra"
    assert facets(text, {"alice.test": "did:plc:alice"}) == []


@pytest.mark.parametrize("unit", [FAMILY, COMBINING, "中", "א", "a"])
def test_fit_keeps_both_limits_and_whole_graphemes(unit: str) -> None:
    text = unit * 2000
    cut = fit(text)
    assert width(cut) <= POST_GRAPHEMES
    assert len(cut.encode()) <= MAX_BYTES
    assert cut.endswith("…")
    assert cut[:-1] == unit * (len(cut[:-1]) // len(unit))  # never half a grapheme


def test_post_record_has_refs_language_and_facets() -> None:
    root = StrongRef("at://did:plc:a/app.bsky.feed.post/1", "c1")
    parent = StrongRef("at://did:plc:b/app.bsky.feed.post/2", "c2")
    record = post_record(
        "全部名录：https://ferry.example.org/movers",
        reply=ReplyRefs(root, parent),
        locale="zh-hans",
        now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
    )
    assert record["reply"] == {"root": root.as_json(), "parent": parent.as_json()}
    assert record["langs"] == ["zh-Hans"]
    assert record["createdAt"] == "2026-11-25T09:00:00.000Z"
    assert sliced(record["text"], record["facets"][0]) == "https://ferry.example.org/movers"


def test_tids_are_valid_record_keys_and_sort_by_time() -> None:
    tid = new_tid(1_700_000_000_000_000)
    assert re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", tid)
    assert new_tid(1_700_000_000_000_001) > tid
    assert len({new_tid() for _ in range(100)}) == 100


def test_budget_never_exceeds_the_hour_or_the_day() -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    budget = WriteBudget(per_hour=9, per_day=12)
    for _ in range(3):
        assert budget.try_spend(CREATE, now) == 0
    wait = budget.try_spend(CREATE, now)
    assert 3540 <= wait <= 3660  # the first points leave the hour window
    later = now + timedelta(seconds=wait)
    assert budget.try_spend(CREATE, later) == 0  # 12 in the day now
    day_wait = budget.try_spend(CREATE, later + timedelta(hours=2))
    assert day_wait > 3600 * 10  # the daily cap holds even though the hour is free

    restored = WriteBudget(per_hour=9, per_day=12)
    restored.restore(budget.snapshot(), later)
    assert restored.try_spend(CREATE, later) > 0  # a restart does not refill the budget
    restored.restore("not json", later)
    assert restored.try_spend(CREATE, later) == 0

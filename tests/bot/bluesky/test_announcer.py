"""The Bluesky publisher against a fake gateway: thread splitting, derived keys, retries and refusals.

The real network is in test_e2e_announce.py; here are the failures a real server cannot be made to
produce on demand.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime
from pathlib import Path

import pytest

from bot.bluesky.announcer import MAX_POSTS, BlueskyAnnouncer, rkey_for, thread_parts
from bot.bluesky.budget import BudgetKeeper, WriteBudget
from bot.bluesky.gateway import ServerRateLimitedError, TransientError
from bot.bluesky.posts import MAX_BYTES, MAX_GRAPHEMES
from bot.config import FerryConfig, load_config
from bot.services.announcements import Announcement, Delivery
from bot.text.render import width
from tests.bot.bluesky.fakes import BOT_DID, FakeClock, FakeGateway, reply_refs

TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")

CONFIG = """
[[communities]]
slug = "loud"
name = "Loud"

[communities.announcement]
bluesky = true
locale = "zh-Hans"

[[communities]]
slug = "quiet"
name = "Quiet"
"""


class MemoryStore:
    def __init__(self) -> None:
        self.state: dict[str, str] = {}

    async def get_state(self, key: str) -> str | None:
        return self.state.get(key)

    async def set_state(self, key: str, value: str, now: datetime) -> None:
        self.state[key] = value


@pytest.fixture
def config(tmp_path: Path) -> FerryConfig:
    path = tmp_path / "ferry.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


def make_announcer(
    gateway: FakeGateway, config: FerryConfig, clock: FakeClock, per_hour: int = 2500
) -> BlueskyAnnouncer:
    budget = BudgetKeeper(
        WriteBudget(per_hour=per_hour, per_day=per_hour * 2),
        store=MemoryStore(),
        clock=clock,
        sleep=clock.sleep,
    )
    return BlueskyAnnouncer(gateway=gateway, budget=budget, config=lambda: config, clock=clock)


def long_text() -> str:
    lines = [f"第{n}步：把箱子贴好标签，然后搬到新家去。" * 3 for n in range(12)]
    return "\n".join(["Moving day https://example.org/guide", *lines, "End https://example.org/end"])


def test_thread_parts_fit_and_are_numbered() -> None:
    parts = thread_parts(long_text())
    assert 1 < len(parts) <= MAX_POSTS
    for number, part in enumerate(parts, start=1):
        assert width(part) <= MAX_GRAPHEMES - 2 and len(part.encode()) <= MAX_BYTES
        assert part.endswith(f"\n({number}/{len(parts)})")
    unnumbered = "\n".join(part.rsplit("\n", 1)[0] for part in parts)
    assert unnumbered.replace("\n", "") == long_text().replace("\n", "")  # nothing lost or repeated
    assert "https://example.org/guide" in parts[0] and "https://example.org/end" in parts[-1]


def test_a_short_text_is_one_unnumbered_post_and_a_huge_one_is_capped() -> None:
    assert thread_parts("Hello\n\nworld") == ["Hello\n\nworld"]
    assert thread_parts("\n \n") == []
    parts = thread_parts("word " * 5000)
    assert len(parts) == MAX_POSTS
    assert parts[-1].endswith(f"…\n({MAX_POSTS}/{MAX_POSTS})")


def test_parts_needed_counts_past_the_most_posts(config: FerryConfig, fake_clock: FakeClock) -> None:
    announcer = make_announcer(FakeGateway(fake_clock), config, fake_clock)
    needed, most = announcer.parts_needed("word " * 5000)
    assert most == MAX_POSTS < needed
    assert announcer.parts_needed(long_text()) == (len(thread_parts(long_text())), MAX_POSTS)


def test_a_line_of_wide_characters_is_cut_by_bytes_too() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme, 25 bytes
    parts = thread_parts(family * 400)
    assert all(len(part.encode()) <= MAX_BYTES for part in parts)
    assert "".join(part.rsplit("\n", 1)[0] for part in parts) == family * 400


def test_record_keys_are_valid_tids_derived_from_the_key() -> None:
    keys = [rkey_for("manual:a", 0), rkey_for("manual:a", 1), rkey_for("manual:b", 0)]
    assert all(TID.match(key) for key in keys)
    assert len(set(keys)) == 3
    assert rkey_for("manual:a", 1) == keys[1]


async def test_posts_a_thread_once_per_key(config: FerryConfig, fake_clock: FakeClock) -> None:
    gateway = FakeGateway(fake_clock)
    announcer = make_announcer(gateway, config, fake_clock)
    announcement = Announcement(community="loud", text=long_text(), links=())
    delivery = await announcer.publish(announcement, key="manual:1")
    posts = gateway.posts()
    assert delivery == Delivery(
        publisher="bluesky",
        ok=True,
        where=f"https://bsky.app/profile/{BOT_DID}/post/{rkey_for('manual:1', 0)}",
    )
    by_key = {post.rkey: post for post in posts}
    first = by_key[rkey_for("manual:1", 0)]
    assert "reply" not in first.value and first.value["langs"] == ["zh-Hans"]
    for number in range(1, len(posts)):
        root, parent = reply_refs(by_key[rkey_for("manual:1", number)])
        assert root == first.ref and parent == by_key[rkey_for("manual:1", number - 1)].ref

    assert await announcer.publish(announcement, key="manual:1") == delivery
    assert len(gateway.posts()) == len(posts)


async def test_a_retry_after_a_failure_mid_thread_finishes_it(
    config: FerryConfig, fake_clock: FakeClock
) -> None:
    gateway = FakeGateway(fake_clock)
    announcer = make_announcer(gateway, config, fake_clock)
    announcement = Announcement(community="loud", text=long_text(), links=())
    expected = len(thread_parts(long_text()))
    # The first post reaches the PDS but its answer is lost; the second is never sent.
    gateway.fail_after_write.append(TransientError("timeout after the write"))
    failed = await announcer.publish(announcement, key="schedule:weekly:2026-01-12T00:00:00+00:00")
    assert failed == Delivery(publisher="bluesky", ok=False, where="", error="network")
    assert len(gateway.posts()) == 1

    done = await announcer.publish(announcement, key="schedule:weekly:2026-01-12T00:00:00+00:00")
    assert done.ok
    assert len(gateway.posts()) == expected


async def test_refusals_are_reported_not_waited_for(config: FerryConfig, fake_clock: FakeClock) -> None:
    gateway = FakeGateway(fake_clock)
    quiet = Announcement(community="quiet", text="hi", links=())
    assert (await make_announcer(gateway, config, fake_clock).publish(quiet, key="k")).error == "disabled"

    small = make_announcer(gateway, config, fake_clock, per_hour=6)  # two posts an hour
    loud = Announcement(community="loud", text=long_text(), links=())
    assert (await small.publish(loud, key="k")).error == "budget"
    assert gateway.posts() == []

    gateway.fail["get_record"] = deque([ServerRateLimitedError(None)])
    assert (await make_announcer(gateway, config, fake_clock).publish(loud, key="k")).error == "rate_limited"

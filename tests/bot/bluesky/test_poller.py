"""The mention loop against a fake gateway: what a real server cannot easily be made to do."""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import timedelta

import pytest

from bot.app import App
from bot.bluesky.front import BlueskyFront
from bot.bluesky.gateway import RejectedError, ServerRateLimitedError, StrongRef, TransientError
from bot.bluesky.poller import next_tick_in
from bot.config.web import WebConfig
from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Verification, Visibility
from tests.bot.bluesky.fakes import BOT_DID, FakeClock, FakeGateway, reply_refs


async def test_a_mention_gets_one_reply_in_its_thread(front: BlueskyFront, gateway: FakeGateway) -> None:
    mention = gateway.mention(1, "help")
    started = front.poller._clock()
    await front.poller.poll_once()

    [post] = gateway.posts()
    root, parent = reply_refs(post)
    assert root == parent == StrongRef(mention.uri, mention.cid)
    assert post.value["langs"] == ["en"]
    assert "Commands" in post.value["text"]
    assert gateway.seen == [started]  # the time noted before fetching

    await front.poller.poll_once()  # listed again: recorded once, answered once
    assert len(gateway.posts()) == 1


async def test_reply_root_is_the_thread_root_and_language_follows_the_post(
    front: BlueskyFront, gateway: FakeGateway
) -> None:
    root = StrongRef("at://did:plc:carol/app.bsky.feed.post/root", "cid-root")
    gateway.mention(1, "帮助 help", reply_root=root, langs=("zh-Hans",))
    await front.poller.poll_once()
    [post] = gateway.posts()
    assert reply_refs(post)[0] == root
    assert reply_refs(post)[1].uri.endswith("/m0001")
    assert post.value["langs"] == ["zh-Hans"]


async def test_join_registers_the_author_as_bluesky_proven(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    gateway.mention(1, "join", author="did:plc:dora", author_handle="dora.test")
    await front.poller.poll_once()
    [entry] = await app.directory.handles(
        visibilities=EVERY_VISIBILITY,
        community="movers",
        identity=Identity(IdentityKind.BLUESKY, "did:plc:dora"),
    )
    assert (entry.handle, entry.verification.value) == ("dora.test", "bluesky-proven")
    [post] = gateway.posts()
    assert "@dora.test" in post.value["text"]
    [facet] = [f for f in post.value["facets"] if f["features"][0]["$type"].endswith("#mention")]
    assert facet["features"][0]["did"] == "did:plc:dora"


async def test_ignores_own_posts_bots_and_replies_without_a_command(
    front: BlueskyFront, gateway: FakeGateway
) -> None:
    gateway.mention(1, "help", author=BOT_DID)
    gateway.mention(2, "help", author="did:plc:robot", author_is_bot=True)
    gateway.mention(3, "thanks, that was useful!", reason="reply")
    gateway.mention(4, "directory", reason="reply")  # a reply in its thread that is a command
    await front.poller.poll_once()
    [post] = gateway.posts()
    assert reply_refs(post)[1].uri.endswith("/m0004")


async def test_pages_back_until_known_and_answers_oldest_first(
    front: BlueskyFront, gateway: FakeGateway
) -> None:
    for n in range(1, 26):  # page size 10: three pages
        gateway.mention(n, "links", author=f"did:plc:user{n:02d}")
    await front.poller.poll_once()
    assert gateway.calls.count("list_notifications") == 3
    assert len(gateway.posts()) == 25
    gateway.mention(26, "links", author="did:plc:late")
    gateway.calls.clear()
    await front.poller.poll_once()
    assert gateway.calls.count("list_notifications") == 1  # the first page already holds known ones
    assert len(gateway.posts()) == 26


async def test_cycles_start_on_the_accounts_ticks(
    front: BlueskyFront, gateway: FakeGateway, fake_clock: FakeClock
) -> None:
    """After a cycle the loop sleeps until the account's next tick, not a whole interval: a busy
    cycle does not push the next poll back."""
    interval = front.poller.settings.interval
    gateway.mention(1, "help")
    wait = await front.poller.step()
    assert 0 < wait <= interval
    fake_clock.advance(wait)
    assert next_tick_in(fake_clock(), BOT_DID, interval) == pytest.approx(interval)  # on a tick
    fake_clock.advance(0.3 * interval)  # a cycle that took a third of the interval
    assert next_tick_in(fake_clock(), BOT_DID, interval) == pytest.approx(0.7 * interval)
    fake_clock.advance(interval)  # one that took longer than the interval skips a tick
    assert next_tick_in(fake_clock(), BOT_DID, interval) == pytest.approx(0.7 * interval)


def test_accounts_poll_at_their_own_phase() -> None:
    """Deployments spread over the interval instead of all asking Bluesky at the same instant."""
    now = FakeClock()()
    waits = {round(next_tick_in(now, f"did:plc:bot{n}", 5.0), 6) for n in range(20)}
    assert len(waits) == 20 and all(0 < w <= 5.0 for w in waits)


async def test_429_on_listing_waits_for_the_reset(front: BlueskyFront, gateway: FakeGateway) -> None:
    reset = front.poller._clock() + timedelta(seconds=120)
    gateway.fail["list_notifications"] = deque([ServerRateLimitedError(reset)])
    wait = await front.poller.step()
    assert 120 <= wait <= 121


async def test_429_on_reply_defers_it_until_the_reset(
    front: BlueskyFront, gateway: FakeGateway, fake_clock: FakeClock
) -> None:
    gateway.mention(1, "help")
    gateway.mention(2, "links", author="did:plc:bob")
    reset = fake_clock() + timedelta(seconds=300)
    gateway.fail["create_record"] = deque([ServerRateLimitedError(reset)])
    wait = await front.poller.step()
    assert wait >= 300
    assert gateway.posts() == []
    fake_clock.advance(wait)
    await front.poller.step()
    assert len(gateway.posts()) == 2


async def test_5xx_and_timeouts_retry_with_backoff_and_no_duplicate(
    front: BlueskyFront, gateway: FakeGateway, fake_clock: FakeClock
) -> None:
    gateway.mention(1, "help")
    gateway.fail["create_record"] = deque([TransientError("HTTP 502")])
    await front.poller.poll_once()
    assert gateway.posts() == []
    # A timeout whose write did reach the PDS: the retry must find it rather than post again.
    gateway.fail_after_write.append(TransientError("InvokeTimeoutError"))
    for _ in range(4):
        fake_clock.advance(60)
        await front.poller.poll_once()
    assert len(gateway.posts()) == 1
    assert "get_record" in gateway.calls


async def test_a_rejected_reply_is_failed_not_retried(front: BlueskyFront, gateway: FakeGateway) -> None:
    mention = gateway.mention(1, "help")
    gateway.fail["create_record"] = deque([RejectedError(400, "InvalidRecord")])
    await front.poller.poll_once()
    item = await front.poller._repo.inbox_item(mention.uri)
    assert item is not None and item.state == "failed"


async def test_listing_errors_back_off_and_recover(front: BlueskyFront, gateway: FakeGateway) -> None:
    gateway.fail["list_notifications"] = deque([TransientError("timeout"), TransientError("HTTP 503")])
    first = await front.poller.step()
    second = await front.poller.step()
    assert 1 <= first <= 2 <= second <= 4  # jittered, doubling
    gateway.mention(1, "help")
    assert 0 < await front.poller.step() <= front.poller.settings.interval  # to the next tick
    assert len(gateway.posts()) == 1


async def test_exhausted_write_budget_makes_replies_wait(
    front: BlueskyFront, gateway: FakeGateway, fake_clock: FakeClock
) -> None:
    front.budget.budget.per_hour = 6  # two posts an hour
    gateway.mention(1, "help", author="did:plc:a1")
    gateway.mention(2, "help", author="did:plc:a2")
    gateway.mention(3, "help", author="did:plc:a3")
    await front.poller.poll_once()
    assert len(gateway.posts()) == 3  # none dropped
    assert max(fake_clock.slept) >= 3000  # the third waited for the hour to roll over
    assert front.budget.budget.remaining_hour(fake_clock()) <= 3


async def test_per_author_cap_goes_silent(front: BlueskyFront, gateway: FakeGateway) -> None:
    for n in range(1, 8):
        gateway.mention(n, "links")
    await front.poller.poll_once()
    assert len(gateway.posts()) == 5  # replies_per_author_per_hour in the fixture


async def test_directory_answer_is_a_numbered_self_reply_thread(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    for n in range(40):
        await app.directory.register(
            community="movers",
            identity=Identity(IdentityKind.BLUESKY, f"did:plc:member{n:03d}"),
            display_name=f"Member {n} 🏳️‍🌈",
            platform="bluesky",
            handle=f"member{n:03d}.bsky.social",
            source=Source.BLUESKY,
            verification=Verification.BLUESKY_PROVEN,  # as joining writes it: listable
        )
    await front.lists.sync_dirty()  # the list exists: the thread ends with its link
    mention = gateway.mention(1, "directory")
    await front.poller.poll_once()
    posts = sorted(gateway.posts(), key=lambda r: r.value["text"][:3])
    assert 1 < len(posts) <= 3  # max_thread_posts in the fixture config
    for k, post in enumerate(posts, start=1):
        assert post.value["text"].startswith(f"{k}/{len(posts)} ")
        root, parent = reply_refs(post)
        assert root.uri == mention.uri
        assert parent.uri == (mention.uri if k == 1 else posts[k - 2].uri)
    last_line = posts[-1].value["text"].splitlines()[-1]
    assert last_line.startswith(f"More: directory 2 · Everyone: https://bsky.app/profile/{BOT_DID}/lists/")


async def test_run_serves_until_cancelled_and_closes(
    app: App, gateway: FakeGateway, fake_clock: FakeClock
) -> None:
    async def short_sleep(seconds: float) -> None:
        fake_clock.advance(seconds)
        await asyncio.sleep(0.01)

    front = BlueskyFront(app, gateway=gateway, clock=fake_clock, sleep=short_sleep, list_settle=0)
    gateway.fail["connect"] = deque([TransientError("HTTP 503")])  # the first connect fails: retried
    gateway.mention(1, "help")
    task = asyncio.create_task(front.run())
    for _ in range(500):
        if gateway.posts():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(gateway.posts()) == 1
    assert gateway.calls.count("connect") == 2
    assert gateway.closed


async def test_answered_mentions_are_kept_a_week_then_deleted(
    front: BlueskyFront, gateway: FakeGateway, app: App, fake_clock: FakeClock
) -> None:
    mention = gateway.mention(1, "help")
    await front.poller.poll_once()
    assert (await app.repository.inbox_item(mention.uri)).payload["text"].strip() == "help"
    fake_clock.advance(timedelta(days=6).total_seconds())
    await front.poller.poll_once()
    assert (await app.repository.inbox_item(mention.uri)).payload["text"].strip() == "help"
    fake_clock.advance(timedelta(days=2).total_seconds())
    await front.poller.poll_once()
    assert await app.repository.inbox_item(mention.uri) is None
    assert await app.repository.outbox(mention.uri) == []
    await front.poller.poll_once()  # listed again after the prune: too old to answer again
    assert len(gateway.posts()) == 1


async def test_the_page_this_process_serves_is_where_a_directory_thread_points(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    for n in range(40):
        await app.directory.register(
            community="movers",
            identity=Identity(IdentityKind.BLUESKY, f"did:plc:member{n:03d}"),
            display_name=f"Member {n}",
            platform="bluesky",
            handle=f"member{n:03d}.bsky.social",
            source=Source.BLUESKY,
            visibility=Visibility.PUBLIC,
        )
    await front.lists.sync_dirty()
    app.web_serving.current = WebConfig(enabled=True, base_url="https://ferry.example/dir")
    gateway.mention(1, "directory")
    await front.poller.poll_once()
    last = max(gateway.posts(), key=lambda r: r.value["text"][:3]).value["text"]
    assert last.splitlines()[-1].endswith(" · Everyone: https://ferry.example/dir/movers/")


@pytest.mark.parametrize("command", ["quiet add lemon8 spam.account", "quiet join"])
async def test_naming_a_community_closed_to_bluesky_registers_nothing(
    front: BlueskyFront, gateway: FakeGateway, app: App, command: str
) -> None:
    """Only ``[bluesky] community`` takes registrations by default; the refusal names no member."""
    owner = Identity(IdentityKind.DISCORD, "1012345678901234999")
    await app.directory.register(
        community="quiet",
        identity=owner,
        display_name="Owner",
        platform="lemon8",
        handle="spam.account",
        source=Source.DISCORD,
    )
    gateway.mention(1, command, author="did:plc:mallory", author_handle="mallory.test")
    await front.poller.poll_once()

    mallory = Identity(IdentityKind.BLUESKY, "did:plc:mallory")
    assert await app.directory.member(community="quiet", identity=mallory) is None
    [post] = gateway.posts()
    assert "does not take registrations" in post.value["text"]
    assert "spam.account" not in post.value["text"]  # not even "already registered by someone"


async def test_trailing_words_after_a_mention_are_fine_but_make_a_reply_talk(
    front: BlueskyFront, gateway: FakeGateway, app: App
) -> None:
    gateway.mention(1, "join us tomorrow", reason="reply", author="did:plc:dora", author_handle="dora.test")
    gateway.mention(2, "help 🙏", author="did:plc:erin", author_handle="erin.test")
    await front.poller.poll_once()
    dora = Identity(IdentityKind.BLUESKY, "did:plc:dora")
    assert await app.directory.member(community="movers", identity=dora) is None
    [post] = gateway.posts()
    assert reply_refs(post)[1].uri.endswith("/m0002")
    assert "Commands" in post.value["text"]

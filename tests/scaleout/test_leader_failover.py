"""Three real ``ferry run`` processes on one PostgreSQL and the local atproto network.

The leader is killed (``kill -9``) in the middle of a burst of mentions, then the next leader is
frozen (``SIGSTOP``) for 60 s and woken: every mention is answered exactly once, and each takeover
stays within its bound (15 s after a crash, 40 s after a freeze). A scheduled announcement due
across a leader's crash is posted once. Measured times are printed (``-s`` shows them).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from atproto import AsyncClient, client_utils

from tests.scaleout.conftest import ClusterReader, Fleet, utc_now
from tests.support.atproto import AtprotoAccount, AtprotoNetwork

pytestmark = [pytest.mark.scaleout, pytest.mark.atproto, pytest.mark.postgres]

CRASH_TAKEOVER_S = 15.0
FREEZE_TAKEOVER_S = 40.0
FREEZE_FOR_S = 60.0
ANSWER_TIMEOUT_S = 180.0

CONFIG = """
[bluesky]
poll_interval_seconds = 2

[[communities]]
slug = "movers"
name = "Movers"
default_visibility = "public"
platforms = ["bluesky", "rednote"]
"""


def bluesky_env(network: AtprotoNetwork, bot: AtprotoAccount) -> dict[str, str]:
    return {
        "BLUESKY_HANDLE": bot.handle,
        "BLUESKY_APP_PASSWORD": bot.app_password,
        "BLUESKY_SERVICE_URL": network.pds_url,
    }


async def login(network: AtprotoNetwork, account: AtprotoAccount) -> AsyncClient:
    client = AsyncClient(base_url=network.pds_url)
    await client.login(account.handle, account.password)
    return client


async def mention_burst(clients: list[AsyncClient], bot: AtprotoAccount, rounds: int, tag: str) -> list[str]:
    """``rounds`` help requests from every client, at once; their URIs."""
    posts = []
    for n in range(rounds):
        for client in clients:
            text = client_utils.TextBuilder().mention(f"@{bot.handle}", bot.did).text(f" help ({tag} {n})")
            posts.append(client.send_post(text))
    return [post.uri for post in await asyncio.gather(*posts)]


async def bot_posts(client: AsyncClient, bot: AtprotoAccount) -> list[Any]:
    """Every post in the bot's repository, read from the PDS (no AppView lag)."""
    records: list[Any] = []
    cursor = None
    while True:
        page = await client.com.atproto.repo.list_records(
            {"repo": bot.did, "collection": "app.bsky.feed.post", "limit": 100, "cursor": cursor}
        )
        records.extend(page.records)
        cursor = page.cursor
        if not cursor or not page.records:
            return records


async def replies_to(client: AsyncClient, bot: AtprotoAccount, uris: list[str]) -> Counter[str]:
    wanted = set(uris)
    counts: Counter[str] = Counter()
    for record in await bot_posts(client, bot):
        reply = getattr(record.value, "reply", None)
        if reply is not None and reply.parent.uri in wanted:
            counts[reply.parent.uri] += 1
    return counts


async def wait_answered(
    network: AtprotoNetwork, client: AsyncClient, bot: AtprotoAccount, uris: list[str], *, at_least: int
) -> Counter[str]:
    started = time.monotonic()
    while time.monotonic() - started < ANSWER_TIMEOUT_S:
        await network.process_all()  # the AppView must index a mention before it is a notification
        counts = await replies_to(client, bot, uris)
        if len(counts) >= at_least:
            return counts
        await asyncio.sleep(0.5)
    raise AssertionError(f"only {len(counts)} of {at_least} mentions answered in {ANSWER_TIMEOUT_S} s")


async def test_mentions_are_answered_once_across_a_crash_and_a_freeze_of_the_leader(
    fleet: Fleet, cluster_state: ClusterReader, atproto_network: AtprotoNetwork
) -> None:
    bot = await atproto_network.create_account("scalebot")
    people = [await atproto_network.create_account(f"mover{n}") for n in range(3)]
    clients = [await login(atproto_network, person) for person in people]
    reader = clients[0]
    fleet.config_path.write_text(CONFIG, encoding="utf-8")
    fleet.env.update(bluesky_env(atproto_network, bot))
    for name in ("a", "b", "c"):
        fleet.start(name)  # at the same moment, on a database nobody migrated yet
    first, _ = await cluster_state.wait_leader()

    # Crash: kill -9 the leader while it works through a burst.
    burst = await mention_burst(clients, bot, rounds=4, tag="crash")
    await wait_answered(atproto_network, reader, bot, burst, at_least=2)
    killed_at = time.monotonic()
    fleet.by_pid(first).signal(signal.SIGKILL)
    second, _ = await cluster_state.wait_leader(other_than=first, within=60)
    crash_takeover = time.monotonic() - killed_at
    print(f"\ntakeover after kill -9 of the leader: {crash_takeover:.1f} s")
    assert crash_takeover <= CRASH_TAKEOVER_S
    counts = await wait_answered(atproto_network, reader, bot, burst, at_least=len(burst))

    # Freeze: SIGSTOP the new leader in the middle of the next burst, for a minute.
    burst2 = await mention_burst(clients, bot, rounds=3, tag="freeze")
    await wait_answered(atproto_network, reader, bot, burst2, at_least=1)
    frozen = fleet.by_pid(second)
    frozen_at = time.monotonic()
    frozen.signal(signal.SIGSTOP)
    third, _ = await cluster_state.wait_leader(other_than=second, within=60)
    freeze_takeover = time.monotonic() - frozen_at
    print(f"takeover after SIGSTOP of the leader: {freeze_takeover:.1f} s")
    assert freeze_takeover <= FREEZE_TAKEOVER_S
    assert third != first
    await asyncio.sleep(max(0.0, FREEZE_FOR_S - (time.monotonic() - frozen_at)))
    frozen.signal(signal.SIGCONT)
    await wait_answered(atproto_network, reader, bot, burst2, at_least=len(burst2))
    await asyncio.sleep(10)  # time for the woken process to do whatever it still would
    await atproto_network.process_all()

    counts = await replies_to(reader, bot, burst + burst2)
    assert set(counts) == set(burst + burst2), "every mention answered"
    assert [uri for uri, n in counts.items() if n != 1] == [], "no mention answered twice"
    assert frozen.alive(), "the woken process stepped down and stays as a follower"
    assert "leadership lost" in frozen.log()
    assert (await cluster_state.now()).leader_pid == third


SCHEDULE = """
[[communities]]
slug = "movers"
name = "Movers"

[communities.announcement]
bluesky = true

[[communities.schedules]]
name = "reminder"
at = [{at}]
message = "Scheduled reminder {tag}"
grace_minutes = 5
"""


async def test_a_scheduled_announcement_is_posted_once_across_a_leader_crash(
    fleet: Fleet, cluster_state: ClusterReader, atproto_network: AtprotoNetwork
) -> None:
    bot = await atproto_network.create_account("schedbot")
    tag = bot.handle.split(".")[0]
    fleet.env.update(bluesky_env(atproto_network, bot))
    # Due shortly after the first leader dies, so the next one posts it.
    due = (utc_now() + timedelta(seconds=40)).replace(microsecond=0)
    fleet.config_path.write_text(SCHEDULE.format(at=due.isoformat(), tag=tag), encoding="utf-8")
    for name in ("a", "b", "c"):
        fleet.start(name)
    first, _ = await cluster_state.wait_leader()
    await asyncio.sleep(max(0.0, (due - utc_now()).total_seconds() - 8))
    killed_at = time.monotonic()
    fleet.by_pid(first).signal(signal.SIGKILL)
    second, _ = await cluster_state.wait_leader(other_than=first, within=60)
    took = time.monotonic() - killed_at
    print(f"\ntakeover after kill -9 of the leader before a scheduled run: {took:.1f} s")

    client = AsyncClient(base_url=atproto_network.pds_url)
    started = time.monotonic()
    posted: list[Any] = []
    while time.monotonic() - started < 120:
        posted = [r for r in await bot_posts(client, bot) if f"Scheduled reminder {tag}" in r.value.text]
        if posted:
            break
        await asyncio.sleep(1)
    await asyncio.sleep(35)  # a full scheduler pass of every process after the post
    posted = [r for r in await bot_posts(client, bot) if f"Scheduled reminder {tag}" in r.value.text]
    assert len(posted) == 1
    assert (await cluster_state.now()).leader_pid == second

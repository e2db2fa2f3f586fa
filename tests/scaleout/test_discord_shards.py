"""Three real ``ferry run`` processes, one Discord shard each, on one PostgreSQL and the stand-in.

Seven servers spread over three shards (at least two each). Members of every server run
``/handle add`` at the same moment while Bluesky users register by mention: each command is
answered once, by the process holding its server's shard, and every handle lands once. A fourth
process configured with another shard count is refused at IDENTIFY and stops, leaving the fleet
serving. Then the process of shard 0 is killed (``kill -9``) and started again, and a directory
button on a message it sent before the crash still pages.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import defaultdict
from collections.abc import Callable

import pytest
from atproto import client_utils
from sqlalchemy import select

from bot.storage.database import Database
from bot.storage.tables import entries
from tests.scaleout.conftest import Fleet
from tests.scaleout.test_leader_failover import CONFIG as BLUESKY_CONFIG
from tests.scaleout.test_leader_failover import bluesky_env, login, replies_to
from tests.support.atproto import AtprotoNetwork
from tests.support.discord_standin import DiscordStandin, Guild, InteractionHandle, User

pytestmark = [pytest.mark.scaleout, pytest.mark.atproto, pytest.mark.postgres]

SHARDS = 3
PER_GUILD = 4
READY_TIMEOUT_S = 90.0
ANSWER_TIMEOUT_S = 60.0
CHILD = "tests.scaleout.discord_child"
STOPPED_ON_PURPOSE = ("wrong-count", "shard0")


def config(guilds: list[Guild]) -> str:
    """The failover suite's config, its community naming the test's servers."""
    return BLUESKY_CONFIG + f"discord_guild_ids = [{', '.join(str(g.id) for g in guilds)}]\n"


async def spread_guilds(standin: DiscordStandin, owner: User) -> dict[int, list[Guild]]:
    """Guilds until every shard holds two; a snowflake's shard comes from its millisecond."""
    by_shard: dict[int, list[Guild]] = defaultdict(list)
    n = 0
    while len(by_shard) < SHARDS or min(len(g) for g in by_shard.values()) < 2 or n < 6:
        guild = standin.add_guild(f"server {n}", owner)
        standin.add_channel(guild, "general")
        by_shard[standin.shard_of(guild, SHARDS)].append(guild)
        n += 1
        await asyncio.sleep(0.003)
    return by_shard


def discord_env(
    standin: DiscordStandin, guilds: list[Guild], shard: int, count: int = SHARDS
) -> dict[str, str]:
    return {
        "FERRY_TEST_DISCORD_API": standin.api_base,
        "FERRY_TEST_DISCORD_GATEWAY": standin.gateway_url,
        "DISCORD_TOKEN": standin.config.token,
        "DISCORD_SHARD_COUNT": str(count),
        "DISCORD_SHARD_IDS": str(shard),
        "DISCORD_DEV_GUILD_IDS": ",".join(str(g.id) for g in guilds),
    }


def live_shards(standin: DiscordStandin) -> dict[tuple[int, int], str]:
    """The shard of every connected gateway session, with its session id."""
    sessions = standin.server.gateway.sessions.values()
    return {s.shard: s.id for s in sessions if s.connected and not s.ended}


async def wait_until(
    what: str, check: Callable[[], bool], fleet: Fleet, within: float = READY_TIMEOUT_S
) -> None:
    """Until ``check()``; fails early when a process the test did not stop has exited."""
    deadline = time.monotonic() + within
    while not check():
        dead = [p.name for p in fleet.processes if not p.alive() and p.name not in STOPPED_ON_PURPOSE]
        assert not dead, f"processes {dead} exited while waiting for {what}"
        assert time.monotonic() < deadline, f"no {what} within {within} s"
        await asyncio.sleep(0.1)


async def answered(handle: InteractionHandle, handle_text: str) -> str:
    [message] = (await handle.followups(timeout=ANSWER_TIMEOUT_S))[:1]
    assert handle_text in message.content.replace("\\", ""), message.content
    return message.content


async def test_every_server_registers_at_once_and_an_old_button_works_after_a_restart(
    discord_standin: DiscordStandin, atproto_network: AtprotoNetwork, fleet: Fleet, postgres_url: str
) -> None:
    standin = discord_standin
    owner = standin.add_user("owner")
    by_shard = await spread_guilds(standin, owner)
    guilds = [g for shard in sorted(by_shard) for g in by_shard[shard]]
    members = {g.id: [standin.add_user(f"m{g.id % 10_000}-{n}") for n in range(PER_GUILD)] for g in guilds}
    for guild in guilds:
        for user in members[guild.id]:
            standin.add_member(guild, user)
    bot = await atproto_network.create_account("shardbot")
    people = [await atproto_network.create_account(f"sharder{n}") for n in range(3)]
    clients = [await login(atproto_network, person) for person in people]

    fleet.config_path.write_text(config(guilds), encoding="utf-8")
    fleet.env.update(bluesky_env(atproto_network, bot))
    for shard in range(SHARDS):
        fleet.start(f"shard{shard}", discord_env(standin, guilds, shard), module=CHILD)
    wanted = {(shard, SHARDS) for shard in range(SHARDS)}
    await wait_until("three shard sessions", lambda: wanted <= set(live_shards(standin)), fleet)
    await wait_until(
        "commands synced",
        lambda: all(standin.backend.commands.find("handle", g.id, 1) is not None for g in guilds),
        fleet,
    )

    # Every server at once, and Bluesky beside it.
    bursts = [
        standin.invoke_slash_burst(
            guild,
            "handle add",
            [
                (user, {"platform": "rednote", "handle": f"g{i}u{n}"})
                for n, user in enumerate(members[guild.id])
            ],
        )
        for i, guild in enumerate(guilds)
    ]
    mentions = [
        client.send_post(
            client_utils.TextBuilder().mention(f"@{bot.handle}", bot.did).text(f" add rednote bsky{n}")
        )
        for n, client in enumerate(clients)
    ]
    sent = await asyncio.gather(*bursts, *mentions)
    handles: list[list[InteractionHandle]] = sent[: len(guilds)]  # type: ignore[assignment]
    posts = [post.uri for post in sent[len(guilds) :]]  # type: ignore[union-attr]
    checks = []
    for i, (guild, guild_handles) in enumerate(zip(guilds, handles, strict=True)):
        for n, handle in enumerate(guild_handles):
            assert handle.shard == (standin.shard_of(guild, SHARDS), SHARDS), "routed to its shard"
            checks.append(answered(handle, f"g{i}u{n}"))
    await asyncio.gather(*checks)
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while len(await replies_to(clients[0], bot, posts)) < len(posts):
        assert time.monotonic() < deadline, "every mention answered"
        await atproto_network.process_all()
        await asyncio.sleep(0.5)
    async with await Database.open(postgres_url) as database, database.transaction() as conn:
        rows = (await conn.execute(select(entries.c.handle).where(entries.c.community == "movers"))).scalars()
        landed = sorted(rows)
    expected = sorted(
        [f"g{i}u{n}" for i in range(len(guilds)) for n in range(PER_GUILD)] + [f"bsky{n}" for n in range(3)]
    )
    assert landed == expected, "every registration landed exactly once"

    # A process configured with another shard count is refused and stops; the fleet keeps serving.
    async with standin.violations.expect("gateway", match="same shard count") as refused:
        wrong = fleet.start("wrong-count", discord_env(standin, guilds, 0, count=2), module=CHILD)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while wrong.alive():
            assert time.monotonic() < deadline, "the misconfigured process did not stop"
            await asyncio.sleep(0.2)
    assert refused[0].code == 4010
    assert wrong.popen.returncode == 2
    assert "give every process the same count" in wrong.log()
    assert "Traceback" not in wrong.log()
    assert wanted <= set(live_shards(standin))

    # kill -9 the process of shard 0, start it again, press a button of its old message.
    guild = by_shard[0][0]
    user = members[guild.id][0]
    opened = await standin.invoke_slash(guild, user, "directory", {})
    [message] = await opened.followups(timeout=ANSWER_TIMEOUT_S)
    assert opened.shard == (0, SHARDS)
    assert message.embeds[0]["footer"]["text"].startswith("Page 1 of ")
    old_session = live_shards(standin)[(0, SHARDS)]
    fleet.processes[0].signal(signal.SIGKILL)
    fleet.start("shard0-again", discord_env(standin, guilds, 0), module=CHILD)
    await wait_until(
        "shard 0 back",
        lambda: live_shards(standin).get((0, SHARDS)) not in (None, old_session),
        fleet,
    )
    current = standin.message(message.id)
    click = await standin.click_button(current, current.custom_ids()[2], user)
    assert (await click.response()).kind == "deferred update"
    await click.updated()
    assert standin.message(message.id).embeds[0]["footer"]["text"].startswith("Page 2 of ")

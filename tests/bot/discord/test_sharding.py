"""Ferry on several shards: each process gets only its guilds, IDENTIFY is paced fleet-wide."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import App, open_app, utc_now
from bot.config import FerryConfig, load_config
from bot.discord.announcer import DiscordAnnouncer
from bot.discord.front import DiscordFront, build_bot
from bot.discord.sharding import ShardedFerryBot
from bot.models import Identity, IdentityKind, Source
from bot.services.announcements import Announcement
from bot.settings import Settings
from tests.bot.discord.fixtures import wait_for
from tests.support.discord_standin import DiscordStandin, Guild, redirect_discord


@pytest.fixture
async def other_app(ferry_app: App) -> AsyncIterator[App]:
    """A second process's App on the same database."""
    async with open_app(ferry_app.settings) as app:
        yield app


async def guilds_on_both_shards(standin: DiscordStandin, at_least: int = 6) -> list[Guild]:
    """At least ``at_least`` guilds with a channel, and some on each of two shards (snowflakes made
    in the same millisecond share a shard, so keep making them until both have some)."""
    owner = standin.add_user("owner")
    made: list[Guild] = []
    while len(made) < at_least or len({standin.shard_of(g, 2) for g in made}) < 2:
        guild = standin.add_guild(f"Guild {len(made)}", owner)
        standin.add_channel(guild, "general")
        made.append(guild)
        await asyncio.sleep(0.001)
    return made


def sharded(app: App, standin: DiscordStandin, shard_ids: list[int], **options: Any) -> ShardedFerryBot:
    options.setdefault("identify_interval", 0.05)
    return ShardedFerryBot(app, shard_count=2, shard_ids=shard_ids, **options)


def seen_guilds(bot: discord.Client) -> list[int]:
    seen: list[int] = []

    async def on_interaction(interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        seen.append(interaction.guild_id)

    bot.add_listener(on_interaction)
    return seen


async def test_each_process_serves_only_its_shards_interactions(
    discord_standin: DiscordStandin, ferry_app: App, other_app: App
) -> None:
    guilds = await guilds_on_both_shards(discord_standin)
    everyone = [discord_standin.world.guild, *guilds]
    first = sharded(ferry_app, discord_standin, [0], dev_guild_ids=[g.id for g in everyone])
    second = sharded(other_app, discord_standin, [1])
    heard = {0: seen_guilds(first), 1: seen_guilds(second)}
    member = discord_standin.add_user("mover")
    async with discord_standin.running(first), discord_standin.running(second):
        for shard, bot in ((0, first), (1, second)):
            expected = sorted(g.id for g in everyone if discord_standin.shard_of(g, 2) == shard)
            assert sorted(g.id for g in bot.guilds) == expected
        for guild in guilds:
            discord_standin.add_member(guild, member)
            handle = await discord_standin.invoke_slash(guild, member, "links")
            assert (await handle.response()).kind == "message"
            assert handle.shard == (discord_standin.shard_of(guild, 2), 2)
    for shard in (0, 1):
        assert sorted(heard[shard]) == sorted(g.id for g in guilds if discord_standin.shard_of(g, 2) == shard)
    assert heard[0] and heard[1]


async def test_two_processes_starting_together_identify_one_per_bucket_interval(
    discord_standin: DiscordStandin, ferry_app: App, other_app: App
) -> None:
    discord_standin.config.identify_interval = 0.3  # Discord's 5 s, scaled down
    bots = [
        sharded(ferry_app, discord_standin, [0], identify_interval=0.3),
        sharded(other_app, discord_standin, [1], identify_interval=0.3),
    ]
    async with contextlib.AsyncExitStack() as stack:
        # Both log in and connect at once, as two `ferry run` started together do.
        await asyncio.gather(*(stack.enter_async_context(discord_standin.running(bot)) for bot in bots))
        assert all(bot.is_ready() for bot in bots)
    times = sorted(t for t, _, _ in discord_standin.identify_times)
    assert len(times) == 2 and times[1] - times[0] >= 0.29
    assert not discord_standin.violations.pending  # no IDENTIFY came too early


async def test_buckets_of_max_concurrency_do_not_wait_for_each_other(
    discord_standin: DiscordStandin, ferry_app: App
) -> None:
    discord_standin.config.identify_interval = 5.0
    discord_standin.config.max_concurrency = 2
    bot = ShardedFerryBot(ferry_app, shard_count=2, shard_ids=None, identify_interval=5.0)
    async with discord_standin.running(bot):
        assert bot.max_concurrency == 2 and sorted(bot.shards) == [0, 1]
    times = [t for t, _, _ in discord_standin.identify_times]
    assert times[1] - times[0] < 1.0


async def test_auto_count_takes_discords_recommendation(
    discord_standin: DiscordStandin, ferry_app: App
) -> None:
    discord_standin.config.token = "standin-token-unused"  # the token ferry_app's settings carry
    discord_standin.config.recommended_shards = 2
    ferry_app.settings.discord_shard_count = "auto"
    ferry_app.settings.discord_shard_ids = (1,)
    front = DiscordFront(ferry_app, guild_ready_timeout=0.05, identify_interval=0.05)
    assert isinstance(front.bot, ShardedFerryBot)
    with redirect_discord(discord_standin.api_base, discord_standin.gateway_url):
        task = asyncio.create_task(front.run())
        try:
            await wait_for(front.bot.is_ready)
            assert front.bot.shard_count == 2 and list(front.bot.shards) == [1]
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert [(shard, count) for _, shard, count in discord_standin.identify_times] == [(1, 2)]


async def test_a_spent_identify_budget_stops_the_start(
    discord_standin: DiscordStandin, ferry_app: App
) -> None:
    discord_standin.config.session_start_total = 1
    bot = ShardedFerryBot(ferry_app, shard_count=2, shard_ids=None, identify_interval=0.05)
    with pytest.raises(AssertionError, match=r"IdentifyBudgetError.*1 more IDENTIFY"):
        async with discord_standin.running(bot):
            pass
    assert discord_standin.identifies == 0


def test_settings_choose_the_bot(ferry_app: App) -> None:
    settings: Settings = ferry_app.settings
    assert type(build_bot(ferry_app)) is not ShardedFerryBot  # unsharded by default
    settings.discord_shard_count = 4
    settings.discord_shard_ids = (2, 3)
    bot = build_bot(ferry_app)
    assert isinstance(bot, ShardedFerryBot) and bot.shard_count == 4 and bot.shard_ids == [2, 3]
    settings.discord_shard_ids = "all"
    bot = build_bot(ferry_app)
    assert isinstance(bot, ShardedFerryBot) and bot.shard_ids is None


def with_announcements(path: Path, channel_id: int) -> FerryConfig:
    text = path.read_text(encoding="utf-8")
    channels = f"[communities.channels]\nannouncements = {channel_id}\n"
    path.write_text(text.replace("[communities.channels]\n", channels), encoding="utf-8")
    return load_config(path)


async def test_an_announcement_reaches_a_channel_on_another_processs_shard(
    discord_standin: DiscordStandin, ferry_app: App, config_file: Path
) -> None:
    world = discord_standin.world
    ferry_app.config.current = with_announcements(config_file, world.announcements.id)
    elsewhere = 1 - discord_standin.shard_of(world.guild, 2)  # the scheduler's process holds the other shard
    bot = sharded(ferry_app, discord_standin, [elsewhere])
    async with discord_standin.running(bot):
        assert bot.get_channel(world.announcements.id) is None  # not in this process's cache
        announcer = DiscordAnnouncer(bot, ledger=ferry_app.repository, clock=utc_now)
        delivery = await announcer.publish(
            Announcement(community="movers", text="We move on Friday.", links=()), key="manual:1"
        )
    assert delivery.ok
    assert [m.content for m in discord_standin.messages(world.announcements)] == ["We move on Friday."]


async def test_a_new_arrival_is_noted_in_a_server_on_another_processs_shard(
    discord_standin: DiscordStandin, ferry_app: App
) -> None:
    world = discord_standin.world
    elsewhere = 1 - discord_standin.shard_of(world.guild, 2)  # e.g. the Bluesky leader's process
    bot = sharded(ferry_app, discord_standin, [elsewhere], arrivals_interval=60.0)
    async with discord_standin.running(bot):
        await ferry_app.directory.register(
            community="movers",
            identity=Identity(IdentityKind.BLUESKY, "did:plc:walkin"),
            display_name="Walk-in",
            platform="bluesky",
            handle="walkin.bsky.social",
            source=Source.BLUESKY,
        )
        await bot.get_cog("Arrivals").flush(world.guild.id)  # type: ignore[union-attr]
    [note] = discord_standin.messages(world.new_arrivals)
    assert "walkin.bsky.social" in note.embeds[0]["description"]

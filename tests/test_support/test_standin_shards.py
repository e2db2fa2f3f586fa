"""The stand-in routes by shard like Discord, serves /gateway/bot, and enforces the identify rules."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.support.discord_standin import DiscordStandin, Guild

pytestmark = pytest.mark.discord_api


class ShardBot(discord.AutoShardedClient):
    """A sharded client with one global command; it records which guilds it heard from."""

    def __init__(self, *, sync: bool = False, identify_wait: float | None = None, **options: Any) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.tree = app_commands.CommandTree(self)
        self.sync = sync
        self.identify_wait = identify_wait
        self.interaction_guilds: list[int] = []

        @self.tree.command(name="where", description="Which shard answers")
        async def where(interaction: discord.Interaction) -> None:
            assert interaction.guild_id is not None
            self.interaction_guilds.append(interaction.guild_id)
            await interaction.response.send_message(f"shard {interaction.guild.shard_id}", ephemeral=True)  # type: ignore[union-attr]

    async def setup_hook(self) -> None:
        if self.sync:
            await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if self.identify_wait is None:
            await super().before_identify_hook(shard_id, initial=initial)
        elif not initial:
            await asyncio.sleep(self.identify_wait)


def add_guilds(standin: DiscordStandin, count: int) -> list[Guild]:
    owner = standin.add_user("owner")
    guilds = []
    for n in range(count):
        guild = standin.add_guild(f"Guild {n}", owner)
        standin.add_channel(guild, "general")
        guilds.append(guild)
    return guilds


def spread(standin: DiscordStandin, guilds: list[Guild], shards: int) -> dict[int, list[int]]:
    by_shard: dict[int, list[int]] = {n: [] for n in range(shards)}
    for guild in guilds:
        by_shard[standin.shard_of(guild, shards)].append(guild.id)
    return by_shard


async def test_two_clients_get_only_their_shards_guilds_and_interactions(
    discord_standin: DiscordStandin,
) -> None:
    # Snowflakes made in one millisecond share their shard, so make guilds until both shards hold some.
    guilds = add_guilds(discord_standin, 6)
    while min(len(ids) for ids in spread(discord_standin, guilds, 2).values()) < 2:
        await asyncio.sleep(0.002)
        guilds += add_guilds(discord_standin, 1)
    by_shard = spread(discord_standin, list(discord_standin.backend.guilds.values()), 2)
    first = ShardBot(sync=True, shard_ids=[0], shard_count=2)
    second = ShardBot(shard_ids=[1], shard_count=2)
    async with discord_standin.running(first), discord_standin.running(second):
        assert sorted(g.id for g in first.guilds) == sorted(by_shard[0])
        assert sorted(g.id for g in second.guilds) == sorted(by_shard[1])
        assert all(g.shard_id == 0 for g in first.guilds) and all(g.shard_id == 1 for g in second.guilds)
        member = discord_standin.add_user("clicker")
        for guild in guilds:
            discord_standin.add_member(guild, member)
            handle = await discord_standin.invoke_slash(guild, member, "where")
            expected = discord_standin.shard_of(guild, 2)
            assert (await handle.response()).content == f"shard {expected}"
            assert handle.shard == (expected, 2)
    asked = {guild.id for guild in guilds}
    assert sorted(first.interaction_guilds) == sorted(asked & set(by_shard[0]))
    assert sorted(second.interaction_guilds) == sorted(asked & set(by_shard[1]))


async def test_an_identify_with_another_shard_count_is_refused_while_a_session_lives(
    discord_standin: DiscordStandin,
) -> None:
    async with discord_standin.running(ShardBot(shard_ids=[0], shard_count=2)):
        async with discord_standin.violations.expect("gateway", match="same shard count") as found:
            with pytest.raises(AssertionError, match="could not connect"):
                async with discord_standin.running(ShardBot(shard_ids=[1], shard_count=3), ready_timeout=5):
                    pass
        assert found[0].code == 4010
    # Once that session has ended, another count is fine (a fleet re-sharded after a full stop).
    async with discord_standin.running(ShardBot(shard_ids=[1], shard_count=3)) as bot:
        assert bot.shard_count == 3


async def test_gateway_bot_recommends_shards_and_the_session_start_limit(
    discord_standin: DiscordStandin,
) -> None:
    discord_standin.config.recommended_shards = 3
    discord_standin.config.max_concurrency = 2
    async with discord_standin.running(ShardBot(identify_wait=0.0)) as bot:
        assert bot.shard_count == 3 and sorted(bot.shards) == [0, 1, 2]
        limits = await bot.fetch_session_start_limits()
    assert (limits.max_concurrency, limits.total, limits.remaining) == (2, 1000, 997)
    assert sorted((shard, count) for _, shard, count in discord_standin.identify_times) == [
        (0, 3),
        (1, 3),
        (2, 3),
    ]


async def test_identifies_in_one_bucket_must_be_spaced(discord_standin: DiscordStandin) -> None:
    discord_standin.config.identify_interval = 0.2
    async with discord_standin.running(ShardBot(shard_count=2, identify_wait=0.25)):
        times = [t for t, _, _ in discord_standin.identify_times]
        assert times[1] - times[0] >= 0.2
    assert not discord_standin.violations.pending
    # Too fast: Discord answers INVALID_SESSION, the client retries, and the test hears about it.
    async with discord_standin.running(ShardBot(shard_count=2, identify_wait=0.0)):
        pass
    refused = discord_standin.violations.take("gateway", match="bucket 0")
    assert refused and "max_concurrency 1" in refused[0].detail


async def test_buckets_of_a_higher_max_concurrency_identify_together(discord_standin: DiscordStandin) -> None:
    discord_standin.config.identify_interval = 5.0
    discord_standin.config.max_concurrency = 2
    async with discord_standin.running(ShardBot(shard_count=2, identify_wait=0.0)):
        pass
    assert [shard for _, shard, _ in discord_standin.identify_times] == [0, 1]

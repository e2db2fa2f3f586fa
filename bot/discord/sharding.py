"""Ferry as one process of a sharded Discord bot: the shards it holds, and when it may IDENTIFY.

Discord sends a guild's events and interactions to the session holding shard
``(guild_id >> 22) % shard_count``; each Ferry process connects the shards of DISCORD_SHARD_IDS, so
it serves exactly its guilds' interactions, and every process registers the same commands and
persistent buttons. IDENTIFY is limited fleet-wide (one per bucket ``shard_id % max_concurrency``
every 5 s, 1,000 a day): the slots are taken in the database every process shares, and a process
that would spend the last of the day's budget stops instead of getting the token reset.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from discord.ext import commands

from bot.app import App
from bot.discord.client import FerryBot

log = logging.getLogger(__name__)

IDENTIFY_INTERVAL_S = 5.0  # Discord: one IDENTIFY per bucket every 5 seconds


class IdentifyBudgetError(Exception):
    """Discord's daily IDENTIFY budget is too low to start these shards without risking the token."""


class ShardedFerryBot(FerryBot, commands.AutoShardedBot):
    """FerryBot on some shards of a sharded connection (``shard_count=None``: Discord's count)."""

    def __init__(
        self,
        app: App,
        *,
        shard_count: int | None,
        shard_ids: Sequence[int] | None,
        identify_interval: float = IDENTIFY_INTERVAL_S,
        **options: Any,
    ) -> None:
        # discord.py wants the count with the ids; with an "auto" count both are set at launch.
        known = shard_count is not None
        super().__init__(
            app,
            shard_count=shard_count,
            shard_ids=list(shard_ids) if known and shard_ids is not None else None,
            **options,
        )
        self.wanted_shard_ids = None if shard_ids is None else tuple(shard_ids)
        self.identify_interval = identify_interval
        self.max_concurrency = 1

    async def launch_shards(self) -> None:
        """Learn the recommended count and the IDENTIFY limits from ``/gateway/bot``, then connect."""
        count, _, limits = await self.http.get_bot_gateway()
        self.max_concurrency = max(1, int(limits.get("max_concurrency", 1)))
        if self.shard_count is None:
            self.shard_count = count
            if self.wanted_shard_ids is not None:
                too_high = [shard for shard in self.wanted_shard_ids if shard >= count]
                if too_high:
                    raise ValueError(
                        f"DISCORD_SHARD_IDS {too_high} are not below Discord's recommended count {count}"
                    )
                self.shard_ids = list(self.wanted_shard_ids)
        shards = len(self.shard_ids or range(self.shard_count))
        remaining = int(limits.get("remaining", shards))
        if remaining < shards:
            hours = int(limits.get("reset_after", 0)) / 3_600_000
            raise IdentifyBudgetError(
                f"Discord allows {remaining} more IDENTIFY calls today and this process needs {shards}; "
                f"the budget resets in {hours:.1f} h (going over resets the bot token)"
            )
        log.info(
            "discord shards launching",
            extra={
                "shard_count": self.shard_count,
                "shard_ids": list(self.shard_ids or range(self.shard_count)),
                "max_concurrency": self.max_concurrency,
                "identify_remaining": remaining,
            },
        )
        await super().launch_shards()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's bucket slot, taken in the database all processes share."""
        bucket = (shard_id or 0) % self.max_concurrency
        # A tenth more than the interval: Discord measures at its end, after our request's travel.
        spacing = self.identify_interval * 1.1
        wait = await self.app.repository.reserve_identify(bucket, interval=spacing)
        if wait > 0:
            log.info("waiting to identify", extra={"shard_id": shard_id, "bucket": bucket, "seconds": wait})
            await asyncio.sleep(wait)

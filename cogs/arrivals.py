"""New-arrival notes: when members register, the community's new-arrivals channel hears about it.

Arrivals come from the directory's change feed, so a sign-up on any front (Discord, Bluesky, the
console, an import) is announced in every Discord server of the community.

Notes are batched: the first registration starts a timer of ``bot.arrivals_interval`` seconds and
everything that arrives meanwhile goes out as one message, so a burst of sign-ups never floods the
channel or the rate limits. Missing a note (a restart mid-interval) is acceptable; spamming is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import discord
from discord.ext import commands

from bot.discord.client import FerryBot
from bot.discord.messages import say
from bot.discord.render import entry_line, lines_block
from bot.models import Entry
from bot.services.events import ChangeKind, DirectoryChange

log = logging.getLogger(__name__)
MAX_LINES = 20  # per note; the rest are counted, not listed
LINE_BUDGET = 4096 // (MAX_LINES + 1) - 1  # so every listed line and the "more" line fit one embed


class Arrivals(commands.Cog):
    """Collects registrations per server and posts one note per interval."""

    def __init__(self, bot: FerryBot) -> None:
        self.bot = bot
        self._pending: dict[int, list[Entry]] = {}
        self._timers: dict[int, asyncio.Task[None]] = {}  # strong references, cancelled on unload
        # Every timer task until it ends, flushing included: a timer leaves ``_timers`` when it wakes (so a
        # new arrival starts the next batch) but must still be cancelled if the cog unloads mid-flush.
        self._running: set[asyncio.Task[None]] = set()
        self._unsubscribe: Callable[[], None] | None = None

    async def cog_load(self) -> None:
        """Listen to the directory's committed changes."""
        self._unsubscribe = self.bot.app.directory.changes.subscribe(self._on_change)

    async def _on_change(self, change: DirectoryChange) -> None:
        if change.kind is not ChangeKind.ENTRY_ADDED or change.entry is None:
            return  # a replaced handle is not an arrival
        # No database read here: this runs before the member's answer is sent, once per sign-up.
        # Whether the member is still shown (not hidden, banned or erased) is checked when the
        # batch is posted, which is also when it matters.
        for guild_id in self._guilds_of(change.community):
            await self.on_ferry_arrival(guild_id, change.entry)

    def _guilds_of(self, slug: str) -> tuple[int, ...]:
        # An unconfigured server's default community ("discord-<id>") names that server too.
        return tuple(self.bot.app.config().community(slug).discord_guild_ids)

    async def cog_unload(self) -> None:
        """Stop the timers; notes still waiting are dropped rather than posted half-way through a close."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        running = list(self._running)
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._timers.clear()

    async def on_ferry_arrival(self, guild_id: int, entry: Entry) -> None:
        """A member registered on a platform for the first time: queue the note for ``guild_id``."""
        if self.bot.community(guild_id).channels.new_arrivals is None:
            return
        self._pending.setdefault(guild_id, []).append(entry)
        if guild_id not in self._timers:
            task = asyncio.create_task(self._later(guild_id), name=f"arrivals:{guild_id}")
            self._timers[guild_id] = task
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _later(self, guild_id: int) -> None:
        try:
            await asyncio.sleep(self.bot.arrivals_interval)
        finally:
            self._timers.pop(guild_id, None)
        await self.flush(guild_id)

    async def flush(self, guild_id: int) -> None:
        """Post what is waiting for ``guild_id`` now, as one message."""
        entries = await self._still_shown(self._pending.pop(guild_id, []))
        channel_id = self.bot.community(guild_id).channels.new_arrivals
        if not entries or channel_id is None:
            return
        channel = await self.bot.channel_anywhere(channel_id)
        # Only a text channel of the same server: a config typo must not post into another server.
        if not isinstance(channel, discord.TextChannel) or channel.guild.id != guild_id:
            log.warning(
                "new-arrivals channel not found", extra={"guild_id": guild_id, "channel_id": channel_id}
            )
            return
        locale = channel.guild.preferred_locale
        catalogue = self.bot.app.config().catalogue
        lines = []
        for entry in entries[:MAX_LINES]:
            lines.append(entry_line(entry, catalogue.display_name(entry.platform), budget=LINE_BUDGET))
        if len(entries) > MAX_LINES:
            lines.append(say(locale, "arrivals.more", count=len(entries) - MAX_LINES))
        embed = discord.Embed(
            title=say(locale, "arrivals.title"), description=lines_block(lines), colour=discord.Colour.teal()
        )
        try:
            await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("could not post new arrivals", exc_info=True, extra={"guild_id": guild_id})

    async def _still_shown(self, queued: list[Entry]) -> list[Entry]:
        """The queued entries as they are now, leaving out what was removed, erased, hidden or banned.

        A note waits up to an interval; whatever happened meanwhile must hold in the channel too.
        """
        repository = self.bot.app.repository
        current: dict[int, dict[int, Entry]] = {}  # member id -> entry id -> entry, for listed members
        shown = []
        for entry in queued:
            if entry.member_id not in current:
                member = await repository.get_member(entry.member_id)
                listed = member is not None and member.listed
                entries = await repository.list_entries(entry.member_id) if listed else []
                current[entry.member_id] = {e.id: e for e in entries}
            now = current[entry.member_id].get(entry.id)
            if now is not None:  # as it reads now: a handle corrected meanwhile shows corrected
                shown.append(self.bot.app.directory.with_link(now))
        return shown


async def setup(bot: FerryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Arrivals(bot))

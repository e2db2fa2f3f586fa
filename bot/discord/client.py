"""The Discord client: Ferry's ``commands.Bot``, its command tree and the one place errors are answered."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Collection
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import App, utc_now
from bot.config import Community
from bot.discord.announcer import DiscordAnnouncer
from bot.discord.checks import NotBotOwner, NotFerryAdmin
from bot.discord.messages import FerryTranslator, error_text, say
from bot.errors import FerryError
from bot.models import Identity, IdentityKind
from bot.services.export_cache import ExportCache

log = logging.getLogger(__name__)

# Loaded in this order by setup_hook; an explicit list so a broken or stray module fails loudly.
EXTENSIONS: tuple[str, ...] = (
    "cogs.handles",
    "cogs.directory",
    "cogs.mydata",
    "cogs.admin",
    "cogs.arrivals",
    "cogs.insights",
)
ARRIVALS_INTERVAL_S = 60.0  # seconds between new-arrival notes; a burst becomes one message
VIEW_TIMEOUT_S = 600.0  # seconds a directory or confirm view stays live; under the 15 min token
# Seconds before a click nobody answered gets "these buttons stopped working": live views answer
# within milliseconds, and Discord gives up after 3 s.
ORPHAN_REPLY_DELAY_S = 2.0


def identity_of(user: discord.abc.User) -> Identity:
    """The stable id of a Discord account in Ferry's model."""
    return Identity(IdentityKind.DISCORD, str(user.id))


def error_id() -> str:
    """A short id to quote in a reply and find in the logs."""
    return uuid.uuid4().hex[:8]


async def reply(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral answer, whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not send an error reply", exc_info=True, extra={"interaction": interaction.id})


async def report_error(interaction: discord.Interaction[Any], error: Exception) -> None:
    """Answer an error: domain errors in specific words, unexpected ones with a logged short id."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    locale = interaction.locale
    command = interaction.command.qualified_name if interaction.command is not None else None
    context = {"command": command, "user_id": interaction.user.id, "guild_id": interaction.guild_id}
    if isinstance(original, FerryError):
        log.info("domain error answered", extra={**context, "error": type(original).__name__})
        text = error_text(locale, original)
    elif isinstance(original, NotFerryAdmin):
        log.warning("admin command refused", extra=context)
        text = say(locale, "error.not_admin")
    elif isinstance(original, NotBotOwner):
        log.warning("owner command refused", extra=context)
        text = say(locale, "error.not_owner")
    elif isinstance(original, app_commands.NoPrivateMessage):
        text = say(locale, "error.guild_only")
    elif isinstance(original, app_commands.CheckFailure):
        log.warning("command check refused", extra={**context, "check": type(original).__name__})
        text = say(locale, "error.check_failed")
    elif isinstance(original, app_commands.TransformerError):
        # An option Discord delivered but discord.py could not turn into its type (a user who left, a
        # stale autocomplete value): say which value, not "something went wrong".
        log.info("option not understood", extra={**context, "type": original.type.name})
        text = say(locale, "error.bad_option", value=str(original.value))
    else:
        eid = error_id()
        log.error("unexpected error", exc_info=original, extra={**context, "error_id": eid})
        text = say(locale, "error.unexpected", error_id=eid)
    await reply(interaction, text)


class FerryTree(app_commands.CommandTree["FerryBot"]):
    """The command tree with Ferry's single error handler."""

    async def on_error(
        self, interaction: discord.Interaction[FerryBot], error: app_commands.AppCommandError
    ) -> None:
        """Map the error to a friendly ephemeral answer (see :func:`report_error`)."""
        await report_error(interaction, error)


class FerryBot(commands.Bot):
    """Ferry on Discord: slash commands only, no privileged intents, nobody pinged unless asked."""

    def __init__(
        self,
        app: App,
        *,
        dev_guild_ids: Collection[int] = (),
        owner_ids: Collection[int] = (),
        arrivals_interval: float = ARRIVALS_INTERVAL_S,
        view_timeout: float = VIEW_TIMEOUT_S,
        orphan_reply_delay: float = ORPHAN_REPLY_DELAY_S,
        **options: Any,
    ) -> None:
        # Interactions carry the member, roles and permissions, so "guilds" (channels and roles in
        # the cache) is all a slash-command bot needs; members/presences/message content are privileged.
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            # commands.Bot needs a prefix; with no message intents no text command ever arrives.
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=FerryTree,
            help_command=None,
            **options,
        )
        # Given to discord.py as owner_ids, these would replace the application's owner (or team);
        # an operator listing a co-maintainer expects to add one, so is_owner checks both.
        self.extra_owner_ids = frozenset(owner_ids)
        self.app = app
        self.dev_guild_ids = tuple(dev_guild_ids)
        self.arrivals_interval = arrivals_interval
        self.view_timeout = view_timeout
        self.orphan_reply_delay = orphan_reply_delay
        self._unregister_announcer: Callable[[], None] | None = None
        # Members' CSV exports, kept per directory version (see bot.services.export_cache).
        self.exports = ExportCache()
        self._unfollow_exports: Callable[[], None] | None = None

    async def is_owner(self, user: discord.abc.User, /) -> bool:
        """The application's owner (or team members), and every id in DISCORD_OWNER_IDS."""
        return user.id in self.extra_owner_ids or await super().is_owner(user)

    async def setup_hook(self) -> None:
        """Load the cogs and, in development only, sync commands to the dev guilds.

        Global sync is never done here: it is a bulk overwrite with a daily create budget, so it
        happens on demand (``ferry sync-commands`` or ``/ferry sync``).
        """
        await self.tree.set_translator(FerryTranslator())
        announcer = DiscordAnnouncer(self, ledger=self.app.repository, clock=utc_now)
        self._unregister_announcer = self.app.announcements.register(announcer)
        self._unfollow_exports = self.exports.listen(self.app.directory.changes)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        for guild_id in self.dev_guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("commands synced to dev guild", extra={"guild_id": guild_id, "commands": len(synced)})

    async def close(self) -> None:
        """Stop announcing through this client before it disconnects."""
        if self._unregister_announcer is not None:
            self._unregister_announcer()
            self._unregister_announcer = None
        if self._unfollow_exports is not None:
            self._unfollow_exports()
            self._unfollow_exports = None
        await super().close()

    async def on_interaction(self, interaction: discord.Interaction[FerryBot]) -> None:
        """Answer a click on a message whose view is gone (the bot restarted since it was sent).

        Views live in memory, so after a restart their buttons reach no callback; without this the
        member would see Discord's bare "This interaction failed".
        """
        if interaction.type is not discord.InteractionType.component:
            return
        await asyncio.sleep(self.orphan_reply_delay)
        if interaction.response.is_done():
            return
        try:
            await interaction.response.send_message(say(interaction.locale, "view.gone"), ephemeral=True)
        except discord.HTTPException:
            log.debug("could not answer a click on an old message", exc_info=True)

    async def channel_anywhere(self, channel_id: int) -> object:
        """A channel from the cache, or over REST when its server is on another process's shard.

        REST reaches every channel from any process, so work that runs in one process only (the
        scheduler, or the process a registration happened in) can post in any server. None when
        the channel does not exist or the bot may not see it.
        """
        cached = self.get_channel(channel_id)
        if cached is not None:
            return cached
        try:
            return await self.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden, discord.InvalidData):
            return None

    def community(self, guild_id: int) -> Community:
        """The community a server belongs to (configured, or a default one)."""
        return self.app.config().community_for_guild(guild_id)

    def community_slug(self, interaction: discord.Interaction[FerryBot]) -> str:
        """The slug of the community a guild-only command was used in."""
        assert interaction.guild_id is not None  # every command that calls this is guild_only
        return self.community(interaction.guild_id).slug

"""The test-side driver: start the stand-in, run the bot, act as Discord users, inspect what it sent."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from . import payloads
from .backend import DIRECT_MESSAGES, GUILD_MESSAGES, StandinConfig
from .components import ComponentActions
from .handles import InteractionHandle
from .interactions import APPLICATION_COMMAND, AUTOCOMPLETE, InteractionRecord
from .invoke import Resolver, StandinUsageError, base_payload, command_data
from .mentions import resolve_pings
from .runner import ClientT, run_bot
from .shards import shard_for
from .state import Channel, Guild, Member, StoredMessage, User
from .violations import ViolationLog
from .world import DefaultWorld

Json = dict[str, Any]
USER_COMMAND, MESSAGE_COMMAND = 2, 3
MESSAGE_CONTENT = 1 << 15


class DiscordStandin(ComponentActions):
    """Start it, build the world, run the bot with ``running(bot)``, then act as users."""

    # -- lifecycle and addresses ------------------------------------------------------------
    async def start(self) -> None:
        await self.server.start()

    async def stop(self) -> None:
        # Interactions still inside their deadline when the test ends are not judged.
        self._cancel_answer_checks()
        await self.server.stop()

    @property
    def config(self) -> StandinConfig:
        return self.backend.config

    @property
    def violations(self) -> ViolationLog:
        return self.backend.violations

    @property
    def api_base(self) -> str:
        return self.server.api_base

    @property
    def gateway_url(self) -> str:
        return self.server.gateway.url

    @property
    def bot_user(self) -> User:
        return self.backend.bot_user

    @property
    def application_id(self) -> int:
        return self.backend.application_id

    @property
    def world(self) -> DefaultWorld:
        if self._world is None:
            self._world = self.build_default_world()
        return self._world

    def running(
        self,
        bot: ClientT,
        *,
        token: str | None = None,
        ready_timeout: float = 10.0,
        guild_ready_timeout: float | None = 0.05,
    ) -> AbstractAsyncContextManager[ClientT]:
        """``async with standin.running(bot):`` logs in, connects, waits for ready, closes after."""
        return run_bot(
            self, bot, token=token, ready_timeout=ready_timeout, guild_ready_timeout=guild_ready_timeout
        )

    # -- what the bot did -------------------------------------------------------------------
    def messages(self, channel: Channel | int) -> list[StoredMessage]:
        """Messages visible in a channel, oldest first (ephemeral ones are on the handles)."""
        return self.backend.channel_messages(channel if isinstance(channel, int) else channel.id)

    def message(self, message_id: int) -> StoredMessage:
        return self.backend.messages[message_id]

    def commands(self, guild: Guild | None = None) -> list[Json]:
        """Synced commands of a guild scope, or the global scope."""
        return self.backend.commands.get(None if guild is None else guild.id)

    def command(self, name: str, guild: Guild | None = None, kind: int = 1) -> Json:
        """A synced command as Discord stored it (guild scope first, then global)."""
        found = self.backend.commands.find(name, None if guild is None else guild.id, kind)
        if found is None:
            where = "globally" if guild is None else f"for {guild.name} or globally"
            raise StandinUsageError(f"command {name!r} (type {kind}) is not synced {where}; call tree.sync()")
        return found

    # -- acting as users ---------------------------------------------------------------------
    def _command_record(
        self,
        kind: int,
        guild: Guild | None,
        user: User | Member,
        command: str,
        options: dict[str, Any],
        *,
        channel: Channel | None,
        locale: str,
        focused: str | None,
        ignore_default_permissions: bool,
    ) -> InteractionRecord:
        user = self._as_user(user)
        channel = channel or self._default_channel(guild, user)
        name, *path = command.split()
        definition = self.command(name, guild)
        payload = base_payload(self.backend, kind, user, guild, channel, locale)
        self._check_visible(definition, guild, payload, ignore_default_permissions)
        resolver = Resolver(self.backend, guild, channel)
        payload["data"], focused_type = command_data(definition, path, options, resolver, focused)
        return self._record(payload, user, channel, command, focused_type=focused_type)

    async def _command(
        self,
        kind: int,
        guild: Guild | None,
        user: User | Member,
        command: str,
        options: dict[str, Any],
        *,
        channel: Channel | None,
        locale: str,
        focused: str | None,
        ignore_default_permissions: bool,
    ) -> InteractionHandle:
        record = self._command_record(
            kind,
            guild,
            user,
            command,
            options,
            channel=channel,
            locale=locale,
            focused=focused,
            ignore_default_permissions=ignore_default_permissions,
        )
        return await self._dispatch(record)

    @staticmethod
    def _check_visible(definition: Json, guild: Guild | None, payload: Json, ignore: bool) -> None:
        contexts = definition.get("contexts")
        context = payload["context"]
        if contexts is not None and context not in contexts:
            raise StandinUsageError(
                f"/{definition['name']} is not available in interaction context {context}"
            )
        required = definition.get("default_member_permissions")
        if guild is None or required is None or ignore:
            return
        granted = int(payload["member"]["permissions"])
        if int(required) & ~granted:
            raise StandinUsageError(
                f"/{definition['name']} is hidden from this member (default_member_permissions={required}); "
                "pass ignore_default_permissions=True to simulate a server's Integrations override"
            )

    async def invoke_slash(
        self,
        guild: Guild | None,
        user: User | Member,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel: Channel | None = None,
        locale: str = "en-US",
        ignore_default_permissions: bool = False,
    ) -> InteractionHandle:
        """Run ``/command [group] [subcommand]`` as ``user``; options by name, typed as Discord would
        send them (``User``/``Member``/``Role``/``Channel`` objects, ``FileOption`` for attachments)."""
        return await self._command(
            APPLICATION_COMMAND,
            guild,
            user,
            command,
            options or {},
            channel=channel,
            locale=locale,
            focused=None,
            ignore_default_permissions=ignore_default_permissions,
        )

    async def invoke_slash_burst(
        self,
        guild: Guild | None,
        command: str,
        invocations: Sequence[tuple[User | Member, dict[str, Any]]],
        *,
        locale: str = "en-US",
    ) -> list[InteractionHandle]:
        """Many users run ``/command`` at the same moment: every payload is built (and checked against
        the synced schema) first, then all are dispatched back to back, each timed from its own
        dispatch (``handle.ack_latency``/``answer_latency``)."""
        records = [
            self._command_record(
                APPLICATION_COMMAND,
                guild,
                user,
                command,
                options,
                channel=None,
                locale=locale,
                focused=None,
                ignore_default_permissions=False,
            )
            for user, options in invocations
        ]
        handles = []
        for record in records:
            record.created_at = asyncio.get_running_loop().time()  # the deadline counts from dispatch
            handles.append(await self._dispatch(record))
        return handles

    async def invoke_autocomplete(
        self,
        guild: Guild | None,
        user: User | Member,
        command: str,
        options: dict[str, Any],
        focused: str,
        *,
        channel: Channel | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Json]:
        """Type into option ``focused`` (its current text is ``options[focused]``); returns the choices."""
        handle = await self._command(
            AUTOCOMPLETE,
            guild,
            user,
            command,
            options,
            channel=channel,
            locale=locale,
            focused=focused,
            ignore_default_permissions=True,
        )
        return await handle.choices(timeout)

    async def invoke_context_menu(
        self,
        guild: Guild | None,
        user: User | Member,
        name: str,
        target: User | Member | StoredMessage,
        *,
        channel: Channel | None = None,
        locale: str = "en-US",
        ignore_default_permissions: bool = False,
    ) -> InteractionHandle:
        """Use a user command (target a user/member) or a message command (target a message)."""
        invoker = self._as_user(user)
        kind = MESSAGE_COMMAND if isinstance(target, StoredMessage) else USER_COMMAND
        if isinstance(target, StoredMessage):
            channel = channel or self.backend.channels[target.channel_id]
        channel = channel or self._default_channel(guild, invoker)
        definition = self.command(name, guild, kind)
        payload = base_payload(self.backend, APPLICATION_COMMAND, invoker, guild, channel, locale)
        self._check_visible(definition, guild, payload, ignore_default_permissions)
        data: Json = {"id": definition["id"], "name": name, "type": kind}
        if "guild_id" in definition:
            data["guild_id"] = definition["guild_id"]
        if isinstance(target, StoredMessage):
            data["target_id"] = str(target.id)
            data["resolved"] = {"messages": {str(target.id): payloads.message(target, self.application_id)}}
        else:
            resolver = Resolver(self.backend, guild, channel)
            data["target_id"] = resolver.user(target)
            data["resolved"] = resolver.resolved
        payload["data"] = data
        return await self._dispatch(self._record(payload, invoker, channel, name))

    async def post_message(self, channel: Channel, user: User | Member, content: str) -> StoredMessage:
        """A user's message. The bot gets MESSAGE_CREATE (with GUILD_MESSAGES/DIRECT_MESSAGES), with
        the content blanked unless it has MESSAGE_CONTENT or is mentioned, as Discord does."""
        author = self._as_user(user)
        message = self.backend.new_message(channel, author)
        message.content = content
        message.pings = resolve_pings(content, None, from_interaction=False)
        session = self.server.gateway.session_for(channel.guild_id)
        if session is None:
            return message
        data = payloads.message(message, self.application_id)
        if not session.intents & MESSAGE_CONTENT and self.bot_user.id not in message.pings.users:
            data.update(content="", embeds=[], attachments=[], components=[])
        guild = self.backend.guilds.get(channel.guild_id or 0)
        member = guild.members.get(author.id) if guild is not None else None
        if member is not None:
            data["member"] = {k: v for k, v in payloads.member(member).items() if k != "user"}
        intent = DIRECT_MESSAGES if guild is None else GUILD_MESSAGES
        await self.server.gateway.send_event(session, "MESSAGE_CREATE", data, intent)
        return message

    # -- faults -------------------------------------------------------------------------------
    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's websocket like a Discord-side fault; discord.py should RESUME."""
        await self.server.gateway.drop(code)

    async def request_reconnect(self) -> None:
        await self.server.gateway.send_op(7)

    async def invalidate_session(self, resumable: bool = False) -> None:
        await self.server.gateway.send_op(9, resumable)

    def inject_rate_limit(
        self, path_pattern: str, retry_after: float = 0.05, *, is_global: bool = False
    ) -> None:
        """Answer the next request whose path matches with a 429 (with ``Via``, so the client retries)."""
        self.server.rate_limits.injected.append((re.compile(path_pattern), retry_after, is_global))

    def shard_of(self, guild: Guild, count: int) -> int:
        """The shard that holds ``guild`` when the bot runs ``count`` shards."""
        return shard_for(guild.id, count)

    @property
    def identify_times(self) -> list[tuple[float, int, int]]:
        """``(monotonic time, shard id, shard count)`` of every accepted IDENTIFY, oldest first."""
        return list(self.server.gateway.identify_log.times)

    @property
    def identifies(self) -> int:
        return self.server.gateway.identifies

    @property
    def resumes(self) -> int:
        return self.server.gateway.resumes

    @property
    def heartbeats(self) -> int:
        return self.server.gateway.heartbeats

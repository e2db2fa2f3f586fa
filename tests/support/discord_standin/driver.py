"""Plumbing shared by the driver's parts: the server, and turning a payload into a dispatched interaction."""

from __future__ import annotations

import asyncio
from typing import Any

from .backend import Backend, StandinConfig
from .handles import InteractionHandle
from .interactions import InteractionRecord
from .invoke import StandinUsageError
from .server import StandinServer
from .state import Channel, Guild, Member, User
from .violations import Violation
from .world import GUILD_TEXT, DefaultWorld, WorldBuilder

Json = dict[str, Any]


class DriverCore(WorldBuilder):
    def __init__(self, config: StandinConfig | None = None) -> None:
        self.server = StandinServer(config)
        self.backend: Backend = self.server.backend
        self._world: DefaultWorld | None = None
        self._answer_checks: list[asyncio.TimerHandle] = []

    def _default_channel(self, guild: Guild | None, user: User) -> Channel:
        if guild is None:
            return self.dm_channel(user)
        text = [c for c in guild.channels.values() if c.type == GUILD_TEXT]
        if not text:
            raise StandinUsageError(f"{guild.name} has no text channel to invoke from")
        return text[0]

    async def _dispatch(self, record: InteractionRecord) -> InteractionHandle:
        guild_id = record.payload.get("guild_id")
        session = self.server.gateway.session_for(None if guild_id is None else int(guild_id))
        if session is None:
            if self.server.gateway.current is None:
                raise StandinUsageError("the bot has no gateway session; run it with standin.running(bot)")
            raise StandinUsageError(f"no live gateway session holds the shard of guild {guild_id}")
        record.shard = session.shard
        self.server.interactions.add(record)
        origin = self.backend.messages.get(record.component_message_id or 0)
        if origin is not None:
            record.component_versions = len(origin.versions)
        await self.server.gateway.dispatch("INTERACTION_CREATE", record.payload)
        if self.backend.config.require_response:
            loop = asyncio.get_running_loop()
            deadline = self.backend.config.response_deadline
            self._answer_checks.append(loop.call_later(deadline + 0.05, self._check_answered, record))
        return InteractionHandle(self.backend, record)

    def _check_answered(self, record: InteractionRecord) -> None:
        # Silence is a bug too: the user sees "The application did not respond".
        if record.response_type is None and not record.refusals:
            detail = (
                f"interaction {record.name!r} (type {record.type}) got no initial response within "
                f"{self.backend.config.response_deadline}s; the user sees 'The application did not respond'"
            )
            record.silence = Violation("unanswered", detail, code=10062)
            self.backend.violations.record(record.silence)

    def _cancel_answer_checks(self) -> None:
        for handle in self._answer_checks:
            handle.cancel()
        self._answer_checks.clear()

    def _record(
        self, payload: Json, user: User, channel: Channel, name: str, **extra: Any
    ) -> InteractionRecord:
        return InteractionRecord(
            int(payload["id"]),
            payload["token"],
            payload["type"],
            channel,
            user,
            payload,
            asyncio.get_running_loop().time(),
            name=name,
            **extra,
        )

    @staticmethod
    def _as_user(user: User | Member) -> User:
        return user.user if isinstance(user, Member) else user

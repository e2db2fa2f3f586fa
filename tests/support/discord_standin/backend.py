"""Shared server-side state and the helpers every route uses: refusals, messages, attachments.

The REST routes, the interaction routes and the gateway all work on one ``Backend``; the driver
(client.py) is the only thing tests touch.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import payloads
from .limits import Context, check_message
from .mentions import EPHEMERAL, LOADING, MentionPolicy, resolve_pings
from .state import Channel, CommandScopes, Guild, Snowflakes, StoredAttachment, StoredMessage, User, now_iso
from .violations import Violation, ViolationLog

Json = dict[str, Any]
GUILD_MESSAGES, DIRECT_MESSAGES = 1 << 9, 1 << 12


@dataclass
class StandinConfig:
    """Knobs a test may turn before or while the bot runs."""

    token: str = field(default_factory=lambda: "standin." + secrets.token_urlsafe(24))
    response_deadline: float = 3.0  # seconds from dispatch to the initial interaction response
    require_response: bool = True  # an interaction left unanswered past the deadline is a violation
    token_lifetime: float = 15 * 60.0  # follow-ups and edits of an interaction
    heartbeat_interval_ms: int = 41_250
    # Privileged intents switched on "in the developer portal" (bits of Intents.value).
    privileged_intents: int = 0
    attachment_size_limit: int = 10 * 1024 * 1024
    rate_limit: int = 50  # requests per route bucket and window; generous but real headers
    rate_limit_window: float = 1.0
    gateway_sends_per_minute: int = 120
    # What GET /gateway/bot recommends, and how IDENTIFY is paced: one per bucket
    # (shard_id % max_concurrency) every identify_interval seconds (Discord: 5 s; 0 = not checked).
    recommended_shards: int = 1
    max_concurrency: int = 1
    identify_interval: float = 0.0
    session_start_total: int = 1000
    mentions: MentionPolicy = field(default_factory=MentionPolicy)


class Refusal(Exception):  # noqa: N818 - a response, not a failure of the stand-in
    """Raised by a route to answer like Discord would; the middleware records it as a violation."""

    def __init__(self, kind: str, problems: list[str], *, status: int = 400, code: int = 50035) -> None:
        super().__init__("; ".join(problems))
        self.kind, self.problems, self.status, self.code = kind, problems, status, code

    def body(self) -> Json:
        message = {
            50035: "Invalid Form Body",
            10062: "Unknown interaction",
            40060: "Interaction has already been acknowledged.",
            50027: "Invalid Webhook Token",
            50013: "Missing Permissions",
            50006: "Cannot send an empty message",
            40005: "Request entity too large",
        }.get(self.code, self.problems[0] if self.problems else "error")
        errors = {"standin": {"_errors": [{"code": "STANDIN", "message": p} for p in self.problems]}}
        return {"code": self.code, "message": message, "errors": errors}


@dataclass
class Upload:
    """One ``files[n]`` part of a multipart request."""

    index: int
    filename: str
    data: bytes
    content_type: str


Dispatcher = Callable[[str, Json, int | None], Awaitable[None]]


class Backend:
    def __init__(self, config: StandinConfig) -> None:
        self.config = config
        self.ids = Snowflakes()
        self.violations = ViolationLog()
        self.base_url = ""  # http://127.0.0.1:<port>, set once the server listens
        self.application_id = self.ids.next()
        self.bot_user = User(self.ids.next(), "ferry-standin-bot", bot=True)
        self.app_owner = User(self.ids.next(), "standin-app-owner")
        self.users: dict[int, User] = {u.id: u for u in (self.bot_user, self.app_owner)}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.commands = CommandScopes()
        self.cdn: dict[str, StoredAttachment] = {}
        self.dispatch: Dispatcher | None = None  # set by the gateway hub
        self.identifies: Callable[[], int] = lambda: 0  # set by the gateway hub

    # -- refusals -------------------------------------------------------------------------
    def note(self, request: web.Request | None, kind: str, detail: str, code: int = 0) -> None:
        """Record a violation without refusing (Discord accepts it but the outcome is wrong)."""
        method, path = (request.method, request.path) if request is not None else ("", "")
        self.violations.record(Violation(kind, detail, method, path, code))

    # -- lookups --------------------------------------------------------------------------
    def channel(self, channel_id: int) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise Refusal("unknown", [f"unknown channel {channel_id}"], status=404, code=10003) from None

    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise Refusal("unknown", [f"unknown guild {guild_id}"], status=404, code=10004) from None

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with ``user``, opened on first use."""
        for channel in self.channels.values():
            if channel.type == 1 and user in channel.recipients:
                return channel
        channel = Channel(self.ids.next(), "", None, type=1, recipients=[user])
        self.channels[channel.id] = channel
        return channel

    def message(self, channel_id: int, message_id: int) -> StoredMessage:
        found = self.messages.get(message_id)
        if found is None or found.channel_id != channel_id or found.deleted:
            raise Refusal("unknown", [f"unknown message {message_id}"], status=404, code=10008)
        return found

    def channel_messages(self, channel_id: int) -> list[StoredMessage]:
        """Visible messages, oldest first: ephemeral ones exist only for the invoking user."""
        return [
            m
            for m in self.messages.values()
            if m.channel_id == channel_id and not m.deleted and not m.ephemeral
        ]

    # -- messages -------------------------------------------------------------------------
    def validate(
        self, data: Json, context: Context, uploads: list[Upload], *, ephemeral: bool = False
    ) -> None:
        problems = check_message(data, context, files=len(uploads), ephemeral_original=ephemeral)
        if len(uploads) > 10:
            problems.append(f"{len(uploads)} files, the limit is 10 per message")
        size = sum(len(u.data) for u in uploads)
        if size > self.config.attachment_size_limit:
            raise Refusal(
                "limit",
                [f"uploads total {size} bytes, over {self.config.attachment_size_limit}"],
                status=413,
                code=40005,
            )
        if problems:
            only_empty = len(problems) == 1 and "empty message" in problems[0]
            raise Refusal("limit", problems, code=50006 if only_empty else 50035)

    def check_mentions(self, data: Json) -> None:
        problems = self.config.mentions.check(data.get("allowed_mentions"))
        if problems:
            raise Refusal("mentions", problems)

    def store_upload(self, channel_id: int, upload: Upload, description: str | None) -> StoredAttachment:
        attachment_id = self.ids.next()
        path = f"/cdn/attachments/{channel_id}/{attachment_id}/{upload.filename}"
        stored = StoredAttachment(
            attachment_id,
            upload.filename,
            upload.data,
            self.base_url + path,
            upload.content_type,
            description,
        )
        self.cdn[path] = stored
        return stored

    def _attachments(
        self, message: StoredMessage, data: Json, uploads: list[Upload]
    ) -> list[StoredAttachment]:
        """Resolve the ``attachments`` array: new files by upload index, kept ones by snowflake."""
        by_index = {u.index: u for u in uploads}
        if "attachments" not in data:
            kept = message.attachments
            return kept + [self.store_upload(message.channel_id, u, None) for u in uploads]
        result: list[StoredAttachment] = []
        existing = {a.id: a for a in message.attachments}
        for entry in data["attachments"] or []:
            ref = int(entry["id"])
            if ref in by_index:
                result.append(self.store_upload(message.channel_id, by_index[ref], entry.get("description")))
            elif ref in existing:
                result.append(existing[ref])
        return result

    def apply(
        self, message: StoredMessage, data: Json, uploads: list[Upload], *, from_interaction: bool, edit: bool
    ) -> None:
        """Write a create or edit body onto a message, remembering the previous version on edits."""
        if edit:
            message.versions.append(payloads.message(message, self.application_id))
            # Filling in a deferred ("thinking") message is not shown as an edit.
            message.edited_timestamp = None if message.loading else now_iso()
        if "content" in data:
            message.content = data["content"] or ""
        if "embeds" in data:
            message.embeds = data["embeds"] or []
        if "components" in data:
            message.components = data["components"] or []
        if data.get("flags") is not None:
            # EPHEMERAL is fixed when a message is created; an edit cannot toggle it.
            message.flags = (message.flags & EPHEMERAL) | (
                int(data["flags"]) & ~EPHEMERAL if edit else int(data["flags"])
            )
        message.flags &= ~LOADING
        message.attachments = self._attachments(message, data, uploads)
        if "allowed_mentions" in data:
            message.allowed_mentions = data["allowed_mentions"]
        message.pings = resolve_pings(
            message.content, message.allowed_mentions, from_interaction=from_interaction
        )

    def new_message(self, channel: Channel, author: User, *, flags: int = 0, **extra: Any) -> StoredMessage:
        message = StoredMessage(self.ids.next(), channel.id, channel.guild_id, author, flags=flags, **extra)
        self.messages[message.id] = message
        return message

    async def announce(self, event: str, message: StoredMessage) -> None:
        """MESSAGE_CREATE/UPDATE/DELETE to the bot, as Discord echoes the bot's own messages."""
        if self.dispatch is None or message.ephemeral:
            return
        intent = GUILD_MESSAGES if message.guild_id is not None else DIRECT_MESSAGES
        if event == "MESSAGE_DELETE":
            data: Json = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
        else:
            data = payloads.message(message, self.application_id)
        await self.dispatch(event, data, intent)

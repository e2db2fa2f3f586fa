"""The stand-in's world: users, guilds with roles, channels and members, messages and commands.

Plain dataclasses that tests may read (and build with ``DiscordStandin.add_*``); payloads.py turns
them into the JSON shapes discord.py parses.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .limits import walk_components
from .mentions import EPHEMERAL, LOADING, Pings

DISCORD_EPOCH_MS = 1_420_070_400_000
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
ALL_PERMISSIONS = (1 << 51) - 1
# What a new server grants @everyone: see, talk, embed, attach, read history, use commands.
DEFAULT_EVERYONE = (
    ((1 << 0) | (1 << 6) | VIEW_CHANNEL | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 18))
    | (1 << 26)
    | (1 << 31)
    | (1 << 38)
)

Json = dict[str, Any]


class Snowflakes:
    """Real-looking snowflakes, so ``created_at`` and ordering by id behave like Discord's."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None
    locale: str = "en-US"

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    mentionable: bool = False


@dataclass
class Overwrite:
    """A channel permission overwrite; ``type`` 0 targets a role, 1 a member."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


@dataclass
class Channel:
    id: int
    name: str
    guild_id: int | None
    type: int = 0
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[User] = field(default_factory=list)


@dataclass
class Member:
    user: User
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=now_iso)


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    preferred_locale: str = "en-US"

    def base_permissions(self, member: Member) -> int:
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        permissions = self.roles[self.id].permissions
        for role_id in member.roles:
            permissions |= self.roles[role_id].permissions
        return ALL_PERMISSIONS if permissions & ADMINISTRATOR else permissions

    def permissions_in(self, member: Member, channel: Channel | None) -> int:
        """Discord's algorithm: base, then @everyone, role and member overwrites in that order."""
        permissions = self.base_permissions(member)
        if permissions == ALL_PERMISSIONS or channel is None:
            return permissions
        overwrites = {(o.type, o.id): o for o in channel.overwrites}
        everyone = overwrites.get((0, self.id))
        if everyone is not None:
            permissions = (permissions & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            role_overwrite = overwrites.get((0, role_id))
            if role_overwrite is not None:
                allow, deny = allow | role_overwrite.allow, deny | role_overwrite.deny
        permissions = (permissions & ~deny) | allow
        own = overwrites.get((1, member.user.id))
        if own is not None:
            permissions = (permissions & ~own.deny) | own.allow
        return permissions


@dataclass
class StoredAttachment:
    id: int
    filename: str
    data: bytes
    url: str
    content_type: str = "application/octet-stream"
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class StoredMessage:
    """A message as it stands now; ``versions`` keeps every earlier body for assertions on edits."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    flags: int = 0
    attachments: list[StoredAttachment] = field(default_factory=list)
    allowed_mentions: Json | None = None
    pings: Pings = field(default_factory=Pings)
    type: int = 0
    interaction_id: int | None = None
    # {id, type, name, user}: who ran which command, shown by Discord above a response.
    interaction: Json | None = None
    webhook_id: int | None = None
    timestamp: str = field(default_factory=now_iso)
    edited_timestamp: str | None = None
    deleted: bool = False
    versions: list[Json] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred ("thinking") response that has not been filled in yet."""
        return bool(self.flags & LOADING)

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in walk_components(self.components) if "custom_id" in c]

    def find_component(self, custom_id: str) -> Json | None:
        return next((c for c in walk_components(self.components) if c.get("custom_id") == custom_id), None)


@dataclass
class CommandScopes:
    """Synced application commands: ``None`` is the global scope, otherwise a guild id."""

    scopes: dict[int | None, list[Json]] = field(default_factory=dict)
    creates: int = 0

    def get(self, guild_id: int | None) -> list[Json]:
        return self.scopes.get(guild_id, [])

    def find(self, name: str, guild_id: int | None, kind: int = 1) -> Json | None:
        """Guild commands shadow global ones, as in the client."""
        for scope in ([guild_id] if guild_id is not None else []) + [None]:
            for command in self.scopes.get(scope, []):
                if command["name"] == name and command.get("type", 1) == kind:
                    return command
        return None

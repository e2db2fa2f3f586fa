"""Building the guilds, users, roles and channels a test needs (before or while the bot runs)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import payloads
from .backend import Backend
from .state import DEFAULT_EVERYONE, MANAGE_GUILD, Channel, Guild, Member, Overwrite, Role, User

GUILD_MEMBERS = 1 << 1
GUILD_TEXT, GUILD_CATEGORY = 0, 4


@dataclass(frozen=True)
class DefaultWorld:
    """The fixture's guild: an owner, an admin (Manage Server), a plain member and Ferry's channels."""

    guild: Guild
    owner: User
    admin: User
    member: User
    admin_role: Role
    bot_role: Role
    general: Channel
    announcements: Channel
    new_arrivals: Channel


class WorldBuilder:
    backend: Backend

    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False, locale: str = "en-US"
    ) -> User:
        user = User(self.backend.ids.next(), username, global_name=global_name, bot=bot, locale=locale)
        self.backend.users[user.id] = user
        return user

    def add_guild(
        self, name: str, owner: User, *, locale: str = "en-US", bot_permissions: int = DEFAULT_EVERYONE
    ) -> Guild:
        """A guild with @everyone (default permissions), the owner and the bot with its managed role.
        Add guilds before the bot connects: they arrive in READY/GUILD_CREATE."""
        guild_id = self.backend.ids.next()
        guild = Guild(guild_id, name, owner.id, preferred_locale=locale)
        guild.roles[guild_id] = Role(guild_id, "@everyone", DEFAULT_EVERYONE, 0)
        bot_role = Role(
            self.backend.ids.next(), self.backend.bot_user.username, bot_permissions, 1, managed=True
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(owner)
        guild.members[self.backend.bot_user.id] = Member(self.backend.bot_user, [bot_role.id])
        self.backend.guilds[guild_id] = guild
        return guild

    def add_role(
        self,
        guild: Guild,
        name: str,
        permissions: int = 0,
        *,
        position: int | None = None,
        mentionable: bool = False,
    ) -> Role:
        if position is None:
            position = max(r.position for r in guild.roles.values()) + 1
        role = Role(self.backend.ids.next(), name, permissions, position, mentionable=mentionable)
        guild.roles[role.id] = role
        return role

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        topic: str | None = None,
        overwrites: Iterable[Overwrite] = (),
        parent: Channel | None = None,
    ) -> Channel:
        channel = Channel(
            self.backend.ids.next(),
            name,
            guild.id,
            type=type,
            position=len(guild.channels),
            topic=topic,
            parent_id=None if parent is None else parent.id,
            overwrites=list(overwrites),
        )
        guild.channels[channel.id] = channel
        self.backend.channels[channel.id] = channel
        return channel

    def add_member(self, guild: Guild, user: User, roles: Iterable[Role] = ()) -> Member:
        """Silently add a member (use ``member_join`` once the bot runs, to dispatch the event)."""
        member = Member(user, [r.id for r in roles])
        guild.members[user.id] = member
        return member

    def dm_channel(self, user: User) -> Channel:
        return self.backend.dm_channel(user)

    async def member_join(self, guild: Guild, user: User, roles: Iterable[Role] = ()) -> Member:
        member = self.add_member(guild, user, roles)
        if self.backend.dispatch is not None:
            data = payloads.member(member) | {"guild_id": str(guild.id)}
            await self.backend.dispatch("GUILD_MEMBER_ADD", data, GUILD_MEMBERS)
        return member

    async def member_leave(self, guild: Guild, user: User) -> None:
        guild.members.pop(user.id, None)
        if self.backend.dispatch is not None:
            data = {"guild_id": str(guild.id), "user": payloads.user(user)}
            await self.backend.dispatch("GUILD_MEMBER_REMOVE", data, GUILD_MEMBERS)

    def build_default_world(self) -> DefaultWorld:
        owner = self.add_user("guild-owner", global_name="Guild Owner")
        admin = self.add_user("guild-admin", global_name="Guild Admin")
        member = self.add_user("plain-member", global_name="Plain Member")
        guild = self.add_guild("Ferry Test Guild", owner)
        bot_role = next(r for r in guild.roles.values() if r.managed)
        admin_role = self.add_role(guild, "Admin", MANAGE_GUILD)
        self.add_member(guild, admin, [admin_role])
        self.add_member(guild, member)
        return DefaultWorld(
            guild=guild,
            owner=owner,
            admin=admin,
            member=member,
            admin_role=admin_role,
            bot_role=bot_role,
            general=self.add_channel(guild, "general"),
            announcements=self.add_channel(guild, "announcements"),
            new_arrivals=self.add_channel(guild, "new-arrivals"),
        )

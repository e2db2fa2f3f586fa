"""Run-time permission checks for the admin commands.

``default_permissions`` only hides a command by default: a server's admins can widen it in
Integrations settings, and Discord ignores it on subcommands. So every admin command also checks,
at run time, that the member has Manage Server or one of the community's configured admin roles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.discord.client import FerryBot

T = TypeVar("T")


class NotFerryAdmin(app_commands.CheckFailure):
    """The member is neither a configured admin nor has Manage Server."""


class NotBotOwner(app_commands.CheckFailure):
    """Only the bot's owner may do this."""


def is_ferry_admin(interaction: discord.Interaction[FerryBot]) -> bool:
    """Manage Server (or the server owner), or a role listed in the community's ``admin_role_ids``."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    if interaction.guild.owner_id == member.id or member.guild_permissions.manage_guild:
        return True
    if interaction.permissions.manage_guild:
        return True
    community = interaction.client.app.config().community_for_guild(interaction.guild.id)
    admin_roles = set(community.admin_role_ids)
    return any(role.id in admin_roles for role in member.roles)


async def _admin_predicate(interaction: discord.Interaction[FerryBot]) -> bool:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage
    if not is_ferry_admin(interaction):
        raise NotFerryAdmin
    return True


async def _owner_predicate(interaction: discord.Interaction[FerryBot]) -> bool:
    if not await interaction.client.is_owner(interaction.user):
        raise NotBotOwner
    return True


def ferry_admin() -> Callable[[T], T]:
    """Decorator: the command runs only for Ferry admins of this server."""
    return app_commands.check(_admin_predicate)


def bot_owner() -> Callable[[T], T]:
    """Decorator: the command runs only for the bot's owner(s)."""
    return app_commands.check(_owner_predicate)

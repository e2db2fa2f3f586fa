"""A local stand-in for Discord's REST API and gateway that the unmodified discord.py client talks to.

Typical use (see tests/support/discord.py for the fixtures)::

    async with discord_standin.running(bot):
        handle = await discord_standin.invoke_slash(world.guild, world.member, "handle add", {"handle": "x"})
        response = await handle.response()
        assert response.ephemeral
"""

from .backend import StandinConfig
from .client import DiscordStandin
from .guard import BlockedConnectionError, LoopbackGuard, install_loopback_guard, loopback_guard
from .handles import InteractionHandle, Response
from .invoke import FileOption, StandinUsageError
from .mentions import MentionPolicy, Pings
from .runner import NonLoopbackRequestError, redirect_discord, run_bot
from .state import Channel, Guild, Member, Overwrite, Role, StoredAttachment, StoredMessage, User
from .violations import Violation, ViolationLog
from .world import DefaultWorld

__all__ = [
    "BlockedConnectionError",
    "Channel",
    "DefaultWorld",
    "DiscordStandin",
    "FileOption",
    "Guild",
    "InteractionHandle",
    "LoopbackGuard",
    "Member",
    "MentionPolicy",
    "NonLoopbackRequestError",
    "Overwrite",
    "Pings",
    "Response",
    "Role",
    "StandinConfig",
    "StandinUsageError",
    "StoredAttachment",
    "StoredMessage",
    "User",
    "Violation",
    "ViolationLog",
    "install_loopback_guard",
    "loopback_guard",
    "redirect_discord",
    "run_bot",
]

"""/ferry …: the community's admins moderate the directory and manage the bot.

Hidden from members by ``default_permissions(manage_guild=True)`` on the group, and checked again
at run time (``ferry_admin``) on every command, because server owners can widen who sees a command.
The commands live in one mixin per concern; discord.py collects app commands along the whole MRO,
so they all land in this one ``/ferry`` group.
"""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.discord.client import FerryBot
from cogs.admin_announce import AnnounceCommands
from cogs.admin_config import ConfigCommands
from cogs.admin_data import DataCommands
from cogs.admin_moderation import ModerationCommands
from cogs.admin_schedule import ScheduleCommands


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(
    ModerationCommands,
    DataCommands,
    ConfigCommands,
    ScheduleCommands,
    AnnounceCommands,
    commands.GroupCog,
    group_name="ferry",
    group_description="Ferry admin tools",
):
    """Moderation, bulk import and export, statistics, the audit log and configuration."""

    def __init__(self, bot: FerryBot) -> None:
        self.bot = bot
        super().__init__()


async def setup(bot: FerryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Admin(bot))

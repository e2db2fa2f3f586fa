"""/ferry reload | sync: the config files and the command list.

A mixin of the ``Admin`` group cog (``cogs.admin``).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from discord import app_commands
from discord.ext import commands

from bot.config import ConfigError, load_config
from bot.discord.admin import Interaction, lines_reply, log_action
from bot.discord.checks import bot_owner, ferry_admin
from bot.discord.client import FerryBot
from bot.discord.messages import Raw, say
from bot.discord.render import clean


class ConfigCommands(commands.Cog):
    """Re-reading the config, and publishing slash commands."""

    bot: FerryBot

    @app_commands.command(name="reload", description="Re-read the config files and report any problem")
    @ferry_admin()
    async def reload(self, interaction: Interaction) -> None:
        """Re-read the config files; a config with problems is reported and not applied."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = interaction.locale
        path = self.bot.app.settings.config_path
        try:
            config = await asyncio.to_thread(load_config, path)
        except ConfigError as exc:
            log_action(interaction, "reload", ok=False, problems=len(exc.problems))
            problems = [str(problem) for problem in exc.problems]
            lines = [say(locale, "reload.failed", count=len(problems)), *(clean(p, 1000) for p in problems)]
            embeds, files = lines_reply("ferry reload", lines, "config-problems.txt", problems)
            await interaction.followup.send(embeds=embeds, files=files, ephemeral=True)
            return
        self.bot.app.config.current = config
        log_action(interaction, "reload", ok=True)
        text = say(locale, "reload.ok", files=len(config.source_files), communities=len(config.communities))
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="sync", description="Owner only: publish slash commands to Discord")
    @bot_owner()
    async def sync(self, interaction: Interaction, scope: Literal["global", "guild"] = "guild") -> None:
        """Push the command list to Discord, globally or to this server only."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        tree = self.bot.tree
        if scope == "guild" and interaction.guild is not None:
            tree.copy_global_to(guild=interaction.guild)
            synced = await tree.sync(guild=interaction.guild)
        else:
            synced = await tree.sync()
        log_action(interaction, "sync", scope=scope, commands=len(synced))
        where = say(interaction.locale, f"sync.{scope}")
        await interaction.followup.send(
            say(interaction.locale, "sync.done", count=len(synced), scope=Raw(where)), ephemeral=True
        )

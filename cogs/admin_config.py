"""/ferry reload | sync: the config files and the command list.

A mixin of the ``Admin`` group cog (``cogs.admin``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.config.reload import ReloadOutcome, ReloadTrigger
from bot.discord.admin import Interaction, lines_reply, log_action
from bot.discord.checks import bot_owner, ferry_admin
from bot.discord.client import FerryBot
from bot.discord.messages import Raw, say
from bot.discord.render import CONTENT_LIMIT, clean, lines_block

NAMES_SHOWN = 900  # characters of slugs or key names per line; the log has all of them


class ConfigCommands(commands.Cog):
    """Re-reading the config, and publishing slash commands."""

    bot: FerryBot

    @app_commands.command(name="reload", description="Re-read the config files and report any problem")
    @ferry_admin()
    async def reload(self, interaction: Interaction) -> None:
        """Re-read the config files; a config with problems is reported and not applied."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        reloader = self.bot.app.reloader
        earlier = reloader.last_automatic_failure  # read first: a reload that applies clears it
        outcome = await reloader.reload(ReloadTrigger.COMMAND)
        log_action(interaction, "reload", ok=outcome.ok, problems=len(outcome.problems))
        lines = reload_lines(interaction.locale, outcome, earlier, reloader.applied)
        if outcome.ok:
            await interaction.followup.send(lines_block(lines, CONTENT_LIMIT), ephemeral=True)
            return
        problems = [str(problem) for problem in outcome.problems]
        embeds, files = lines_reply("ferry reload", lines, "config-problems.txt", problems)
        await interaction.followup.send(embeds=embeds, files=files, ephemeral=True)

    @app_commands.command(name="sync", description="Owner only: publish slash commands to Discord")
    @app_commands.describe(scope="guild: this server only, at once; global: every server")
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


def reload_lines(
    locale: discord.Locale, outcome: ReloadOutcome, earlier: ReloadOutcome | None, applied: ReloadOutcome
) -> list[str]:
    """What a reload did, what an earlier automatic one found, and what still needs a restart."""
    lines: list[str] = []
    if outcome.ok:
        changes = outcome.changes
        lines.append(say(locale, "reload.ok", files=len(outcome.files), communities=outcome.communities))
        for key, names in (
            ("reload.added", changes.added),
            ("reload.removed", changes.removed),
            ("reload.keys", changes.keys),
            ("reload.restart", changes.needs_restart),
        ):
            if names:
                lines.append(say(locale, key, names=Raw(clean(", ".join(names), NAMES_SHOWN))))
        if not changes:
            lines.append(say(locale, "reload.same"))
    else:
        lines.append(say(locale, "reload.failed", count=len(outcome.problems)))
        lines.append(say(locale, "reload.in_force", when=Raw(_when(applied.at))))
    if earlier is not None:
        when = Raw(_when(earlier.at))
        key = f"reload.auto_failed.{earlier.trigger.value}"
        lines.append(say(locale, key, when=when, count=len(earlier.problems)))
    if not outcome.ok:
        lines.extend(clean(str(problem), 1000) for problem in outcome.problems)
    return lines


def _when(moment: datetime) -> str:
    return f"{discord.utils.format_dt(moment, 'f')} ({discord.utils.format_dt(moment, 'R')})"

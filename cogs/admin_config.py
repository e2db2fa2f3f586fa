"""/ferry reload | sync: the config files and the command list.

A mixin of the ``Admin`` group cog (``cogs.admin``).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.config.fleet import ProcessReload
from bot.config.problems import ConfigProblem
from bot.config.reload import ConfigChanges, ReloadOutcome, ReloadTrigger
from bot.discord.admin import Interaction, lines_reply, log_action
from bot.discord.checks import bot_owner, ferry_admin
from bot.discord.client import FerryBot
from bot.discord.messages import Raw, say
from bot.discord.render import clean

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
        fleet = reloader.fleet
        others: list[ProcessReload] | None = None
        if fleet is None:
            outcome = await reloader.reload(ReloadTrigger.COMMAND)
        else:  # every process on the database reloads, and says how it went
            outcome, others = await fleet.reload_everywhere(ReloadTrigger.COMMAND)
        log_action(interaction, "reload", ok=outcome.ok, problems=len(outcome.problems))
        audience = None
        if not await self.bot.is_owner(interaction.user):
            # The config is global, but one server's admins only need (and may only see) their own part.
            directory = reloader.path if reloader.path.is_dir() else reloader.path.parent
            audience = Audience(self.bot.community_slug(interaction), directory)
        locale = interaction.locale
        lines = reload_lines(locale, outcome, earlier, reloader.applied, audience)
        if fleet is not None and others is not None:
            lines[:0] = fleet_lines(locale, fleet.name, outcome, others)
        if outcome.ok:  # the file, should the report not fit, has every name in full
            raw = reload_lines(locale, outcome, earlier, reloader.applied, audience, names_shown=None)
        else:
            raw = [str(problem) for problem in shown_problems(outcome, audience)]
        embeds, files = lines_reply(
            "ferry reload", lines, "config-reload.txt", raw, locale=locale, more_key="reload.more"
        )
        await interaction.followup.send(embeds=embeds, files=files, ephemeral=True)

    @app_commands.command(name="sync", description="Owner only: publish slash commands to Discord")
    @app_commands.describe(
        scope="guild: this server only, at once; global: every server; clear: remove this server's copy"
    )
    @bot_owner()
    async def sync(
        self, interaction: Interaction, scope: Literal["global", "guild", "clear"] = "guild"
    ) -> None:
        """Push the command list to Discord, globally or to this server only, or remove this server's
        copy (after a global sync, a server that also has one shows every command twice)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        tree = self.bot.tree
        guild = interaction.guild
        assert guild is not None  # the /ferry group is guild_only
        if scope == "global":
            synced = await tree.sync()
        else:
            if scope == "clear":
                tree.clear_commands(guild=guild)
            else:
                tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
        log_action(interaction, "sync", scope=scope, commands=len(synced))
        if scope == "clear":
            text = say(interaction.locale, "sync.cleared")
        else:
            where = say(interaction.locale, f"sync.{scope}")
            text = say(interaction.locale, "sync.done", count=len(synced), scope=Raw(where))
        await interaction.followup.send(text, ephemeral=True)


@dataclass(frozen=True, slots=True)
class Audience:
    """A community's admin: sees that community's part and the global sections, paths within the config."""

    community: str
    config_dir: Path

    def concerns(self, key_path: str) -> bool:
        """Whether a key (``communities[demo].links``, ``web.port``, "" for a whole file) is theirs."""
        if not key_path.startswith("communities"):
            return True
        return key_path.startswith(f"communities[{self.community}]")

    def problems(self, problems: tuple[ConfigProblem, ...]) -> list[ConfigProblem]:
        # A message may name the other place of a duplicate ("already set at <file>:<key>").
        prefix = f"{self.config_dir}{os.sep}"
        return [
            dataclasses.replace(
                problem,
                file=self._relative(problem.file),
                message=problem.message.replace(prefix, ""),
                hint=problem.hint.replace(prefix, ""),
            )
            for problem in problems
            if self.concerns(problem.key_path)
        ]

    def changes(self, changes: ConfigChanges) -> ConfigChanges:
        mine = self.community
        return ConfigChanges(
            added=tuple(slug for slug in changes.added if slug == mine),
            removed=tuple(slug for slug in changes.removed if slug == mine),
            changed=tuple(slug for slug in changes.changed if slug == mine),
            keys=tuple(key for key in changes.keys if self.concerns(key)),
            needs_restart=tuple(key for key in changes.needs_restart if self.concerns(key)),
        )

    def _relative(self, file: Path) -> Path:
        # The server's directory layout is the operator's business; the name locates the file.
        try:
            relative = file.relative_to(self.config_dir)
        except ValueError:
            return Path(file.name)
        return relative if relative.parts else Path(file.name)


def shown_problems(outcome: ReloadOutcome, audience: Audience | None) -> list[ConfigProblem]:
    """The problems this admin sees; the bot's owner (``audience`` None) sees them all."""
    return list(outcome.problems) if audience is None else audience.problems(outcome.problems)


def reload_lines(
    locale: discord.Locale,
    outcome: ReloadOutcome,
    earlier: ReloadOutcome | None,
    applied: ReloadOutcome,
    audience: Audience | None = None,
    *,
    names_shown: int | None = NAMES_SHOWN,
) -> list[str]:
    """What a reload did, what an earlier automatic one found, and what still needs a restart.

    ``audience`` None is the bot's owner, who sees everything; ``names_shown`` None lists every
    name in full (for the attached file).
    """
    lines: list[str] = []
    problems = shown_problems(outcome, audience)
    if outcome.ok:
        changes = outcome.changes if audience is None else audience.changes(outcome.changes)
        lines.append(say(locale, "reload.ok", files=len(outcome.files), communities=outcome.communities))
        for key, names in (
            ("reload.added", changes.added),
            ("reload.removed", changes.removed),
            ("reload.keys", changes.keys),
            ("reload.restart", changes.needs_restart),
        ):
            if names:
                lines.append(say(locale, key, names=Raw(clean(", ".join(names), names_shown))))
        if not changes:
            lines.append(say(locale, "reload.same"))
    else:
        lines.append(say(locale, "reload.failed", count=len(outcome.problems)))
        if len(problems) < len(outcome.problems):
            lines.append(say(locale, "reload.others", count=len(outcome.problems) - len(problems)))
        lines.append(say(locale, "reload.in_force", when=Raw(_when(applied.at))))
    if earlier is not None:
        when = Raw(_when(earlier.at))
        key = f"reload.auto_failed.{earlier.trigger.value}"
        lines.append(say(locale, key, when=when, count=len(earlier.problems)))
    if not outcome.ok:
        lines.extend(clean(str(problem), 1000) for problem in problems)
    return lines


def fleet_lines(
    locale: discord.Locale, here: str, outcome: ReloadOutcome, others: list[ProcessReload]
) -> list[str]:
    """One line per process that reloaded (this one first); counts only, no key names."""
    lines = [say(locale, "reload.fleet", count=len(others) + 1)]
    for process in [ProcessReload.of(here, outcome), *others]:
        name = clean(process.process, 100)
        if process.ok:
            lines.append(say(locale, "reload.process_ok", process=name, communities=process.communities))
        else:
            lines.append(say(locale, "reload.process_failed", process=name, count=process.problems))
        if process.needs_restart:
            lines.append(
                say(locale, "reload.process_restart", process=name, count=len(process.needs_restart))
            )
    return lines


def _when(moment: datetime) -> str:
    return f"{discord.utils.format_dt(moment, 'f')} ({discord.utils.format_dt(moment, 'R')})"

"""/ferry schedule: the community's scheduled announcements, what comes next and how the last went.

A mixin of the ``Admin`` group cog (``cogs.admin``). Times are Discord timestamps, so each admin
reads them in their own time zone; the schedule's own zone is named next to its daily time.
"""

from __future__ import annotations

from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import TimestampStyle

from bot.app import utc_now
from bot.discord.admin import Interaction, log_action
from bot.discord.checks import ferry_admin
from bot.discord.client import FerryBot
from bot.discord.locales.en import EN
from bot.discord.messages import Raw, say
from bot.discord.render import embeds_for_lines
from bot.models import AnnouncementRun, RunState
from bot.services.announcements import NOT_APPLICABLE_ERRORS
from bot.services.schedule_overview import PlannedSchedule, ScheduleOverview, schedule_overview


class ScheduleCommands(commands.Cog):
    """Showing the plan of scheduled announcements."""

    bot: FerryBot

    @app_commands.command(
        name="schedule", description="Scheduled announcements: what comes next and the latest runs"
    )
    @ferry_admin()
    async def schedule(self, interaction: Interaction) -> None:
        """The next occurrences of every schedule and the latest runs with their outcome."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.bot.app.config().community(self.bot.community_slug(interaction))
        overview = await schedule_overview(self.bot.app.repository, community, utc_now())
        log_action(interaction, "schedule", schedules=len(overview.schedules), runs=len(overview.runs))
        title = say(interaction.locale, "schedule.title", community=community.name)
        # embeds_for_lines keeps every embed and the message within Discord's limits; at most 20
        # schedules of four short lines and ten runs fit well inside them.
        embeds = embeds_for_lines(title, overview_lines(interaction.locale, overview))
        await interaction.followup.send(
            embeds=embeds, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )


def overview_lines(locale: discord.Locale | str, overview: ScheduleOverview) -> list[str]:
    """The plan as lines of our own wording, with every configured value escaped."""
    if not overview.schedules and not overview.runs:
        return [say(locale, "schedule.none")]
    lines: list[str] = []
    for planned in overview.schedules:
        lines += _schedule_lines(locale, planned)
    lines.append(say(locale, "schedule.runs"))
    lines += [_run_line(locale, run) for run in overview.runs] or [say(locale, "schedule.no_runs")]
    return lines


def _stamp(moment: datetime, style: TimestampStyle) -> Raw:
    return Raw(discord.utils.format_dt(moment, style))


def _schedule_lines(locale: discord.Locale | str, planned: PlannedSchedule) -> list[str]:
    schedule = planned.schedule
    if schedule.daily is not None:
        head = say(
            locale,
            "schedule.daily",
            name=schedule.name,
            time=schedule.daily.strftime("%H:%M"),
            zone=schedule.timezone or "UTC",
        )
    else:
        head = say(locale, "schedule.at", name=schedule.name, count=len(schedule.at))
    if planned.end is not None and schedule.daily is not None:
        key = "schedule.until" if planned.end_inclusive else "schedule.deadline"
        head += " · " + say(locale, key, when=_stamp(planned.end, "f"))
    lines = [head]
    lines += [
        say(locale, "schedule.next", when=_stamp(due, "F"), relative=_stamp(due, "R"))
        for due in planned.upcoming
    ] or [say(locale, "schedule.over")]
    return lines


def _run_line(locale: discord.Locale | str, run: AnnouncementRun) -> str:
    reason = run.detail.get("reason")
    if run.state is RunState.SKIPPED and reason == "late":
        state = say(locale, "schedule.state.late", minutes=run.detail.get("minutes_late", "?"))
    elif run.state is RunState.SKIPPED and reason == "superseded":
        state = say(locale, "schedule.state.superseded")
    elif run.state is RunState.FAILED:
        state = say(locale, "schedule.state.failed_because", reason=Raw(_failure(locale, run.detail)))
    elif run.state is RunState.POSTED and set(_failures(run.detail)) - NOT_APPLICABLE_ERRORS:
        state = say(locale, "schedule.state.posted_partly", reason=Raw(_failure(locale, run.detail)))
    else:
        state = say(locale, f"schedule.state.{run.state.value}")
    return say(locale, "schedule.run", when=_stamp(run.due_at, "f"), name=run.schedule, state=Raw(state))


def _failures(detail: dict[str, object]) -> list[str]:
    """The errors of the publishers that failed, those the community does not use last."""
    deliveries = detail.get("deliveries")
    errors = [
        d["error"]
        for d in (deliveries if isinstance(deliveries, list) else [])
        if isinstance(d, dict) and isinstance(d.get("error"), str) and d.get("ok") is not True
    ]
    return sorted(errors, key=lambda error: error in NOT_APPLICABLE_ERRORS)


def _failure(locale: discord.Locale | str, detail: dict[str, object]) -> str:
    """Why a run failed, in the words /ferry announce uses for the same publisher errors."""
    error = next(iter(_failures(detail)), detail.get("error"))
    key = f"announce.error.{error}"
    return say(locale, key if key in EN else "announce.error.other")

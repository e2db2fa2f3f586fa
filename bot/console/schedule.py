"""``ferry schedule``: the plan of scheduled announcements, for the operator at a terminal.

Times are shown in UTC, and a daily schedule's also in its own zone, so what the log says (UTC)
and what the config says (local) can both be matched against it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import datetime
from typing import TextIO

from bot.app import App, utc_now
from bot.config import Community
from bot.console.table import render_table
from bot.services.schedule_overview import PlannedSchedule, ScheduleOverview, schedule_overview

UPCOMING = 5


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _when(planned: PlannedSchedule) -> str:
    schedule = planned.schedule
    if schedule.daily is None:
        return f"at {len(schedule.at)} set time(s)"
    return f"daily {schedule.daily:%H:%M} {schedule.timezone}"


def _ends(planned: PlannedSchedule) -> str:
    if planned.end is None:
        return "" if planned.schedule.at else "never"
    return ("" if planned.end_inclusive else "before deadline ") + _utc(planned.end)


def _local(moment: datetime, planned: PlannedSchedule) -> str:
    if planned.schedule.daily is None:
        return ""
    return moment.astimezone(planned.schedule.zone).strftime("%Y-%m-%d %H:%M %Z")


def format_overview(overview: ScheduleOverview) -> str:
    """The plan of one community as text: schedules with next times, then the latest runs."""
    community = overview.community
    lines = [f"{community.name} ({community.slug})"]
    if not overview.schedules:
        lines.append("  no schedules; add [[communities.schedules]] (see config/ferry.example.toml)")
    rows = []
    for planned in overview.schedules:
        name = planned.schedule.name
        first = [name, _when(planned), _ends(planned)]
        if not planned.upcoming:
            rows.append([*first, "nothing left to post", ""])
        for index, due in enumerate(planned.upcoming):
            rows.append([*(first if index == 0 else ["", "", ""]), _utc(due), _local(due, planned)])
    if rows:
        lines.append(render_table(["schedule", "when", "ends", "next (UTC)", "local"], rows))
    if overview.runs:
        runs = [
            [_utc(run.due_at), run.schedule, run.state.value, _reason(run.detail)] for run in overview.runs
        ]
        lines += ["", "latest runs:", render_table(["due", "schedule", "state", "detail"], runs)]
    return "\n".join(lines)


def _reason(detail: dict[str, object]) -> str:
    if detail.get("reason") == "late":
        return f"{detail.get('minutes_late')} min late"
    if detail.get("reason") == "superseded":
        return "a newer one was due"
    deliveries = detail.get("deliveries")
    if isinstance(deliveries, list):
        parts = [
            f"{d.get('publisher')}: {'ok' if d.get('ok') else d.get('error')}"
            for d in deliveries
            if isinstance(d, dict)
        ]
        return ", ".join(parts) or str(detail.get("error", ""))
    return str(detail.get("error", ""))


async def print_schedules(app: App, communities: Iterable[Community], out: TextIO = sys.stdout) -> int:
    """Write the plan of each community (a note when there is none); the exit status."""
    texts = [
        format_overview(await schedule_overview(app.repository, community, utc_now(), upcoming=UPCOMING))
        for community in communities
    ]
    if not texts:
        texts = ["No community has scheduled announcements; add [[communities.schedules]] to the config."]
    out.write("\n\n".join(texts) + "\n")
    return 0

"""``ferry schedule``'s text: next times in UTC and local time, ends, and the latest runs."""

import re
from datetime import UTC, datetime

from bot.config import Community
from bot.config.schedule import Schedule
from bot.console.schedule import format_overview
from bot.models import AnnouncementRun, RunState
from bot.services.schedule_overview import schedule_overview


class Runs:
    """Recorded runs as the repository would return them, newest first."""

    def __init__(self, runs: list[AnnouncementRun]) -> None:
        self.runs = runs

    async def recent_runs(self, *, community: str, limit: int = 10) -> list[AnnouncementRun]:
        return self.runs[:limit]


def run(due: datetime, state: RunState, **detail: object) -> AnnouncementRun:
    return AnnouncementRun(
        community="demo", schedule="evening", due_at=due, state=state, updated_at=due, detail=detail
    )


async def test_plan_and_runs() -> None:
    community = Community(
        slug="demo",
        name="Demo",
        deadline=datetime(2026, 3, 10, tzinfo=UTC),
        schedules=(
            Schedule(name="evening", daily="18:00", timezone="America/New_York"),
            Schedule(name="once", at=(datetime(2026, 1, 1, tzinfo=UTC),)),
        ),
    )
    delivered = {
        "deliveries": [
            {"publisher": "discord", "ok": True},
            {"publisher": "bluesky", "ok": False, "error": "rate_limited"},
        ]
    }
    runs = Runs(
        [
            run(datetime(2026, 3, 7, 23, tzinfo=UTC), RunState.POSTED, **delivered),
            run(datetime(2026, 3, 6, 23, tzinfo=UTC), RunState.SKIPPED, reason="late", minutes_late=90),
        ]
    )
    overview = await schedule_overview(runs, community, datetime(2026, 3, 8, 12, tzinfo=UTC), upcoming=2)
    lines = format_overview(overview).splitlines()
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines]
    assert lines[0] == "Demo (demo)"
    assert rows[1:6] == [
        ["schedule", "when", "ends", "next (UTC)", "local"],
        rows[2],  # the rule under the headers
        [
            "evening",
            "daily 18:00 America/New_York",
            "before deadline 2026-03-10 00:00 UTC",
            "2026-03-08 22:00 UTC",
            "2026-03-08 18:00 EDT",
        ],
        ["2026-03-09 22:00 UTC", "2026-03-09 18:00 EDT"],
        ["once", "at 1 set time(s)", "nothing left to post"],
    ]
    assert lines[6:8] == ["", "latest runs:"]
    assert rows[8] == ["due", "schedule", "state", "detail"]
    assert rows[10:] == [
        ["2026-03-07 23:00 UTC", "evening", "posted", "discord: ok, bluesky: rate_limited"],
        ["2026-03-06 23:00 UTC", "evening", "skipped", "90 min late"],
    ]

"""/ferry schedule end to end on the Discord stand-in: next occurrences, latest runs, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.config import FerryConfig, load_config
from bot.discord.client import FerryBot
from bot.models import AnnouncementRun, RunState
from bot.services.schedule_overview import ScheduleOverview
from bot.services.scheduler import Scheduler
from cogs.admin_schedule import overview_lines
from tests.bot.services.scheduler_fakes import TimeMachine
from tests.support.discord_standin import DiscordStandin

SCHEDULES = """
[[communities.schedules]]
name = "last-call"
at = [2031-01-18T12:00:00-05:00, 2030-06-01T09:00:00Z]
message = "Last call"

[[communities.schedules]]
name = "old-reminder"
daily = "18:00"
timezone = "America/New_York"
until = 2025-01-10T18:00:00-05:00
"""


def add_to_config(path: Path, text: str, *, announcements: int | None = None) -> FerryConfig:
    """The test config with ``text`` appended to its community, loaded as a reload would."""
    config = path.read_text(encoding="utf-8")
    if announcements is not None:
        channels = f"[communities.channels]\nannouncements = {announcements}\n"
        config = config.replace("[communities.channels]\n", channels)
    path.write_text(config + text, encoding="utf-8")
    return load_config(path)


def stamp(moment: datetime, style: str) -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


async def schedule_text(standin: DiscordStandin, user=None, **kw: object) -> tuple[str, list[dict]]:
    world = standin.world
    handle = await standin.invoke_slash(world.guild, user or world.admin, "ferry schedule", **kw)
    response = await handle.response()
    assert response.ephemeral
    [message] = await handle.followups()
    assert not message.pings.anyone
    return message.content, message.embeds


async def test_without_schedules_it_says_how_to_add_one(
    discord_standin: DiscordStandin, ferry: FerryBot
) -> None:
    _, [embed] = await schedule_text(discord_standin)
    assert embed["title"] == "Scheduled announcements of The Movers"
    assert embed["description"].startswith("No scheduled announcements. Add [[communities.schedules]]")


async def test_next_occurrences_and_latest_runs(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    ferry.app.config.current = add_to_config(config_file, SCHEDULES)
    runs = ferry.app.repository
    old = datetime(2025, 1, 9, 23, tzinfo=UTC)
    await runs.claim_run(community="movers", schedule="old-reminder", due_at=old, now=old)
    await runs.finish_run(
        community="movers", schedule="old-reminder", due_at=old, state=RunState.POSTED, detail={}, now=old
    )
    late = datetime(2025, 1, 10, 23, tzinfo=UTC)
    await runs.claim_run(
        community="movers",
        schedule="old-reminder",
        due_at=late,
        now=late,
        state=RunState.SKIPPED,
        detail={"reason": "late", "minutes_late": 75},
    )

    failed = datetime(2025, 1, 8, 23, tzinfo=UTC)
    await runs.claim_run(
        community="movers",
        schedule="old-reminder",
        due_at=failed,
        now=failed,
        state=RunState.FAILED,
        detail={"deliveries": [{"publisher": "discord", "ok": False, "where": "", "error": "no_channel"}]},
    )

    _, [embed] = await schedule_text(discord_standin)
    lines = embed["description"].split("\n")
    first, second = datetime(2030, 6, 1, 9, tzinfo=UTC), datetime(2031, 1, 18, 17, tzinfo=UTC)
    until = datetime(2025, 1, 10, 23, tzinfo=UTC)
    assert lines == [
        "**last-call** · at 2 set time(s)",
        f"→ {stamp(first, 'F')} ({stamp(first, 'R')})",
        f"→ {stamp(second, 'F')} ({stamp(second, 'R')})",
        # Markdown in a configured value is escaped: "\\_" shows as "_".
        "**old-reminder** · every day at 18:00 (America/New\\_York) · last one at or before "
        + stamp(until, "f"),
        "→ nothing left to post",
        "**Latest runs**",
        f"{stamp(late, 'f')} · old-reminder · skipped, 75 min late (the bot was down)",
        f"{stamp(old, 'f')} · old-reminder · posted",
        f"{stamp(failed, 'f')} · old-reminder · not posted: no announcements channel is configured",
    ]


async def test_in_chinese_and_within_limits_with_many_schedules(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    many = "".join(
        f'[[communities.schedules]]\nname = "reminder-{n:02d}-{"x" * 20}"\ndaily = "18:{n:02d}"\n'
        'timezone = "America/Argentina/ComodRivadavia"\n'
        for n in range(20)
    )
    ferry.app.config.current = add_to_config(config_file, many)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(12):
        due = now.replace(day=n + 1)
        await ferry.app.repository.claim_run(
            community="movers", schedule=f"reminder-{n:02d}", due_at=due, now=due
        )

    _, embeds = await schedule_text(discord_standin, locale="zh-CN")
    assert embeds[0]["title"] == "The Movers 的定时公告"
    text = "\n".join(e.get("description", "") for e in embeds)
    assert text.count("**reminder-") == 20
    assert text.count("已开始，结果未知") == 10  # the ten latest runs
    assert sum(len(e.get("description", "")) + len(e.get("title", "")) for e in embeds) <= 6000
    assert all(len(e.get("description", "")) <= 4096 for e in embeds)


async def test_only_admins_see_the_plan(discord_standin: DiscordStandin, ferry: FerryBot) -> None:
    world = discord_standin.world
    handle = await discord_standin.invoke_slash(
        world.guild, world.member, "ferry schedule", ignore_default_permissions=True
    )
    response = await handle.response()
    assert response.ephemeral
    assert response.message.content.startswith("Only this server's Ferry admins")


async def test_a_scheduled_announcement_reaches_the_channel_once(
    discord_standin: DiscordStandin, ferry: FerryBot, config_file: Path
) -> None:
    world = discord_standin.world
    schedule = '[[communities.schedules]]\nname = "new-year"\nat = [2030-01-01T18:00:00Z]\n'
    schedule += 'message = "Scheduled hello"\n'
    ferry.app.config.current = add_to_config(config_file, schedule, announcements=world.announcements.id)
    clock = TimeMachine(datetime(2030, 1, 1, 17, 59, tzinfo=UTC))

    def start() -> Scheduler:
        app = ferry.app
        return Scheduler(runs=app.repository, announcer=app.announcements, config=app.config, clock=clock)

    first = start()
    assert await first.tick() == []
    clock.now = datetime(2030, 1, 1, 18, 0, 5, tzinfo=UTC)
    [run] = await first.tick()
    assert run.state is RunState.POSTED
    posted = discord_standin.messages(world.announcements)
    assert any("Scheduled hello" in message.content for message in posted)
    assert not any(message.pings.anyone for message in posted)

    clock.now = datetime(2030, 1, 1, 18, 5, tzinfo=UTC)
    assert await start().tick() == []  # a restarted bot does not post it again
    assert len(discord_standin.messages(world.announcements)) == len(posted)
    _, [embed] = await schedule_text(discord_standin)
    assert f"{stamp(datetime(2030, 1, 1, 18, tzinfo=UTC), 'f')} · new-year · posted" in embed["description"]


def test_a_run_posted_on_one_front_but_not_another_says_so(ferry: FerryBot) -> None:
    community = ferry.app.config().community("movers")
    due = datetime(2025, 1, 9, 23, tzinfo=UTC)

    def run(*deliveries: tuple[str, bool, str | None], state: RunState = RunState.POSTED) -> AnnouncementRun:
        detail = {
            "deliveries": [{"publisher": p, "ok": ok, "where": "", "error": e} for p, ok, e in deliveries]
        }
        return AnnouncementRun(
            community="movers",
            schedule="evening",
            due_at=due,
            state=state,
            updated_at=due,
            detail=detail,
        )

    partly = run(("discord", False, "partial"), ("bluesky", True, None))
    elsewhere = run(("discord", True, None), ("bluesky", False, "network"))
    unused = run(("discord", True, None), ("bluesky", False, "disabled"))
    # A front the community does not use is not the reason given when another one failed.
    failed = run(("bluesky", False, "disabled"), ("discord", False, "http"), state=RunState.FAILED)
    runs = (partly, elsewhere, unused, failed)
    lines = overview_lines("en-US", ScheduleOverview(community, (), runs))
    when = stamp(due, "f")
    assert lines[1:] == [
        f"{when} · evening · posted, but not everywhere: only the first part of it was posted",
        f"{when} · evening · posted, but not everywhere: Bluesky could not be reached; try again later",
        f"{when} · evening · posted",
        f"{when} · evening · not posted: Discord refused the message; try again later",
    ]

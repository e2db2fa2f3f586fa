"""The Discord burst: many members run ``/handle add`` at the same moment, against Ferry and a bare bot.

Each bot runs in its own process, as it would in production (Ferry is ``ferry run`` itself, see
:mod:`bench.discord_child`), against its own local Discord stand-in in this process, which plays
Discord and the members. A burst builds ``members`` interactions from as many distinct members (new
ones every burst, so every command is a first registration), dispatches them back to back, and waits
for every answer. The bursts alternate between the two bots, so machine noise (other processes on a
shared machine) falls on both alike.

Latencies are measured on the stand-in's clock: *ack* is dispatch -> the accepted "thinking"
response, *answer* is dispatch -> the follow-up that shows the handle (its text is checked).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from bench.latency import Burst, Summary
from bench.targets import database_url
from tests.support.discord_standin import DiscordStandin, Guild, InteractionHandle, StandinConfig, User

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = "lemon8"  # a platform whose handles need no lookup: the answer is the registration itself
READY_TIMEOUT_S = 90.0
ANSWER_TIMEOUT_S = 120.0
CONFIG = """
[defaults]
community = "bench"

[[communities]]
slug = "bench"
name = "Burst Bench"
discord_guild_ids = [{guild}]
platforms = ["lemon8", "rednote", "bluesky"]
"""


@dataclass
class Side:
    """One bot under test with its stand-in, its guild and the members it has not used yet."""

    name: str
    standin: DiscordStandin
    guild: Guild
    members: list[User]
    log: Path
    bursts: list[Burst] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # answers that do not show the handle
    process: subprocess.Popen[bytes] | None = None

    def take_members(self, count: int) -> list[User]:
        taken, self.members = self.members[:count], self.members[count:]
        if len(taken) < count:
            raise RuntimeError(f"{self.name}: only {len(taken)} unused members left")
        return taken


@dataclass(frozen=True, slots=True)
class DiscordResult:
    dialect: str
    members: int
    bursts: int
    ferry: Summary
    baseline: Summary
    problems: tuple[str, ...]
    # Answers per second of each burst in order, so a run's spread shows beside its pooled figures.
    ferry_bursts: tuple[float, ...] = ()
    baseline_bursts: tuple[float, ...] = ()


async def _new_side(name: str, member_count: int, workdir: Path) -> Side:
    # The deadline check stays on: a late "thinking" response is what a member would see fail.
    standin = DiscordStandin(StandinConfig())
    owner = standin.add_user(f"{name}-owner")
    guild = standin.add_guild(f"{name} bench", owner)
    standin.add_channel(guild, "general")
    members = []
    for n in range(member_count):
        user = standin.add_user(f"{name}-member-{n}", global_name=f"Member {n}")
        standin.add_member(guild, user)
        members.append(user)
    await standin.start()
    return Side(name, standin, guild, members, workdir / f"{name}.log")


def _spawn(side: Side, url: str, config: Path | None) -> None:
    command = [
        sys.executable,
        "-m",
        "bench.discord_child",
        side.name,
        "--api-base",
        side.standin.api_base,
        "--gateway-url",
        side.standin.gateway_url,
        "--token",
        side.standin.config.token,
        "--database-url",
        url,
        "--guild",
        str(side.guild.id),
    ]
    if config is not None:
        command += ["--config", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "BLUESKY_", "FERRY_"))}
    with side.log.open("wb") as log:
        side.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


async def stop_process(process: subprocess.Popen[bytes] | None, grace: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; waits without blocking the event loop, which
    still serves the bot's goodbye (its stand-in runs in this process)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.to_thread(process.wait, grace)
    except subprocess.TimeoutExpired:
        process.kill()
        await asyncio.to_thread(process.wait, 10)


def _log_tail(side: Side, lines: int = 30) -> str:
    try:
        return "\n".join(side.log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


def _options(side: Side, tag: str, n: int) -> dict[str, object]:
    return {"platform": PLATFORM, "handle": f"{side.name[:1]}{tag}n{n:04d}"}


async def _wait_ready(side: Side) -> None:
    """Until the bot has synced ``/handle`` and answers one member (which also warms it up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT_S
    while True:
        if side.process is not None and side.process.poll() is not None:
            raise RuntimeError(f"{side.name} bot exited with {side.process.returncode}:\n{_log_tail(side)}")
        if loop.time() > deadline:
            raise RuntimeError(f"{side.name} bot not ready in {READY_TIMEOUT_S:.0f} s:\n{_log_tail(side)}")
        synced = side.standin.backend.commands.find("handle", side.guild.id, 1) is not None
        if synced and side.standin.server.gateway.current is not None:
            break
        await asyncio.sleep(0.1)
    for n, user in enumerate(side.take_members(3)):  # the first commands pay for imports and caches
        handle = await side.standin.invoke_slash(side.guild, user, "handle add", _options(side, "warm", n))
        await handle.followups(timeout=READY_TIMEOUT_S)


async def _burst(side: Side, index: int, size: int) -> None:
    members = side.take_members(size)
    invocations = [(m, _options(side, f"b{index}", n)) for n, m in enumerate(members)]
    handles = await side.standin.invoke_slash_burst(side.guild, "handle add", invocations)

    async def answered(handle: InteractionHandle, expected: str) -> None:
        with contextlib.suppress(AssertionError):  # an unanswered command is counted, not raised
            [message] = (await handle.followups(timeout=ANSWER_TIMEOUT_S))[:1]
            if expected not in message.content.replace("\\", ""):  # markdown escapes aside
                side.wrong.append(f"{expected!r} not in {message.content[:120]!r}")

    async with asyncio.TaskGroup() as group:
        for handle, (_, options) in zip(handles, invocations, strict=True):
            group.create_task(answered(handle, str(options["handle"])))
    side.bursts.append(
        Burst(
            sent=tuple(h.record.created_at for h in handles),
            acked=tuple(h.record.acked_at for h in handles),
            answered=tuple(h.record.answered_at for h in handles),
        )
    )


async def run_discord(
    dialect: str,
    *,
    members: int = 200,
    bursts: int = 3,
    postgres_url: str,
    workdir: Path | None = None,
) -> DiscordResult:
    """Both bots on ``dialect``, ``bursts`` bursts of ``members`` each; the bots' processes and
    databases are gone when this returns."""
    with tempfile.TemporaryDirectory(prefix="ferry-discord-bench-", dir=workdir) as tmp:
        root = Path(tmp)
        sides = [await _new_side(name, members * bursts + 3, root) for name in ("baseline", "ferry")]
        baseline, ferry = sides
        config = root / "ferry.toml"
        config.write_text(CONFIG.format(guild=ferry.guild.id), encoding="utf-8")
        try:
            async with (
                database_url(dialect, postgres_admin_url=postgres_url, workdir=root) as baseline_db,
                database_url(dialect, postgres_admin_url=postgres_url, workdir=root) as ferry_db,
            ):
                _spawn(baseline, baseline_db, None)
                _spawn(ferry, ferry_db, config)
                try:
                    await asyncio.gather(*(_wait_ready(side) for side in sides))
                    if dialect == "postgres":
                        await _checkpoint(postgres_url)
                    for index in range(bursts):
                        # Alternate who goes first, so neither always follows the other's burst.
                        for side in sides if index % 2 == 0 else sides[::-1]:
                            await _burst(side, index, members)
                            await asyncio.sleep(0.5)  # let the last writes and logs settle
                finally:
                    for side in sides:
                        await stop_process(side.process)
        finally:
            for side in sides:
                await side.standin.stop()
        problems = []
        for side in sides:
            missing = sum(b.missing for b in side.bursts)
            if missing:
                problems.append(f"{side.name}: {missing} commands got no answer")
            problems += [f"{side.name}: {w}" for w in side.wrong[:5]]
            pending = side.standin.violations.pending
            if pending:
                problems.append(f"{side.name}: {len(pending)} requests Discord would refuse")
                problems += [f"{side.name}: {v.describe()}" for v in pending[:5]]
        return DiscordResult(
            dialect=dialect,
            members=members,
            bursts=bursts,
            ferry=Summary.of(ferry.bursts),
            baseline=Summary.of(baseline.bursts),
            problems=tuple(problems),
            ferry_bursts=tuple(b.answers_per_s for b in ferry.bursts),
            baseline_bursts=tuple(b.answers_per_s for b in baseline.bursts),
        )


async def _checkpoint(admin_url: str) -> None:
    """Start the bursts with no checkpoint in progress and the next timed one minutes away
    (``checkpoint_timeout``). A checkpoint writing under some bursts and not others means the two
    bots do not meet the same server; which bursts it hits is chance, not what is measured. (One
    forced by WAL volume, ``max_wal_size``, could still come; a burst writes under a megabyte.)"""
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("CHECKPOINT")
    finally:
        await engine.dispose()

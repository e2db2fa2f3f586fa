"""The burst benchmark's baseline bot answers through the Discord stand-in, and a burst is timed."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bench.discord_baseline import BaselineBot
from tests.support.discord_standin import DiscordStandin

pytestmark = pytest.mark.discord_api


async def _rows(path: Path) -> list[tuple[str, str, str]]:
    async with (
        aiosqlite.connect(path) as conn,
        conn.execute("SELECT user_id, platform, handle FROM handles ORDER BY handle") as cursor,
    ):
        return [tuple(row) for row in await cursor.fetchall()]  # type: ignore[misc]


async def test_baseline_defers_writes_and_answers(discord_standin: DiscordStandin, tmp_path: Path) -> None:
    world = discord_standin.world
    database = tmp_path / "baseline.db"
    async with discord_standin.running(BaselineBot(f"sqlite+aiosqlite:///{database}", world.guild.id)):
        handle = await discord_standin.invoke_slash(
            world.guild, world.member, "handle add", {"platform": "lemon8", "handle": "mover_one"}
        )
        response = await handle.response()
        assert response.kind == "deferred message" and response.ephemeral
        [message] = await handle.followups()
        assert message.content == r"Added your lemon8 handle mover\_one."
        assert message.ephemeral and not message.pings.anyone
        assert handle.ack_latency is not None and handle.answer_latency is not None
        assert 0 < handle.ack_latency <= handle.answer_latency
    assert await _rows(database) == [(str(world.member.id), "lemon8", "mover_one")]
    async with aiosqlite.connect(database) as conn, conn.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone()) == ("wal",)


async def test_a_burst_is_dispatched_at_once_and_timed_per_member(
    discord_standin: DiscordStandin, tmp_path: Path
) -> None:
    world = discord_standin.world
    members = [discord_standin.add_user(f"burst-{n}") for n in range(60)]
    for user in members:
        discord_standin.add_member(world.guild, user)
    database = tmp_path / "baseline.db"
    async with discord_standin.running(BaselineBot(f"sqlite+aiosqlite:///{database}", world.guild.id)):
        handles = await discord_standin.invoke_slash_burst(
            world.guild,
            "handle add",
            [(user, {"platform": "lemon8", "handle": f"m{n}"}) for n, user in enumerate(members)],
        )
        for n, handle in enumerate(handles):
            [message] = await handle.followups(timeout=30)
            assert message.content == f"Added your lemon8 handle m{n}."
    sent = [h.record.created_at for h in handles]
    assert sent == sorted(sent)
    assert sent[-1] - sent[0] < 1.0  # back to back, not one after another's answer
    for handle in handles:
        assert handle.ack_latency is not None and handle.answer_latency is not None
        assert 0 < handle.ack_latency <= handle.answer_latency
    assert len(await _rows(database)) == 60
    # Each interaction's callback and follow-up have their own rate-limit bucket, as on Discord: with
    # one shared bucket the client would sleep after 50 follow-ups and the burst would measure that.
    buckets = discord_standin.server.rate_limits.windows
    assert len([b for b in buckets if b.startswith("POST") and "/webhooks/" in b]) == 60
    assert len([b for b in buckets if "/callback" in b]) == 60

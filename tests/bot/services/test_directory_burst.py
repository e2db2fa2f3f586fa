"""A burst of registrations at once: the one-transaction path keeps every rule of the slow one.

Concurrent claims of one handle, a process killed in the middle of a burst, rate limits and bans
among simultaneous commands, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.errors import BannedError, HandleTakenError, RateLimitedError
from bot.models import EVERY_VISIBILITY, DirectoryQuery, Identity, IdentityKind, Registration
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import entries, members
from tests.support.services import Ticker, add_handle

ROOT = Path(__file__).resolve().parents[3]
PEOPLE = [Identity(IdentityKind.DISCORD, str(700_000_000_000_000_000 + n)) for n in range(12)]

# Registers 60 newcomers at once, printing each handle the moment its answer is back (what a front
# would send), and dies by SIGKILL right after the 20th answer while the others are mid-flight.
BURST_THEN_KILL = """
import asyncio, os, signal, sys
from datetime import UTC, datetime
from bot.config import FerryConfig
from bot.models import Identity, IdentityKind, Source
from bot.services.directory import DirectoryService
from bot.storage import Database, Repository

async def main(url):
    db = await Database.open(url)
    await db.upgrade()
    config = FerryConfig.empty()
    service = DirectoryService(
        repository=Repository(db), config=lambda: config, clock=lambda: datetime.now(UTC)
    )
    answered = 0

    async def one(n):
        nonlocal answered
        await service.register(
            community="crash", identity=Identity(IdentityKind.DISCORD, str(n)), display_name=f"p{n}",
            platform="lemon8", handle=f"h{n}", source=Source.DISCORD,
        )
        print(f"h{n}", flush=True)
        answered += 1
        if answered == 20:
            os.kill(os.getpid(), signal.SIGKILL)

    await asyncio.gather(*(one(n) for n in range(60)))

asyncio.run(main(sys.argv[1]))
"""


async def test_concurrent_claims_of_one_handle_have_exactly_one_winner(
    service: DirectoryService, database: Database
) -> None:
    results = await asyncio.gather(
        *(add_handle(service, who, "samehandle") for who in PEOPLE), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, Registration)]
    losers = [r for r in results if not isinstance(r, Registration)]
    assert len(winners) == 1
    assert len(losers) == len(PEOPLE) - 1
    assert all(isinstance(e, HandleTakenError) for e in losers), losers
    assert {e.handle for e in losers if isinstance(e, HandleTakenError)} == {"samehandle"}
    async with database.transaction() as conn:
        # No member row is left behind for someone who ended up owning nothing.
        assert (await conn.execute(select(func.count()).select_from(members))).scalar_one() == 1
        assert (await conn.execute(select(func.count()).select_from(entries))).scalar_one() == 1
    page = await service.directory(DirectoryQuery(community="demo", visibilities=EVERY_VISIBILITY))
    assert page.total == 1
    assert [e.id for e in page.entries] == [winners[0].entry.id]


async def test_a_killed_burst_loses_no_answered_registration(database_url: str) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BURST_THEN_KILL,
        database_url,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(child.communicate(), timeout=120)
    assert child.returncode == -signal.SIGKILL, stderr.decode()
    answered = stdout.decode().split()
    assert len(answered) == 20
    async with await Database.open(database_url) as db:
        async with db.transaction() as conn:
            stored = set((await conn.execute(select(entries.c.handle))).scalars())
            listed = (await conn.execute(select(func.count()).select_from(entries))).scalar_one()
        assert set(answered) <= stored  # every answer sent was committed first
        counts = await Repository(db).count_by_platform(community="crash", visibilities=EVERY_VISIBILITY)
        assert counts == {"lemon8": listed}  # and the kept total went with exactly those commits


async def test_rate_limits_hold_among_simultaneous_commands(
    limited: DirectoryService, ticker: Ticker
) -> None:
    """The default allowance is 5 registrations a minute: 8 at once let exactly 5 through."""
    alice = PEOPLE[0]
    platforms = ["lemon8", "rednote", "bluesky", "mastodon", "instagram", "youtube"]
    handles = {"bluesky": "alice.bsky.social", "mastodon": "alice@example.social", "rednote": "123456789"}
    jobs = [
        add_handle(limited, alice, handles.get(platform, "alice"), platform=platform)
        for platform in [*platforms, "lemon8", "rednote"]
    ]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert sum(isinstance(r, Registration) for r in results) == 5
    assert sum(isinstance(r, RateLimitedError) for r in results) == 3, results
    ticker.t += 61
    await add_handle(limited, alice, "alice", platform="instagram")  # the window slid: allowed again


async def test_a_ban_stops_every_registration_of_a_burst(
    service: DirectoryService, moderation: ModerationService
) -> None:
    await add_handle(service, PEOPLE[1], "mallory")
    await moderation.ban(community="demo", identity=PEOPLE[1], actor="admin:1", reason="spam")
    handles = {"lemon8": "mallory2", "rednote": "987654321", "bluesky": "mallory.bsky.social"}
    jobs = [add_handle(service, PEOPLE[1], handle, platform=p) for p, handle in handles.items()]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert all(isinstance(r, BannedError) for r in results), results


async def test_a_ban_landing_during_a_burst_is_never_half_applied(
    service: DirectoryService, moderation: ModerationService, repository: Repository
) -> None:
    """Registrations and the ban serialise on the member: each one either lands before the ban
    (and is then hidden with the rest) or is refused; none is listed afterwards."""
    await add_handle(service, PEOPLE[2], "eve")
    jobs = [add_handle(service, PEOPLE[2], f"eve{n}", platform="lemon8") for n in range(4)]
    ban = moderation.ban(community="demo", identity=PEOPLE[2], actor="admin:1", reason=None)
    results = await asyncio.gather(*jobs, ban, return_exceptions=True)
    assert all(isinstance(r, (Registration, BannedError)) for r in results[:-1]), results
    page = await service.directory(DirectoryQuery(community="demo", visibilities=EVERY_VISIBILITY))
    assert page.entries == () and page.total == 0
    assert await repository.count_entries(community="demo", visibilities=EVERY_VISIBILITY) == 0


def test_a_visibility_scope_is_always_required() -> None:
    """A new front cannot leak community-only entries by forgetting to say who is asking."""
    with pytest.raises(TypeError):
        DirectoryQuery(community="demo")  # type: ignore[call-arg]
    for method in (DirectoryService.handles, DirectoryService.whois, DirectoryService.counts):
        parameter = inspect.signature(method).parameters["visibilities"]
        assert parameter.default is inspect.Parameter.empty, method.__name__

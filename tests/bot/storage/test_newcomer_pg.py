"""A never-seen account's registration on PostgreSQL in one statement (bot/storage/_newcomer_pg.py):
one round trip when nothing needs deciding, all or nothing when a race takes its identity or its
handle, the transactional way for everything else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.config import FerryConfig
from bot.errors import HandleTakenError
from bot.models import Identity, IdentityKind, Source
from bot.services.directory import DirectoryService
from bot.services.ratelimit import SharedRateLimiter
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import audit_log, entries, member_identities, members, rate_limit_hits

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[Database]:
    async with await Database.open(postgres_url) as db:
        await db.upgrade()
        yield db


@pytest.fixture
def shared(database: Database, config: FerryConfig, clock: Callable[[], datetime]) -> DirectoryService:
    """The service as ``ferry run`` builds it on PostgreSQL: the rate limit shared in the database."""
    repository = Repository(database)
    return DirectoryService(
        repository=repository, config=lambda: config, clock=clock, limiter=SharedRateLimiter(repository)
    )


def _person(n: int) -> Identity:
    return Identity(IdentityKind.DISCORD, str(100_000_000_000_000_000 + n))


async def _add(service: DirectoryService, who: Identity, handle: str) -> Any:
    return await service.register(
        community="demo",
        identity=who,
        display_name="x",
        platform="lemon8",
        handle=handle,
        source=Source.DISCORD,
    )


async def _count(database: Database, statement: Any) -> int:
    async with database.transaction() as conn:
        return int((await conn.execute(statement)).scalar_one())


async def test_a_newcomer_is_one_statement_with_no_begin_or_commit(
    database: Database, shared: DirectoryService
) -> None:
    await _add(shared, _person(1), "first")  # the limiter's first command also deletes old hits
    sent: list[tuple[str, object]] = []

    def on_execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # In autocommit mode the driver sends no BEGIN and no COMMIT: the statement commits itself.
        sent.append((statement.split()[0], conn.get_execution_options().get("isolation_level")))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        registration = await _add(shared, _person(2), "second")
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert sent == [("WITH", "AUTOCOMMIT")]
    assert registration.created and registration.entry.handle == "second"
    async with database.transaction() as conn:
        row = (
            await conn.execute(
                select(members.c.display_name, entries.c.handle, audit_log.c.action)
                .join(entries, entries.c.member_id == members.c.id)
                .join(audit_log, audit_log.c.member_id == members.c.id)
                .where(members.c.id == registration.entry.member_id)
            )
        ).one()
    assert tuple(row) == ("x", "second", "entry.add")
    hits = select(func.count()).where(
        rate_limit_hits.c.key == f"demo|discord:{_person(2).external_id}|registration"
    )
    assert await _count(database, hits) == 1


async def test_newcomers_racing_for_one_handle_leave_one_owner_and_no_stray_member(
    database: Database, shared: DirectoryService
) -> None:
    """The guard aborts a statement whose member was made but whose handle was taken meanwhile; the
    loser then goes the transactional way, which refuses it and keeps only its count."""
    outcomes = await asyncio.gather(
        *(_add(shared, _person(n), "wanted") for n in range(12)), return_exceptions=True
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(o, HandleTakenError) for o in outcomes if isinstance(o, BaseException))
    assert await _count(database, select(func.count()).select_from(members)) == 1
    assert await _count(database, select(func.count()).select_from(member_identities)) == 1
    assert await _count(database, select(func.count()).select_from(audit_log)) == 1
    assert await _count(database, select(func.count()).select_from(rate_limit_hits)) == 12  # each counted


async def test_one_account_racing_itself_gets_one_member(
    database: Database, shared: DirectoryService
) -> None:
    """Commands of one new account at once: one statement makes the member, the others wait on the
    account's key and find it, or lose the identity and go the transactional way."""
    alice = _person(7)
    platforms = ["lemon8", "instagram", "youtube"]
    await asyncio.gather(
        *(
            shared.register(
                community="demo",
                identity=alice,
                display_name="A",
                platform=platforms[n],
                handle=f"alice{n}",
                source=Source.DISCORD,
            )
            for n in range(3)
        )
    )
    assert await _count(database, select(func.count()).select_from(members)) == 1
    assert await _count(database, select(func.count()).select_from(entries)) == 3

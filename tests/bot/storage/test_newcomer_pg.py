"""A never-seen account's registration on PostgreSQL in one statement (bot/storage/_newcomer_pg.py):
one round trip when nothing needs deciding, all or nothing when a race takes its identity or its
handle, the transactional way for everything else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, func, insert, select

from bot.config import FerryConfig
from bot.errors import BannedError, HandleTakenError, RateLimitedError
from bot.models import Identity, IdentityKind, Source
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.services.ratelimit import SharedRateLimiter
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import audit_log, entries, kv_state, member_identities, members, rate_limit_hits
from bot.storage.withdrawn import withdrawn_key
from tests.support.services import add_handle

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


async def _count(database: Database, statement: Any) -> int:
    async with database.transaction() as conn:
        return int((await conn.execute(statement)).scalar_one())


async def test_a_newcomer_is_one_statement_with_no_begin_or_commit(
    database: Database, shared: DirectoryService
) -> None:
    await add_handle(shared, _person(1), "first")  # the limiter's first command also deletes old hits
    sent: list[tuple[str, object]] = []

    def on_execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # In autocommit mode the driver sends no BEGIN and no COMMIT: the statement commits itself.
        sent.append((statement.split()[0], conn.get_execution_options().get("isolation_level")))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        registration = await add_handle(shared, _person(2), "second")
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
        *(add_handle(shared, _person(n), "wanted") for n in range(12)), return_exceptions=True
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


async def test_a_forgotten_banned_account_is_refused_not_registered_at_once(
    database: Database, shared: DirectoryService, clock: Callable[[], datetime]
) -> None:
    """The ban tombstone left by forgetting a banned member keeps the one statement from writing;
    the transactional way refuses."""
    banned = _person(3)
    await add_handle(shared, banned, "before")
    moderation = ModerationService(repository=Repository(database), directory=shared, clock=clock)
    await moderation.ban(community="demo", identity=banned, actor="admin:discord:9")
    await shared.forget(community="demo", identity=banned, actor="admin:discord:9")
    assert await _count(database, select(func.count()).select_from(members)) == 0
    async with database.transaction(write=True) as conn:
        await conn.execute(delete(rate_limit_hits))  # only the tombstone may keep it from writing
    with pytest.raises(BannedError):
        await add_handle(shared, banned, "after")
    assert await _count(database, select(func.count()).select_from(members)) == 0


async def test_a_withdrawal_marker_is_lifted_by_a_newcomers_own_registration(
    database: Database, shared: DirectoryService, clock: Callable[[], datetime]
) -> None:
    """A marker with no member (an account whose member was forgotten after removing a handle) is
    lifted by the account's own registration on that platform: the one statement leaves it to the
    transactional way, which lifts it."""
    person = _person(4)
    await Repository(database).mark_withdrawn(
        community="demo", identities=[person], platform="lemon8", now=clock()
    )
    key = withdrawn_key("demo", person, "lemon8")
    assert await _count(database, select(func.count()).where(kv_state.c.key == key)) == 1
    await add_handle(shared, person, "back")
    assert await _count(database, select(func.count()).where(kv_state.c.key == key)) == 0


async def test_recent_hits_keep_a_newcomer_under_the_limit(
    database: Database, shared: DirectoryService
) -> None:
    """An account with hits in the window (refused attempts, say) is not written at once: the
    transactional way checks its windows."""
    person = _person(5)
    key = f"demo|discord:{person.external_id}|registration"
    async with database.transaction(write=True) as conn:
        now = float((await conn.execute(select(func.extract("epoch", func.clock_timestamp())))).scalar_one())
        await conn.execute(insert(rate_limit_hits), [{"key": key, "at": now - n} for n in range(5)])
    with pytest.raises(RateLimitedError):
        await add_handle(shared, person, "late")
    assert await _count(database, select(func.count()).select_from(members)) == 0

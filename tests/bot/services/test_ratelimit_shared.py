"""Member limits counted in the database: every process on it sees the same uses."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import insert, select

from bot.config.models import Limits
from bot.errors import RateLimitedError
from bot.models import Identity, IdentityKind
from bot.services.ratelimit import Limit, RateLimiter, SharedRateLimiter, member_limiter
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import member_identities, rate_limit_hits
from tests.bot.storage._helpers import T0

PER_MINUTE = (Limit(3, 60.0),)


async def test_two_processes_share_one_allowance(database: Database, database_url: str) -> None:
    async with await Database.open(database_url) as other:  # a second process's connection pool
        first, second = SharedRateLimiter(Repository(database)), SharedRateLimiter(Repository(other))
        await first.count(["movers|discord:1|registration"], "registration", PER_MINUTE)
        await second.count(["movers|discord:1|registration"], "registration", PER_MINUTE)
        await first.count(["movers|discord:1|registration"], "registration", PER_MINUTE)
        with pytest.raises(RateLimitedError) as caught:
            await second.count(["movers|discord:1|registration"], "registration", PER_MINUTE)
        assert 55.0 < caught.value.retry_after <= 60.0
        await second.count(["movers|discord:2|registration"], "registration", PER_MINUTE)  # another key


async def test_a_refusal_records_nothing_for_any_key(database: Database) -> None:
    limiter = SharedRateLimiter(Repository(database))
    for _ in range(3):
        await limiter.count(["a"], "registration", PER_MINUTE)
    with pytest.raises(RateLimitedError):
        await limiter.count(["b", "a"], "registration", PER_MINUTE)  # "a" is full, so "b" is not used
    for _ in range(3):
        await limiter.count(["b"], "registration", PER_MINUTE)


async def test_concurrent_uses_from_two_processes_never_exceed_the_count(
    database: Database, database_url: str
) -> None:
    async with await Database.open(database_url) as other:
        limiters = [SharedRateLimiter(Repository(database)), SharedRateLimiter(Repository(other))]

        async def attempt(n: int) -> bool:
            try:
                await limiters[n % 2].count(["m", f"m{n % 3}"], "registration", PER_MINUTE)
            except RateLimitedError:
                return False
            return True

        outcomes = await asyncio.gather(*(attempt(n) for n in range(12)))
    assert sum(outcomes) == 3


async def test_postgresql_shares_the_count_and_sqlite_keeps_it_in_memory(database: Database) -> None:
    limiter = member_limiter(database.dialect, Repository(database))
    expected = SharedRateLimiter if database.dialect == "postgresql" else RateLimiter
    assert isinstance(limiter, expected)


async def test_hits_older_than_an_hour_are_deleted_whoever_counts_next(database: Database) -> None:
    async with database.transaction(write=True) as conn:
        await conn.execute(insert(rate_limit_hits), [{"key": "gone", "at": 1.0}, {"key": "gone", "at": 2.0}])
    await SharedRateLimiter(Repository(database)).count(["someone-else"], "registration", PER_MINUTE)
    async with database.transaction() as conn:
        keys = (await conn.execute(select(rate_limit_hits.c.key))).scalars().all()
    assert keys == ["someone-else"]


async def test_an_account_is_counted_with_the_member_found_in_the_same_transaction(
    database: Database,
) -> None:
    """``count_account``: two accounts of one member share the member's allowance; an account
    with no member yet is counted on its own key only."""
    repository = Repository(database)
    first, second = Identity(IdentityKind.DISCORD, "1"), Identity(IdentityKind.BLUESKY, "did:plc:two")
    member = await repository.ensure_member(community="movers", identity=first, display_name="m", now=T0)
    async with database.transaction(write=True) as conn:
        await conn.execute(
            insert(member_identities).values(
                community="movers",
                kind=second.kind.value,
                external_id=second.external_id,
                member_id=member.id,
            )
        )
    limiter = SharedRateLimiter(repository)
    limits = Limits(registrations_per_minute=3, registrations_per_hour=100)

    async def count(identity: Identity) -> None:
        await limiter.count_account(
            community="movers", identity=identity, action="registration", limits=limits
        )

    await count(first)
    await count(second)
    await count(first)
    with pytest.raises(RateLimitedError):
        await count(second)  # its own key has room, the member's has not
    stranger = Identity(IdentityKind.DISCORD, "3")
    for _ in range(3):
        await count(stranger)
    async with database.transaction() as conn:
        keys = sorted((await conn.execute(select(rate_limit_hits.c.key))).scalars())
    assert keys.count(f"movers|member:{member.id}|registration") == 3
    assert keys.count("movers|discord:3|registration") == 3
    assert not [key for key in keys if "member:" in key and str(member.id) not in key]

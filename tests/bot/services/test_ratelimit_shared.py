"""Member limits counted in the database: every process on it sees the same uses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import func, insert, select

from bot.config import FerryConfig
from bot.errors import BannedError, HandleTakenError, RateLimitedError
from bot.models import Identity, IdentityKind, Source, Verification
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.services.ratelimit import Limit, RateLimiter, SharedRateLimiter, member_limiter
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import audit_log, member_identities, members, rate_limit_hits
from tests.support.services import add_handle

PER_MINUTE = (Limit(3, 60.0),)
ALICE = Identity(IdentityKind.DISCORD, "111111111111111111")
BOB = Identity(IdentityKind.BLUESKY, "did:plc:bobbobbobbobbobbobbobbob")


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


def _shared(repository: Repository, config: FerryConfig, clock: Callable[[], datetime]) -> DirectoryService:
    return DirectoryService(
        repository=repository, config=lambda: config, clock=clock, limiter=SharedRateLimiter(repository)
    )


async def _hit_keys(database: Database) -> list[str]:
    async with database.transaction() as conn:
        return sorted((await conn.execute(select(rate_limit_hits.c.key))).scalars())


async def test_a_registration_counts_its_account_and_the_member_found_in_its_own_transaction(
    database: Database, repository: Repository, config: FerryConfig, clock: Callable[[], datetime]
) -> None:
    """Two accounts of one member share the member's allowance (5 a minute by default); an account
    with no member yet is counted on its own key only."""
    service = _shared(repository, config, clock)
    await add_handle(service, ALICE, "alice0")
    member = await repository.find_member(community="demo", identity=ALICE)
    assert member is not None
    async with database.transaction(write=True) as conn:
        await conn.execute(
            insert(member_identities).values(
                community="demo", kind=BOB.kind.value, external_id=BOB.external_id, member_id=member.id
            )
        )
    for n in range(1, 4):
        await add_handle(service, BOB if n % 2 else ALICE, f"alice{n}")
    await add_handle(service, BOB, "bob", platform="rednote")
    await add_handle(service, BOB, "bob1", platform="rednote")
    with pytest.raises(RateLimitedError):
        await add_handle(service, BOB, "bob2", platform="rednote")  # BOB's own key has room, the member's not
    keys = await _hit_keys(database)
    assert keys.count(f"demo|member:{member.id}|registration") == 5  # the first came before the member
    assert keys.count(f"demo|{ALICE.kind.value}:{ALICE.external_id}|registration") == 2
    assert keys.count(f"demo|{BOB.kind.value}:{BOB.external_id}|registration") == 4


async def test_a_refused_registration_still_counts_and_writes_nothing_else(
    database: Database, repository: Repository, config: FerryConfig, clock: Callable[[], datetime]
) -> None:
    service = _shared(repository, config, clock)
    await add_handle(service, BOB, "taken")
    await add_handle(service, BOB, "also_taken", platform="rednote")
    with pytest.raises(HandleTakenError):
        await add_handle(service, ALICE, "taken")  # a newcomer: the member made for it is taken back
    assert await repository.find_member(community="demo", identity=ALICE) is None
    await add_handle(service, ALICE, "mine", platform="rednote")
    with pytest.raises(HandleTakenError):
        await add_handle(service, ALICE, "also_taken", platform="rednote")  # a replaced handle
    moderation = ModerationService(repository=repository, directory=service, clock=clock)
    await moderation.ban(community="demo", identity=ALICE, actor="admin:discord:9")
    with pytest.raises(BannedError):
        await add_handle(service, ALICE, "anything", platform="youtube")
    async with database.transaction() as conn:
        audited = (await conn.execute(select(audit_log.c.action, audit_log.c.detail))).all()
    assert [detail for action, detail in audited if action.startswith("entry.")] == [
        {"handle": "taken"},
        {"handle": "also_taken"},
        {"handle": "mine"},
    ]
    account = f"demo|{ALICE.kind.value}:{ALICE.external_id}|registration"
    assert (await _hit_keys(database)).count(account) == 4
    with pytest.raises(BannedError):
        await add_handle(service, ALICE, "again", platform="youtube")  # the fifth of the minute
    await add_handle(service, BOB, "bob_again", platform="youtube")  # someone else is not slowed down
    with pytest.raises(RateLimitedError):
        await add_handle(service, ALICE, "again", platform="youtube")
    assert (await _hit_keys(database)).count(account) == 5  # a rate-limited attempt records nothing


async def test_a_refused_proof_leaves_no_member_behind_and_still_counts(
    database: Database, repository: Repository, config: FerryConfig, clock: Callable[[], datetime]
) -> None:
    """A newcomer's Bluesky proof of a handle an admin verified for someone else is refused: the
    member made for it goes, only its count is committed."""
    service = _shared(repository, config, clock)
    moderation = ModerationService(repository=repository, directory=service, clock=clock)
    await add_handle(service, BOB, "verified")
    await moderation.verify(community="demo", identity=BOB, platform="lemon8", actor="admin:discord:9")
    with pytest.raises(HandleTakenError):
        await service.register(
            community="demo",
            identity=ALICE,
            display_name="A",
            platform="lemon8",
            handle="verified",
            source=Source.BLUESKY,
            verification=Verification.BLUESKY_PROVEN,
        )
    assert await repository.find_member(community="demo", identity=ALICE) is None
    async with database.transaction() as conn:
        assert (await conn.execute(select(func.count()).select_from(members))).scalar_one() == 1
    account = f"demo|{ALICE.kind.value}:{ALICE.external_id}|registration"
    assert (await _hit_keys(database)).count(account) == 1


async def test_one_account_from_two_processes_at_once_gets_exactly_its_allowance(
    database: Database, database_url: str, config: FerryConfig, clock: Callable[[], datetime]
) -> None:
    """The account's first command creates its member while the others wait on its key, then count
    against the member found: five succeed, whichever process and platform they came through."""
    async with await Database.open(database_url) as other:
        services = [_shared(Repository(db), config, clock) for db in (database, other)]
        platforms = ["lemon8", "instagram", "youtube"]

        async def attempt(n: int) -> bool:
            try:
                await add_handle(services[n % 2], ALICE, f"alice{n}", platform=platforms[n % len(platforms)])
            except RateLimitedError:
                return False
            return True

        outcomes = await asyncio.gather(*(attempt(n) for n in range(12)))
    assert sum(outcomes) == 5

"""Many registrations at once: no lost, duplicated or doubly-granted rows on either dialect."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select

from bot.errors import HandleTakenError, MemberNotFoundError
from bot.models import Registration, Source, Verification
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import audit_log, entries, member_identities, members
from tests.bot.storage._helpers import COMMUNITY, T0, discord

USERS = 20
CALLS_PER_USER = 3  # the same person clicking three times (Discord interactions are at-least-once)
CONTENDERS = 10  # users 0..9 also race for one handle


async def join_and_register(repo: Repository, user: int, platform: str, handle: str) -> Registration:
    member = await repo.ensure_member(
        community=COMMUNITY, identity=discord(user), display_name=f"user {user}", now=T0
    )
    return await repo.upsert_entry(
        member_id=member.id,
        community=COMMUNITY,
        platform=platform,
        handle=handle,
        handle_key=handle,
        visibility=None,
        verification=Verification.SELF_REPORTED,
        source=Source.DISCORD,
        now=T0,
        actor="member",
    )


async def count(database: Database, table, *where) -> int:
    async with database.transaction() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def test_concurrent_registrations(repository: Repository, database: Database) -> None:
    own = [(u, "instagram", f"user{u}") for u in range(USERS) for _ in range(CALLS_PER_USER)]
    contested = [(u, "x", "contested") for u in range(CONTENDERS)]
    calls = own + contested
    calls = calls[::2] + calls[1::2]  # interleave, so contenders and repeats overlap in time
    results = await asyncio.gather(
        *(join_and_register(repository, *call) for call in calls), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(e, HandleTakenError) for e in errors), errors
    assert len(errors) == CONTENDERS - 1, errors

    assert await count(database, members) == USERS
    assert await count(database, member_identities) == USERS
    assert await count(database, entries, entries.c.platform == "instagram") == USERS
    assert await count(database, entries, entries.c.platform == "x") == 1

    created = Counter(r.entry.member_id for r in results if isinstance(r, Registration) and r.created)
    assert sum(created.values()) == USERS + 1, "each entry was created exactly once"
    assert await count(database, audit_log, audit_log.c.action == "entry.add") == USERS + 1
    assert await count(database, audit_log, audit_log.c.action != "entry.add") == 0

    for user in range(USERS):
        member = await repository.find_member(community=COMMUNITY, identity=discord(user))
        assert member is not None
        handles = {e.platform: e.handle for e in await repository.list_entries(member.id)}
        assert handles.get("instagram") == f"user{user}"
    winner = await repository.find_entry_by_handle(community=COMMUNITY, platform="x", handle_key="contested")
    assert winner is not None
    assert winner.member_name in {f"user {u}" for u in range(CONTENDERS)}


async def test_concurrent_ensure_member_for_one_identity(repository: Repository, database: Database) -> None:
    found = await asyncio.gather(
        *(
            repository.ensure_member(community=COMMUNITY, identity=discord(7), display_name="seven", now=T0)
            for _ in range(60)
        )
    )
    assert len({m.id for m in found}) == 1
    assert await count(database, members) == 1


async def test_concurrent_replacements_by_one_member_end_consistent(repository: Repository) -> None:
    """Racing changes of one member's handle serialise: one entry, holding one of the handles."""
    handles = [f"try{i}" for i in range(30)]
    results = await asyncio.gather(*(join_and_register(repository, 1, "instagram", h) for h in handles))
    assert sum(r.created for r in results) == 1
    member = await repository.find_member(community=COMMUNITY, identity=discord(1))
    assert member is not None
    [entry] = await repository.list_entries(member.id)
    assert entry.handle in handles
    replaced = sorted(r.previous_handle for r in results if r.previous_handle is not None)
    assert len(replaced) == len(handles) - 1, "every write but the first replaced the one before it"


async def test_forget_racing_registrations_leaves_no_trace(
    repository: Repository, database: Database
) -> None:
    """Each registration lands wholly before the erasure (and is erased) or wholly after it."""
    first = [await join_and_register(repository, user, "instagram", f"old{user}") for user in range(10)]
    results = await asyncio.gather(
        *(repository.forget_member(member_id=r.entry.member_id, now=T0, actor="member") for r in first),
        *(join_and_register(repository, user, "tiktok", f"new{user}") for user in range(10)),
        return_exceptions=True,
    )
    # The only acceptable failure: the member vanished between ensure_member and upsert_entry.
    assert all(not isinstance(r, BaseException) or isinstance(r, MemberNotFoundError) for r in results), (
        results
    )
    forgotten = {r.entry.member_id for r in first}
    for table, column in ((members, members.c.id), (entries, entries.c.member_id)):
        assert await count(database, table, column.in_(forgotten)) == 0, table.name
    assert await count(database, member_identities, member_identities.c.member_id.in_(forgotten)) == 0
    assert (
        await count(
            database, audit_log, audit_log.c.member_id.in_(forgotten), audit_log.c.detail.is_not(None)
        )
        == 0
    )
    assert await count(database, entries, entries.c.platform == "instagram") == 0

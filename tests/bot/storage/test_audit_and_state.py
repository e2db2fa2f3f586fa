"""The audit log (newest first, paged by id) and the key-value state table."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import kv_state
from tests.bot.storage._helpers import COMMUNITY, T0, add_member, at, register


async def test_audit_log_is_newest_first_and_pages_by_id(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    bob = await add_member(repository, "Bob")
    for i in range(5):
        await register(repository, ana, "instagram", f"ana{i}", now=at(i))
    await register(repository, bob, "instagram", "bob", now=at(9))

    everything = await repository.audit_log(community=COMMUNITY)
    assert [r.at for r in everything] == [at(9), at(4), at(3), at(2), at(1), at(0)]
    assert [r.id for r in everything] == sorted((r.id for r in everything), reverse=True)

    first = await repository.audit_log(community=COMMUNITY, member_id=ana.id, limit=2)
    assert [r.detail for r in first] == [{"old": "ana3", "new": "ana4"}, {"old": "ana2", "new": "ana3"}]
    rest = await repository.audit_log(community=COMMUNITY, member_id=ana.id, limit=10, before_id=first[-1].id)
    assert [r.action for r in rest] == ["entry.replace", "entry.replace", "entry.add"]
    assert {r.member_id for r in first + rest} == {ana.id}
    assert await repository.audit_log(community=COMMUNITY, before_id=everything[-1].id) == []


async def test_audit_log_is_per_community(repository: Repository) -> None:
    here = await add_member(repository, "Ana")
    there = await add_member(repository, "Ana", community="other")
    await register(repository, here, "instagram", "ana")
    await register(repository, there, "instagram", "ana")
    assert [r.community for r in await repository.audit_log(community="other")] == ["other"]
    assert await repository.audit_log(community="other", member_id=here.id) == []
    assert await repository.audit_log(community="nobody") == []


async def test_state_round_trip_and_overwrite(repository: Repository, database: Database) -> None:
    assert await repository.get_state("bluesky.session") is None
    await repository.set_state("bluesky.session", "first", T0)
    await repository.set_state("poller.cursor", "🦊" * 1000, T0)
    await repository.set_state("bluesky.session", "second", at(1))
    assert await repository.get_state("bluesky.session") == "second"
    assert await repository.get_state("poller.cursor") == "🦊" * 1000
    async with database.transaction() as conn:
        rows = (await conn.execute(select(kv_state).order_by(kv_state.c.key))).all()
    assert [(r.key, r.updated_at) for r in rows] == [("bluesky.session", at(1)), ("poller.cursor", T0)]

"""Link codes in the repository: issuing under a limit, and redemptions racing each other."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.models import Identity, IdentityKind, Verification, Visibility
from bot.storage.database import Database
from bot.storage.link_codes import LinkRules, ProvenHandle
from bot.storage.repository import Repository
from bot.storage.tables import link_codes
from tests.bot.storage._helpers import COMMUNITY, T0, add_member, at, register

RULES = LinkRules(max_failures=10, window=timedelta(hours=1))


def account(did: str, handle: str) -> ProvenHandle:
    return ProvenHandle(
        platform="bluesky", did=did, handle=handle, handle_key=handle, visibility=Visibility.PUBLIC
    )


async def create(
    repository: Repository, member_id: int, code_hash: str, minute: int, handle: str = "ana.bsky.social"
) -> float | None:
    return await repository.create_link_code(
        code_hash=code_hash,
        community=COMMUNITY,
        member_id=member_id,
        handle_key=handle,
        now=at(minute),
        expires_at=at(minute + 15),
        max_codes=2,
        window=timedelta(hours=1),
    )


async def test_the_limit_frees_a_slot_when_the_oldest_code_leaves_the_window(
    repository: Repository, database: Database
) -> None:
    ana = await add_member(repository, "Ana")
    assert await create(repository, ana.id, "h1", 0) is None
    assert await create(repository, ana.id, "h2", 10) is None
    assert await create(repository, ana.id, "h3", 20) == 40 * 60  # h1 leaves the window at minute 60
    assert await create(repository, ana.id, "h3", 60) is None
    async with database.transaction() as conn:
        states = dict((await conn.execute(select(link_codes.c.code_hash, link_codes.c.state))).all())
    # h1 left the window, so it is no longer kept; h2 still counts against the limit.
    assert states == {"h2": "revoked", "h3": "open"}


async def test_two_accounts_racing_for_one_code_link_exactly_one(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    await create(repository, ana.id, "h", 0)
    outcomes = await asyncio.gather(
        *(
            repository.redeem_link_code(
                code_hash="h",
                community=COMMUNITY,
                # One handle, four accounts: the handle bound to the code does not decide the race.
                account=account(f"did:plc:racer{n}", "ana.bsky.social"),
                rules=RULES,
                now=at(1),
            )
            for n in range(4)
        )
    )
    winners = [o for o in outcomes if o.refused is None]
    assert len(winners) == 1
    assert sorted(o.refused for o in outcomes if o.refused) == ["other_account"] * 3
    member = await repository.get_member(ana.id)
    assert member is not None
    assert [i.kind for i in member.identities] == [IdentityKind.BLUESKY, IdentityKind.DISCORD]


async def test_relinking_moves_the_member_to_the_newly_proven_account(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    await create(repository, ana.id, "first", 0, "old.bsky.social")
    await repository.redeem_link_code(
        code_hash="first",
        community=COMMUNITY,
        account=account("did:plc:old", "old.bsky.social"),
        rules=RULES,
        now=at(1),
    )
    await create(repository, ana.id, "second", 2, "new.bsky.social")
    result = await repository.redeem_link_code(
        code_hash="second",
        community=COMMUNITY,
        account=account("did:plc:new", "new.bsky.social"),
        rules=RULES,
        now=at(3),
    )
    assert result.member is not None
    assert Identity(IdentityKind.BLUESKY, "did:plc:new") in result.member.identities
    assert Identity(IdentityKind.BLUESKY, "did:plc:old") not in result.member.identities
    assert [(e.platform, e.handle) for e in result.dropped] == [("bluesky", "old.bsky.social")]


async def test_an_admin_verified_handle_keeps_its_level_when_proven(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    await register(
        repository, ana, "bluesky", "ana.bsky.social", verification=Verification.ADMIN_VERIFIED, now=T0
    )
    await create(repository, ana.id, "h", 0)
    result = await repository.redeem_link_code(
        code_hash="h",
        community=COMMUNITY,
        account=account("did:plc:ana", "ana.bsky.social"),
        rules=RULES,
        now=at(1),
    )
    assert result.entry is not None and result.entry.verification is Verification.ADMIN_VERIFIED
    assert result.dropped == ()

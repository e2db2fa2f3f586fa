"""LinkingService: codes, refusals and the merge of a Discord member with a Bluesky one, on both dialects."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.config import FerryConfig
from bot.errors import BannedError, HandleTakenError, LinkCodeError, RateLimitedError
from bot.models import EVERY_VISIBILITY, AuditRecord, Identity, IdentityKind, Source, Verification
from bot.services.directory import DirectoryService
from bot.services.events import ChangeKind, DirectoryChange
from bot.services.linking import LinkingService, canonical_code
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import entries, kv_state, link_codes, member_identities, members
from tests.support.services import FakeClock

DISCORD = Identity(IdentityKind.DISCORD, "111111111111111111")
OTHER_DISCORD = Identity(IdentityKind.DISCORD, "222222222222222222")
DID = "did:plc:linkedaccount0000000000"
STRANGER = "did:plc:someoneelse000000000000"
HANDLE = "mover.bsky.social"


@pytest.fixture
def linking(
    repository: Repository, service: DirectoryService, config: FerryConfig, clock: Callable[[], datetime]
) -> LinkingService:
    return LinkingService(repository=repository, directory=service, config=lambda: config, clock=clock)


async def issue(linking: LinkingService, who: Identity = DISCORD, handle: str = HANDLE) -> str:
    return (await linking.issue_code(community="demo", identity=who, display_name="Ana", handle=handle)).code


async def redeem(linking: LinkingService, code: str, did: str = DID, handle: str = HANDLE):
    return await linking.redeem(community="demo", code=code, did=did, handle=handle)


async def refused(linking: LinkingService, code: str, did: str = DID) -> str:
    with pytest.raises(LinkCodeError) as raised:
        await redeem(linking, code, did)
    return raised.value.reason


async def add(service: DirectoryService, who: Identity, platform: str, handle: str) -> None:
    await service.register(
        community="demo",
        identity=who,
        display_name="x",
        platform=platform,
        handle=handle,
        source=Source.CONSOLE,
    )


async def audit(repository: Repository, action: str) -> list[AuditRecord]:
    return [r for r in await repository.audit_log(community="demo", limit=100) if r.action == action]


async def test_codes_are_typable_single_use_and_only_hashed(
    linking: LinkingService, database: Database
) -> None:
    code = await issue(linking)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}", code)
    async with database.transaction() as conn:
        stored = (await conn.execute(select(link_codes.c.code_hash))).scalars().all()
    plain = code.replace("-", "")
    assert stored == [hashlib.sha256(plain.encode()).hexdigest()]
    # Typed sloppily: lower case, no dashes, a letter O for a zero and an l for a one.
    sloppy = plain.lower().replace("0", "o").replace("1", "l")
    linked = await redeem(linking, f" {sloppy} ")
    assert linked.entry.handle == HANDLE
    assert await refused(linking, code) == "used"
    assert await refused(linking, code, STRANGER) == "other_account"


def test_canonical_code_rejects_what_cannot_be_a_code() -> None:
    assert canonical_code("k7qm-4xpa-2h") == "K7QM4XPA2H"
    assert canonical_code("K7QM 4XPA 2H") == "K7QM4XPA2H"
    assert canonical_code("K7QM-4XPA-2") is None  # too short
    assert canonical_code("K7QM-4XPA-2U") is None  # U is not in the alphabet
    assert canonical_code("K7QM-4XPA-2Ü") is None


async def test_every_refusal_is_audited_without_the_code(
    linking: LinkingService, repository: Repository
) -> None:
    code = await issue(linking)
    await redeem(linking, code)
    assert await refused(linking, code, STRANGER) == "other_account"
    assert await refused(linking, "ZZZZ-ZZZZ-ZZ", STRANGER) == "unknown"
    assert await refused(linking, "not a code at all", STRANGER) == "unknown"
    rows = await audit(repository, "link.refused")
    assert [r.detail for r in rows] == [{"reason": "unknown"}] * 2 + [{"reason": "other_account"}]
    assert {r.actor for r in rows} == {f"bluesky:{STRANGER}"}
    plain = code.replace("-", "")
    everything = repr(await repository.audit_log(community="demo", limit=100))
    assert plain not in everything and code not in everything


async def test_a_code_expires_after_exactly_fifteen_minutes(
    linking: LinkingService, clock: FakeClock
) -> None:
    code = await issue(linking)
    clock.now += timedelta(minutes=15) - timedelta(seconds=1)  # the next reading is 15 min after issue
    assert await refused(linking, code) == "expired"
    fresh = await issue(linking)
    clock.now += timedelta(minutes=14)
    assert (await redeem(linking, fresh)).entry.verification is Verification.BLUESKY_PROVEN


async def test_a_new_code_revokes_the_previous_one(linking: LinkingService) -> None:
    first = await issue(linking)
    second = await issue(linking)
    assert await refused(linking, first) == "expired"
    await redeem(linking, second)


async def test_dead_codes_and_their_handles_go_once_the_rate_limit_no_longer_counts_them(
    linking: LinkingService, clock: FakeClock, database: Database
) -> None:
    await issue(linking)
    await issue(linking)  # revokes the first
    clock.now += timedelta(hours=1)  # both are now past the issuing window; the second has expired
    latest = await issue(linking)
    async with database.transaction() as conn:
        states = (await conn.execute(select(link_codes.c.state))).scalars().all()
        bound = (await conn.execute(select(kv_state.c.key).where(kv_state.c.key.like("link-handle:%")))).all()
    assert (states, len(bound)) == (["open"], 1)
    await redeem(linking, latest)


async def test_issuing_is_rate_limited_per_member(linking: LinkingService, clock: FakeClock) -> None:
    for _ in range(5):
        await issue(linking)
    with pytest.raises(RateLimitedError) as raised:
        await issue(linking)
    assert raised.value.action == "link-code"
    assert 3590 < raised.value.retry_after <= 3600
    await issue(linking, OTHER_DISCORD)  # someone else is not held back
    clock.now += timedelta(seconds=raised.value.retry_after)
    await issue(linking)


async def test_guessing_is_stopped_per_account(linking: LinkingService, clock: FakeClock) -> None:
    code = await issue(linking)
    for n in range(10):
        assert await refused(linking, f"AAAA-AAAA-{n}A") == "unknown"
    # Even the right code is refused now, and that refusal counts as well.
    assert await refused(linking, code) == "too_many_attempts"
    assert (await redeem(linking, code, STRANGER)).member.identities[0].external_id == STRANGER
    clock.now += timedelta(hours=1)
    assert await refused(linking, code) == "other_account"  # the window passed: judged on its merits


async def test_link_without_a_bluesky_member_proves_the_typed_handle(
    linking: LinkingService, service: DirectoryService, repository: Repository
) -> None:
    await add(service, DISCORD, "bluesky", "typed.bsky.social")
    await add(service, DISCORD, "lemon8", "cook")
    changes: list[DirectoryChange] = []

    async def listen(change: DirectoryChange) -> None:
        changes.append(change)

    service.changes.subscribe(listen)
    linked = await redeem(linking, await issue(linking))
    assert not linked.merged
    assert set(linked.member.identities) == {DISCORD, Identity(IdentityKind.BLUESKY, DID)}
    assert [(e.platform, e.handle) for e in linked.dropped] == [("bluesky", "typed.bsky.social")]
    handles = await service.handles(
        visibilities=EVERY_VISIBILITY, community="demo", identity=Identity(IdentityKind.BLUESKY, DID)
    )
    assert [(e.platform, e.handle, e.verification) for e in handles] == [
        ("bluesky", HANDLE, Verification.BLUESKY_PROVEN),
        ("lemon8", "cook", Verification.SELF_REPORTED),
    ]
    assert handles[0].source is Source.BLUESKY
    assert [c.kind for c in changes] == [ChangeKind.MEMBER_LINKED]
    assert Identity(IdentityKind.BLUESKY, DID) in changes[0].identities
    [row] = await audit(repository, "member.link")
    # By "member", not the DID: the account id would outlive a forget in the actor column.
    assert row.actor == "member" and row.member_id == linked.member.id


async def test_link_merges_an_existing_bluesky_member_keeping_newer_entries(
    linking: LinkingService, service: DirectoryService, repository: Repository, database: Database
) -> None:
    bluesky = Identity(IdentityKind.BLUESKY, DID)
    await add(service, DISCORD, "lemon8", "old_cook")  # older than the Bluesky member's
    await add(service, bluesky, "bluesky", HANDLE)  # as "join" does
    await add(service, bluesky, "lemon8", "new_cook")
    await add(service, bluesky, "rednote", "5e8f1a2b3c4d5e6f7a8b9c0d")
    await add(service, DISCORD, "mastodon", "@me@mastodon.social")  # newer, but no conflict
    absorbed = await service.member(community="demo", identity=bluesky)
    assert absorbed is not None
    code = await issue(linking)
    linked = await redeem(linking, code)
    assert linked.merged
    assert [(e.platform, e.handle) for e in linked.dropped] == [("lemon8", "old_cook")]
    handles = await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=DISCORD)
    assert [(e.platform, e.handle) for e in handles] == [
        ("bluesky", HANDLE),
        ("lemon8", "new_cook"),
        ("mastodon", "me@mastodon.social"),
        ("rednote", "5e8f1a2b3c4d5e6f7a8b9c0d"),
    ]
    assert await repository.get_member(absorbed.id) is None
    # The absorbed member's history now belongs to the merged member.
    assert await repository.audit_log(community="demo", member_id=absorbed.id) == []
    history = await repository.audit_log(community="demo", member_id=linked.member.id, limit=100)
    assert sum(r.detail.get("handle") == "new_cook" for r in history) == 1
    async with database.transaction() as conn:
        count = (await conn.execute(select(func.count()).select_from(members))).scalar_one()
    assert count == 1


async def test_hidden_survives_a_merge(
    linking: LinkingService, service: DirectoryService, repository: Repository
) -> None:
    await add(service, DISCORD, "lemon8", "cook")
    await add(service, Identity(IdentityKind.BLUESKY, DID), "bluesky", HANDLE)
    discord_member = await service.member(community="demo", identity=DISCORD)
    assert discord_member is not None
    await repository.set_hidden(
        member_id=discord_member.id, hidden=True, now=discord_member.created_at, actor="t"
    )
    linked = await redeem(linking, await issue(linking))
    assert linked.member.hidden


async def ban(repository: Repository, service: DirectoryService, who: Identity) -> None:
    member = await service.member(community="demo", identity=who)
    assert member is not None
    await repository.set_banned(member_id=member.id, banned=True, now=member.created_at, actor="t")


async def test_a_banned_member_gets_no_code(
    linking: LinkingService, service: DirectoryService, repository: Repository
) -> None:
    await add(service, DISCORD, "lemon8", "cook")
    await ban(repository, service, DISCORD)
    with pytest.raises(BannedError):
        await issue(linking)


@pytest.mark.parametrize("banned", ["discord", "bluesky"])
async def test_a_link_involving_a_banned_member_is_refused_and_audited(
    linking: LinkingService, service: DirectoryService, repository: Repository, banned: str
) -> None:
    bluesky = Identity(IdentityKind.BLUESKY, DID)
    await add(service, DISCORD, "lemon8", "cook")
    await add(service, bluesky, "bluesky", HANDLE)
    code = await issue(linking)  # banned after issuing: the redemption itself must check
    await ban(repository, service, DISCORD if banned == "discord" else bluesky)
    assert await refused(linking, code) == "banned"
    assert [r.detail for r in await audit(repository, "link.refused")] == [{"reason": "banned"}]
    still = await service.member(community="demo", identity=bluesky)
    assert still is not None and [i.kind for i in still.identities] == [IdentityKind.BLUESKY]


async def test_a_handle_an_admin_verified_for_a_third_member_changes_nothing(
    linking: LinkingService, service: DirectoryService, repository: Repository, clock: FakeClock
) -> None:
    await add(service, OTHER_DISCORD, "bluesky", HANDLE)
    other = await service.member(community="demo", identity=OTHER_DISCORD)
    assert other is not None
    await repository.set_verification(
        member_id=other.id,
        platform="bluesky",
        verification=Verification.ADMIN_VERIFIED,
        now=clock.now,
        actor="admin:discord:1",
    )
    code = await issue(linking)
    with pytest.raises(HandleTakenError):
        await redeem(linking, code)
    assert await service.member(community="demo", identity=Identity(IdentityKind.BLUESKY, DID)) is None
    await service.remove(community="demo", identity=OTHER_DISCORD, platform="bluesky")
    await redeem(linking, code)  # the code was not spent by the failed attempt


async def test_forget_after_linking_erases_both_identities(
    linking: LinkingService, service: DirectoryService, database: Database
) -> None:
    await redeem(linking, await issue(linking))
    await service.forget(community="demo", identity=Identity(IdentityKind.BLUESKY, DID))
    assert await service.member(community="demo", identity=DISCORD) is None
    async with database.transaction() as conn:
        for table in (members, member_identities, entries, link_codes):
            assert (await conn.execute(select(func.count()).select_from(table))).scalar_one() == 0


async def test_a_forgotten_members_code_is_unknown(
    linking: LinkingService, service: DirectoryService
) -> None:
    code = await issue(linking)
    await service.forget(community="demo", identity=DISCORD)
    assert await refused(linking, code) == "unknown"


async def test_forget_racing_a_redeem_leaves_no_orphans(
    linking: LinkingService, service: DirectoryService, database: Database
) -> None:
    bluesky = Identity(IdentityKind.BLUESKY, DID)
    for _ in range(3):
        await add(service, DISCORD, "lemon8", "cook")
        await add(service, bluesky, "rednote", "5e8f1a2b3c4d5e6f7a8b9c0d")
        code = await issue(linking)
        outcomes = await asyncio.gather(
            redeem(linking, code),
            service.forget(community="demo", identity=DISCORD),
            return_exceptions=True,
        )
        assert not any(isinstance(o, Exception) and not isinstance(o, LinkCodeError) for o in outcomes)
        async with database.transaction() as conn:
            orphans = 0
            for table in (member_identities, entries, link_codes):
                orphans += (
                    await conn.execute(
                        select(func.count())
                        .select_from(table)
                        .where(table.c.member_id.not_in(select(members.c.id)))
                    )
                ).scalar_one()
        assert orphans == 0
        # Whichever won, the Discord account is gone: forgotten before the merge or together with it.
        assert await service.member(community="demo", identity=DISCORD) is None
        leftover = await service.member(community="demo", identity=bluesky)
        if leftover is not None:
            await service.forget(community="demo", identity=bluesky)

"""DirectoryService.forget: no account id survives in the audit log, a ban survives as a hash only,
and a merge landing mid-forget cannot make it erase nothing; on both dialects."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import FerryConfig
from bot.errors import BannedError, LinkCodeError, MemberNotFoundError, NotRegisteredError
from bot.models import Identity, IdentityKind, Source, Verification
from bot.services.directory import DirectoryService
from bot.services.linking import LinkingService
from bot.services.moderation import ModerationService
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import audit_log, kv_state

DISCORD_ID = "111111111111111111"
DISCORD = Identity(IdentityKind.DISCORD, DISCORD_ID)
DID = "did:plc:forgetmeplease0000000000"
BLUESKY = Identity(IdentityKind.BLUESKY, DID)
HANDLE = "mover.bsky.social"


@pytest.fixture
def linking(
    repository: Repository, service: DirectoryService, config: FerryConfig, clock: Callable[[], datetime]
) -> LinkingService:
    return LinkingService(repository=repository, directory=service, config=lambda: config, clock=clock)


async def link(linking: LinkingService) -> None:
    issued = await linking.issue_code(community="demo", identity=DISCORD, display_name="Ana", handle=HANDLE)
    await linking.redeem(community="demo", code=issued.code, did=DID, handle=HANDLE)


async def every_audit_value(database: Database) -> str:
    async with database.transaction() as conn:
        rows = (await conn.execute(select(audit_log.c.actor, audit_log.c.detail))).all()
    return repr(rows)


async def test_forget_leaves_no_account_id_in_the_audit_log(
    linking: LinkingService,
    service: DirectoryService,
    moderation: ModerationService,
    database: Database,
) -> None:
    # The person mistypes a code once (a refusal under their DID), links, and, as an admin, hides
    # someone else (an action under their Discord id).
    with pytest.raises(LinkCodeError):
        await linking.redeem(community="demo", code="AAAA-AAAA-AA", did=DID, handle=HANDLE)
    await link(linking)
    other = Identity(IdentityKind.DISCORD, "222222222222222222")
    await service.register(
        community="demo",
        identity=other,
        display_name="B",
        platform="lemon8",
        handle="bee",
        source=Source.DISCORD,
    )
    await moderation.set_hidden(
        community="demo", identity=other, hidden=True, actor=f"admin:discord:{DISCORD_ID}"
    )
    before = await every_audit_value(database)
    assert DID in before and DISCORD_ID in before  # the check below can fail

    await service.forget(community="demo", identity=BLUESKY)
    after = await every_audit_value(database)
    assert DID not in after and DISCORD_ID not in after
    hide = [r for r in await moderation.audit(community="demo", identity=other) if r.action == "member.hide"]
    assert [r.actor for r in hide] == ["forgotten"]  # what was done stays; only who is gone


async def test_forgetting_a_banned_member_keeps_the_ban_as_a_hash(
    linking: LinkingService,
    service: DirectoryService,
    moderation: ModerationService,
    database: Database,
) -> None:
    await link(linking)
    await moderation.ban(community="demo", identity=DISCORD, actor="operator")
    await service.forget(community="demo", identity=DISCORD)
    async with database.transaction() as conn:
        stored = (await conn.execute(select(kv_state.c.key, kv_state.c.value))).all()
    expected = {
        "ban:" + hashlib.sha256(f"ban:demo:{kind}:{ext}".encode()).hexdigest()
        for kind, ext in (("discord", DISCORD_ID), ("bluesky", DID))
    } | {  # and what a re-import must not bring back: the whole member, every platform
        "withdrawn:" + hashlib.sha256(f"withdrawn:demo:{kind}:{ext}:*".encode()).hexdigest()
        for kind, ext in (("discord", DISCORD_ID), ("bluesky", DID))
    }
    assert {key for key, _ in stored} == expected and {value for _, value in stored} == {"1"}

    async def add(who: Identity, **extra: Any) -> None:
        await service.register(
            community="demo",
            identity=who,
            display_name="A",
            platform="bluesky",
            handle=HANDLE,
            source=Source.BLUESKY,
            **extra,
        )

    with pytest.raises(BannedError):
        await add(DISCORD)
    with pytest.raises(BannedError):
        await add(BLUESKY, verification=Verification.BLUESKY_PROVEN)  # a join
    with pytest.raises(BannedError):
        await linking.issue_code(community="demo", identity=DISCORD, display_name="A", handle=HANDLE)
    assert await service.member(community="demo", identity=DISCORD) is None  # refused before a row

    # Unbanning an account that has no member any more lifts exactly its tombstone.
    assert await moderation.unban(community="demo", identity=DISCORD, actor="operator") is None
    await linking.issue_code(community="demo", identity=DISCORD, display_name="A", handle=HANDLE)
    with pytest.raises(BannedError):
        await linking.redeem(community="demo", code="AAAA-AAAA-AA", did=DID, handle=HANDLE)
    await moderation.unban(community="demo", identity=BLUESKY, actor="operator")
    await add(BLUESKY)
    with pytest.raises(MemberNotFoundError):
        await moderation.unban(
            community="demo", identity=Identity(IdentityKind.DISCORD, "9"), actor="operator"
        )


async def test_forgetting_a_member_never_banned_leaves_no_tombstone(
    service: DirectoryService, database: Database
) -> None:
    await service.register(
        community="demo",
        identity=DISCORD,
        display_name="A",
        platform="lemon8",
        handle="cook",
        source=Source.DISCORD,
    )
    await service.forget(community="demo", identity=DISCORD)
    async with database.transaction() as conn:
        keys = (await conn.execute(select(kv_state.c.key))).scalars().all()
    # Only the withdrawal marker that keeps re-imports from bringing them back; no ban.
    assert [key.split(":")[0] for key in keys] == ["withdrawn"]


async def test_a_merge_landing_mid_forget_does_not_make_forget_erase_nothing(
    linking: LinkingService,
    service: DirectoryService,
    repository: Repository,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await service.register(
        community="demo",
        identity=BLUESKY,
        display_name="B",
        platform="lemon8",
        handle="cook",
        source=Source.BLUESKY,
    )
    issued = await linking.issue_code(community="demo", identity=DISCORD, display_name="A", handle=HANDLE)
    merged = False

    async def merge_now() -> None:
        nonlocal merged
        if not merged:
            merged = True  # the Bluesky account's member is absorbed into the Discord one
            await linking.redeem(community="demo", code=issued.code, did=DID, handle=HANDLE)

    # Whichever way forget reads the member, the merge lands right after it starts.
    find, forget_identity = repository.find_member, repository.forget_identity

    async def find_then_merge(**kwargs: Any) -> Any:
        found = await find(**kwargs)
        await merge_now()
        return found

    async def merge_then_forget(**kwargs: Any) -> Any:
        await merge_now()
        return await forget_identity(**kwargs)

    monkeypatch.setattr(repository, "find_member", find_then_merge)
    monkeypatch.setattr(repository, "forget_identity", merge_then_forget)
    erased = await service.forget(community="demo", identity=BLUESKY)
    monkeypatch.undo()
    assert merged and erased.handles == 2  # lemon8 and the proven Bluesky handle
    assert await service.member(community="demo", identity=BLUESKY) is None
    assert await service.member(community="demo", identity=DISCORD) is None
    with pytest.raises(NotRegisteredError):
        await service.forget(community="demo", identity=BLUESKY)


async def test_an_account_that_never_registered_can_still_forget_its_link_attempts(
    linking: LinkingService, service: DirectoryService, database: Database
) -> None:
    with pytest.raises(NotRegisteredError):
        await service.forget(community="demo", identity=BLUESKY)  # nothing kept, nothing scrubbed
    with pytest.raises(LinkCodeError):
        await linking.redeem(community="demo", code="AAAA-AAAA-AA", did=DID, handle=HANDLE)
    assert DID in await every_audit_value(database)
    erasure = await service.forget(community="demo", identity=BLUESKY)
    assert (erasure.member, erasure.handles, erasure.traces) == (False, 0, 1)
    assert DID not in await every_audit_value(database)

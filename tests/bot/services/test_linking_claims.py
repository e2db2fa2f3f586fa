"""LinkingService: who may redeem a code (the handle it is bound to), in which community, and what
a proof does to someone else's claim on the proven handle; on both dialects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from bot.config import FerryConfig
from bot.errors import HandleTakenError, InvalidHandleError, LinkCodeError
from bot.models import EVERY_VISIBILITY, AuditRecord, Identity, IdentityKind, Source, Verification
from bot.services.directory import DirectoryService
from bot.services.events import ChangeKind, DirectoryChange
from bot.services.linking import LinkingService
from bot.storage.repository import Repository
from tests.support.services import FakeClock

DISCORD = Identity(IdentityKind.DISCORD, "111111111111111111")
SQUATTER = Identity(IdentityKind.DISCORD, "333333333333333333")
DID = "did:plc:linkedaccount0000000000"
THIEF = "did:plc:copiedthecode00000000000"
HANDLE = "mover.bsky.social"


@pytest.fixture
def linking(
    repository: Repository, service: DirectoryService, config: FerryConfig, clock: Callable[[], datetime]
) -> LinkingService:
    return LinkingService(repository=repository, directory=service, config=lambda: config, clock=clock)


async def issue(linking: LinkingService, community: str = "demo", handle: str = HANDLE) -> str:
    issued = await linking.issue_code(
        community=community, identity=DISCORD, display_name="Ana", handle=handle
    )
    return issued.code


async def audit(repository: Repository, action: str, community: str = "demo") -> list[AuditRecord]:
    return [r for r in await repository.audit_log(community=community, limit=100) if r.action == action]


def recorder(service: DirectoryService) -> list[DirectoryChange]:
    changes: list[DirectoryChange] = []

    async def listen(change: DirectoryChange) -> None:
        changes.append(change)

    service.changes.subscribe(listen)
    return changes


async def test_a_copied_code_is_refused_to_any_other_handle(
    linking: LinkingService, service: DirectoryService, repository: Repository
) -> None:
    code = await issue(linking, handle="@Mover.bsky.social")  # normalised like any Bluesky handle
    with pytest.raises(LinkCodeError) as raised:
        await linking.redeem(community="demo", code=code, did=THIEF, handle="thief.bsky.social")
    assert raised.value.reason == "other_account"
    [row] = await audit(repository, "link.refused")
    assert row.detail == {"reason": "other_account"} and row.actor == f"bluesky:{THIEF}"
    assert await service.member(community="demo", identity=Identity(IdentityKind.BLUESKY, THIEF)) is None
    # The thief's try spent nothing: the member's own account still links with the code.
    linked = await linking.redeem(community="demo", code=code, did=DID, handle=HANDLE)
    assert linked.entry.handle == HANDLE


async def test_issuing_needs_a_valid_bluesky_handle(linking: LinkingService) -> None:
    with pytest.raises(InvalidHandleError):
        await issue(linking, handle="not a handle")


async def test_a_code_links_in_the_community_it_was_issued_in(
    linking: LinkingService, service: DirectoryService, repository: Repository
) -> None:
    code = await issue(linking, community="open")
    # The Bluesky front answers in its default community ("demo"); the code belongs to "open".
    linked = await linking.redeem(community="demo", code=code, did=DID, handle=HANDLE)
    assert linked.member.community == "open"
    bluesky = Identity(IdentityKind.BLUESKY, DID)
    assert await service.member(community="open", identity=bluesky) is not None
    assert await service.member(community="demo", identity=bluesky) is None
    assert [r.member_id for r in await audit(repository, "member.link", "open")] == [linked.member.id]
    assert await audit(repository, "link.refused") == []


async def test_refusals_in_both_communities_share_one_budget(linking: LinkingService) -> None:
    code = await issue(linking, community="open")
    for n in range(5):  # wrong guesses, written where they were posted ("demo")
        with pytest.raises(LinkCodeError):
            await linking.redeem(community="demo", code=f"AAAA-AAAA-{n}A", did=DID, handle=HANDLE)
    for _ in range(5):  # the real code from the wrong account, written where the code lives ("open")
        with pytest.raises(LinkCodeError):
            await linking.redeem(community="demo", code=code, did=DID, handle="wrong.bsky.social")
    with pytest.raises(LinkCodeError) as raised:
        await linking.redeem(community="demo", code=code, did=DID, handle=HANDLE)
    assert raised.value.reason == "too_many_attempts"


async def test_a_proof_removes_another_members_typed_claim(
    linking: LinkingService, service: DirectoryService, repository: Repository
) -> None:
    await service.register(
        community="demo",
        identity=SQUATTER,
        display_name="S",
        platform="bluesky",
        handle=HANDLE,
        source=Source.DISCORD,
    )
    changes = recorder(service)
    linked = await linking.redeem(community="demo", code=await issue(linking), did=DID, handle=HANDLE)
    assert linked.entry.handle == HANDLE and linked.entry.verification is Verification.BLUESKY_PROVEN
    assert await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=SQUATTER) == []
    [removed] = await audit(repository, "entry.remove")
    assert removed.actor == "system" and removed.platform == "bluesky"
    # The handle is the owner's: the row under the squatter must not keep it past the owner's forget.
    assert removed.detail == {"reason": "proven by its owner"}
    assert [(c.kind, c.identities) for c in changes] == [
        (ChangeKind.ENTRY_REMOVED, (SQUATTER,)),
        (ChangeKind.MEMBER_LINKED, linked.member.identities),
    ]


async def test_join_removes_another_members_typed_claim_but_not_an_admins_verification(
    service: DirectoryService, repository: Repository, clock: FakeClock
) -> None:
    async def claim(who: Identity) -> None:
        await service.register(
            community="demo",
            identity=who,
            display_name="S",
            platform="bluesky",
            handle=HANDLE,
            source=Source.DISCORD,
        )

    async def join() -> None:
        await service.register(
            community="demo",
            identity=Identity(IdentityKind.BLUESKY, DID),
            display_name="Ana",
            platform="bluesky",
            handle=HANDLE,
            source=Source.BLUESKY,
            verification=Verification.BLUESKY_PROVEN,
        )

    await claim(SQUATTER)
    await join()
    assert await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=SQUATTER) == []
    [removed] = await audit(repository, "entry.remove")
    assert removed.actor == "system" and removed.detail["reason"] == "proven by its owner"
    await service.forget(community="demo", identity=Identity(IdentityKind.BLUESKY, DID))

    await claim(SQUATTER)
    squatter = await service.member(community="demo", identity=SQUATTER)
    assert squatter is not None
    await repository.set_verification(
        member_id=squatter.id,
        platform="bluesky",
        verification=Verification.ADMIN_VERIFIED,
        now=clock.now,
        actor="admin:discord:1",
    )
    with pytest.raises(HandleTakenError):
        await join()
    assert [
        e.handle
        for e in await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=SQUATTER)
    ] == [HANDLE]

"""Moderation: hiding, verifying, visibility, the audit log and statistics."""

import pytest

from bot.errors import BannedError, InvalidInputError, MemberNotFoundError, NotRegisteredError
from bot.models import (
    EVERY_VISIBILITY,
    DirectoryQuery,
    Identity,
    IdentityKind,
    Source,
    Verification,
    Visibility,
)
from bot.services.directory import DirectoryService
from bot.services.moderation import ModerationService
from bot.storage.repository import Repository

ALICE = Identity(IdentityKind.DISCORD, "111111111111111111")
BOB = Identity(IdentityKind.DISCORD, "222222222222222222")


@pytest.fixture
def moderation(repository: Repository, service: DirectoryService, clock) -> ModerationService:
    return ModerationService(repository=repository, directory=service, clock=clock)


async def add(service: DirectoryService, who: Identity, platform: str, handle: str) -> None:
    await service.register(
        community="demo",
        identity=who,
        display_name=who.external_id[-3:],
        platform=platform,
        handle=handle,
        source=Source.DISCORD,
    )


async def test_hidden_members_vanish_from_listings_and_lookups(
    service: DirectoryService, moderation: ModerationService
) -> None:
    await add(service, ALICE, "lemon8", "cook")
    await moderation.set_hidden(community="demo", identity=ALICE, hidden=True, actor="admin:discord:9")
    page = await service.directory(DirectoryQuery(visibilities=EVERY_VISIBILITY, community="demo"))
    assert page.entries == () and page.total == 0
    assert (
        await service.whois(visibilities=EVERY_VISIBILITY, community="demo", platform="lemon8", handle="cook")
        is None
    )
    assert [
        e.handle
        for e in await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=ALICE)
    ] == ["cook"]
    await moderation.set_hidden(community="demo", identity=ALICE, hidden=False, actor="admin:discord:9")
    assert (
        await service.whois(visibilities=EVERY_VISIBILITY, community="demo", platform="lemon8", handle="cook")
        is not None
    )
    with pytest.raises(MemberNotFoundError):
        await moderation.set_hidden(community="demo", identity=BOB, hidden=True, actor="admin")


async def test_verify_visibility_and_audit(service: DirectoryService, moderation: ModerationService) -> None:
    await add(service, ALICE, "lemon8", "cook")
    entry = await moderation.verify(
        community="demo", identity=ALICE, platform="Lemon8", actor="admin:discord:9"
    )
    assert entry.verification is Verification.ADMIN_VERIFIED
    assert entry.profile_url == "https://www.lemon8-app.com/@cook"
    with pytest.raises(NotRegisteredError):
        await moderation.verify(community="demo", identity=ALICE, platform="bluesky", actor="admin")
    assert (
        await moderation.set_visibility(
            community="demo", identity=ALICE, platform=None, visibility=Visibility.PUBLIC
        )
        == 1
    )
    records = await moderation.audit(community="demo", identity=ALICE)
    assert [r.action for r in records] == ["entry.visibility", "entry.verification", "entry.add"]
    assert records[1].actor == "admin:discord:9"
    older = await moderation.audit(community="demo", limit=1, before_id=records[0].id)
    assert [r.action for r in older] == ["entry.verification"]


async def test_stats(service: DirectoryService, moderation: ModerationService) -> None:
    await add(service, ALICE, "lemon8", "cook")
    await add(service, ALICE, "bluesky", "alice.bsky.social")
    await add(service, BOB, "lemon8", "chef")
    stats = await moderation.stats(community="demo")
    assert stats.members == 2
    assert stats.handles == {"lemon8": 2, "bluesky": 1}
    assert [e.handle for e in stats.recent] == ["chef", "alice.bsky.social", "cook"]
    assert stats.recent[1].profile_url == "https://bsky.app/profile/alice.bsky.social"


CAROL_DID = Identity(IdentityKind.BLUESKY, "did:plc:carolcarolcarolcarol1")


async def test_a_ban_unlists_refuses_registration_and_keeps_data(
    service: DirectoryService, moderation: ModerationService
) -> None:
    await add(service, ALICE, "lemon8", "cook")
    seen = []
    service.changes.subscribe(lambda change: _append(seen, change.kind.value))
    member = await moderation.ban(community="demo", identity=ALICE, actor="admin:discord:9", reason=" spam ")
    assert member.banned and not member.listed
    assert (
        await service.directory(DirectoryQuery(visibilities=EVERY_VISIBILITY, community="demo"))
    ).total == 0
    assert (
        await service.whois(visibilities=EVERY_VISIBILITY, community="demo", platform="lemon8", handle="cook")
        is None
    )
    with pytest.raises(BannedError):
        await add(service, ALICE, "bluesky", "alice.bsky.social")
    with pytest.raises(BannedError):  # nor can an admin register for them
        await service.register(
            community="demo",
            identity=ALICE,
            display_name="A",
            platform="bluesky",
            handle="alice.bsky.social",
            source=Source.DISCORD,
            actor="admin:discord:9",
        )
    assert [
        e.handle
        for e in await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=ALICE)
    ] == ["cook"]
    await moderation.unban(community="demo", identity=ALICE, actor="admin:discord:9")
    assert (
        await service.directory(DirectoryQuery(visibilities=EVERY_VISIBILITY, community="demo"))
    ).total == 1
    await add(service, ALICE, "bluesky", "alice.bsky.social")
    assert seen == ["member.ban", "member.unban", "entry.add"]
    actions = [(r.action, r.detail) for r in await moderation.audit(community="demo", group="moderation")]
    assert actions == [("member.unban", {}), ("member.ban", {"reason": "spam"})]


async def _append(seen: list[str], value: str) -> None:
    seen.append(value)


async def test_a_ban_can_come_before_registering(
    service: DirectoryService, moderation: ModerationService
) -> None:
    member = await moderation.ban(community="demo", identity=BOB, actor="operator")
    assert member.banned and member.identities == (BOB,)
    with pytest.raises(BannedError):
        await add(service, BOB, "lemon8", "chef")
    assert await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=BOB) == []
    again = await moderation.ban(community="demo", identity=BOB, actor="operator")  # no second audit row
    assert again.id == member.id
    assert [r.action for r in await moderation.audit(community="demo")] == ["member.ban"]
    with pytest.raises(InvalidInputError):
        await moderation.ban(community="demo", identity=ALICE, actor="operator", reason="x" * 201)
    assert await service.member(community="demo", identity=ALICE) is None  # refused before any write
    with pytest.raises(MemberNotFoundError):
        await moderation.unban(community="demo", identity=ALICE, actor="operator")


async def test_a_banned_member_may_still_remove_and_forget(
    service: DirectoryService, moderation: ModerationService
) -> None:
    await add(service, ALICE, "lemon8", "cook")
    await add(service, ALICE, "bluesky", "alice.bsky.social")
    await moderation.ban(community="demo", identity=ALICE, actor="operator")
    await service.remove(community="demo", identity=ALICE, platform="lemon8")
    assert (await service.forget(community="demo", identity=ALICE)).handles == 1
    assert await service.member(community="demo", identity=ALICE) is None


async def test_unverify_falls_back_to_what_the_member_can_prove(
    service: DirectoryService, moderation: ModerationService
) -> None:
    await service.register(
        community="demo",
        identity=CAROL_DID,
        display_name="Carol",
        platform="bluesky",
        handle="carol.bsky.social",
        source=Source.BLUESKY,
        verification=Verification.BLUESKY_PROVEN,
    )
    await service.register(
        community="demo",
        identity=CAROL_DID,
        display_name="Carol",
        platform="lemon8",
        handle="carol",
        source=Source.BLUESKY,
    )
    await add(service, ALICE, "bluesky", "alice.bsky.social")  # typed on Discord: nothing proves it
    for who, platform in ((CAROL_DID, "bluesky"), (CAROL_DID, "lemon8"), (ALICE, "bluesky")):
        await moderation.verify(community="demo", identity=who, platform=platform, actor="admin:discord:9")
    levels = [
        (
            await moderation.unverify(community="demo", identity=who, platform=p, actor="admin:discord:9")
        ).verification
        for who, p in ((CAROL_DID, "bluesky"), (CAROL_DID, "lemon8"), (ALICE, "Bluesky"))
    ]
    assert levels == [Verification.BLUESKY_PROVEN, Verification.SELF_REPORTED, Verification.SELF_REPORTED]
    records = await moderation.audit(community="demo", group="verification", platform="bluesky")
    assert [(r.detail["verification"], r.actor) for r in records] == [
        ("self-reported", "admin:discord:9"),
        ("bluesky-proven", "admin:discord:9"),
        ("admin-verified", "admin:discord:9"),
        ("admin-verified", "admin:discord:9"),
    ]
    with pytest.raises(NotRegisteredError):
        await moderation.unverify(community="demo", identity=ALICE, platform="lemon8", actor="admin")


async def test_unverify_never_raises_a_level(
    service: DirectoryService, moderation: ModerationService
) -> None:
    # A Bluesky handle typed from Bluesky (not joined with) is self-reported, and stays so.
    await service.register(
        community="demo",
        identity=CAROL_DID,
        display_name="Carol",
        platform="bluesky",
        handle="someone.else.social",
        source=Source.BLUESKY,
    )
    entry = await moderation.unverify(community="demo", identity=CAROL_DID, platform="bluesky", actor="admin")
    assert entry.verification is Verification.SELF_REPORTED
    assert entry.profile_url == "https://bsky.app/profile/someone.else.social"
    assert await moderation.audit(community="demo", group="verification") == []


async def test_audit_filters_combine(service: DirectoryService, moderation: ModerationService) -> None:
    await add(service, ALICE, "lemon8", "cook")
    await add(service, ALICE, "lemon8", "cook2")
    await add(service, BOB, "bluesky", "bob.bsky.social")
    await service.remove(community="demo", identity=BOB, platform="bluesky")
    await moderation.set_hidden(community="demo", identity=BOB, hidden=True, actor="admin")
    await service.forget(community="demo", identity=ALICE)

    async def actions(**filters: object) -> list[str]:
        return [r.action for r in await moderation.audit(community="demo", **filters)]  # type: ignore[arg-type]

    assert await actions(group="registrations") == ["entry.add", "entry.replace", "entry.add"]
    assert await actions(group="registrations", platform="Lemon8") == ["entry.replace", "entry.add"]
    assert await actions(group="removals") == ["entry.remove"]
    assert await actions(group="privacy") == ["member.forget"]
    assert await actions(group="links") == []
    assert await actions(identity=BOB, group="moderation") == ["member.hide"]
    assert await actions(platform="gone-platform") == []  # a key no longer configured is still a filter
    with pytest.raises(InvalidInputError):
        await actions(group="everything")

"""Moderation: hiding, verifying, visibility, the audit log and statistics."""

import pytest

from bot.errors import MemberNotFoundError, NotRegisteredError
from bot.models import DirectoryQuery, Identity, IdentityKind, Source, Verification, Visibility
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
    page = await service.directory(DirectoryQuery(community="demo"))
    assert page.entries == () and page.total == 0
    assert await service.whois(community="demo", platform="lemon8", handle="cook") is None
    assert [e.handle for e in await service.handles(community="demo", identity=ALICE)] == ["cook"]
    await moderation.set_hidden(community="demo", identity=ALICE, hidden=False, actor="admin:discord:9")
    assert await service.whois(community="demo", platform="lemon8", handle="cook") is not None
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

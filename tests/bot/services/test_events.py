"""Directory changes reach listeners after they are committed; a failing listener harms nothing."""

import pytest

from bot.models import EVERY_VISIBILITY, Identity, IdentityKind, Source, Verification, Visibility
from bot.services.directory import DirectoryService
from bot.services.events import ChangeKind, DirectoryChange
from bot.services.moderation import ModerationService
from bot.storage.repository import Repository

ALICE = Identity(IdentityKind.BLUESKY, "did:plc:abcdefghijklmnopqrstuvwx")


@pytest.fixture
def seen(service: DirectoryService) -> list[DirectoryChange]:
    changes: list[DirectoryChange] = []

    async def listen(change: DirectoryChange) -> None:
        changes.append(change)

    service.changes.subscribe(listen)
    return changes


async def _add(service: DirectoryService, handle: str) -> None:
    await service.register(
        community="demo",
        identity=ALICE,
        display_name="Alice",
        platform="lemon8",
        handle=handle,
        source=Source.CONSOLE,
    )


async def test_member_changes_are_published(service: DirectoryService, seen: list[DirectoryChange]) -> None:
    await _add(service, "first")
    await _add(service, "first")  # no change, no event
    await _add(service, "second")
    await service.remove(community="demo", identity=ALICE, platform="lemon8")
    await _add(service, "third")
    await service.forget(community="demo", identity=ALICE)
    assert [c.kind for c in seen] == [
        ChangeKind.ENTRY_ADDED,
        ChangeKind.ENTRY_REPLACED,
        ChangeKind.ENTRY_REMOVED,
        ChangeKind.ENTRY_ADDED,
        ChangeKind.MEMBER_FORGOTTEN,
    ]
    assert all(c.identities == (ALICE,) for c in seen)
    assert seen[1].entry is not None and seen[1].entry.handle == "second"
    assert seen[2].entry is not None and seen[2].entry.handle == "second"


async def test_admin_changes_are_published(
    service: DirectoryService, repository: Repository, clock, seen: list[DirectoryChange]
) -> None:
    moderation = ModerationService(repository=repository, directory=service, clock=clock)
    await _add(service, "cook")
    await moderation.set_hidden(community="demo", identity=ALICE, hidden=True, actor="admin")
    await moderation.set_hidden(
        community="demo", identity=ALICE, hidden=True, actor="admin"
    )  # already hidden
    await moderation.set_hidden(community="demo", identity=ALICE, hidden=False, actor="admin")
    await moderation.set_visibility(
        community="demo", identity=ALICE, platform=None, visibility=Visibility.PUBLIC
    )
    await moderation.verify(community="demo", identity=ALICE, platform="lemon8", actor="admin")
    assert [c.kind for c in seen][1:] == [
        ChangeKind.MEMBER_HIDDEN,
        ChangeKind.MEMBER_SHOWN,
        ChangeKind.VISIBILITY_CHANGED,
        ChangeKind.VERIFICATION_CHANGED,
    ]
    assert seen[-1].entry is not None and seen[-1].entry.verification is Verification.ADMIN_VERIFIED


async def test_a_failing_listener_does_not_fail_the_change(service: DirectoryService) -> None:
    calls: list[str] = []

    async def broken(change: DirectoryChange) -> None:
        raise RuntimeError("listener down")

    async def working(change: DirectoryChange) -> None:
        calls.append(change.kind.value)

    service.changes.subscribe(broken)
    unsubscribe = service.changes.subscribe(working)
    await _add(service, "still")
    assert calls == ["entry.add"]
    unsubscribe()
    await _add(service, "again")
    assert calls == ["entry.add"]
    assert [
        e.handle
        for e in await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=ALICE)
    ] == ["again"]

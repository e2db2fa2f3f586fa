"""change_visibility: what changed, one change event, and nothing written when nothing is to change."""

import pytest

from bot.errors import NotRegisteredError, UnknownPlatformError
from bot.models import Identity, IdentityKind, Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.events import ChangeKind, DirectoryChange
from bot.services.moderation import ModerationService
from bot.services.privacy import change_visibility

ALICE = Identity(IdentityKind.DISCORD, "111111111111111111")
PUBLIC = frozenset({Visibility.PUBLIC})


async def add(service: DirectoryService, platform: str, handle: str) -> None:
    await service.register(
        community="demo",
        identity=ALICE,
        display_name="Alice",
        platform=platform,
        handle=handle,
        source=Source.DISCORD,
    )


async def test_changes_one_platform_or_all_and_tells_the_feed(
    service: DirectoryService, moderation: ModerationService
) -> None:
    await add(service, "lemon8", "cook")  # the demo community defaults to community-only
    await add(service, "bluesky", "alice.bsky.social")
    heard: list[DirectoryChange] = []

    async def listen(change: DirectoryChange) -> None:
        heard.append(change)

    service.changes.subscribe(listen)

    async def change(platform: str | None, visibility: Visibility) -> tuple[list[str], list[str]]:
        result = await change_visibility(
            service, moderation, community="demo", identity=ALICE, platform=platform, visibility=visibility
        )
        return [e.platform for e in result.changed], [e.platform for e in result.unchanged]

    assert await change("Bsky", Visibility.PUBLIC) == (["bluesky"], [])
    assert [
        e.handle for e in await service.handles(community="demo", identity=ALICE, visibilities=PUBLIC)
    ] == ["alice.bsky.social"]
    assert await change(None, Visibility.PUBLIC) == (["lemon8"], ["bluesky"])
    assert await change("lemon8", Visibility.PUBLIC) == ([], ["lemon8"])
    assert await change(None, Visibility.COMMUNITY) == (["bluesky", "lemon8"], [])
    assert await service.handles(community="demo", identity=ALICE, visibilities=PUBLIC) == []
    assert [(c.kind, c.platform) for c in heard] == [
        (ChangeKind.VISIBILITY_CHANGED, "bluesky"),
        (ChangeKind.VISIBILITY_CHANGED, None),
        (ChangeKind.VISIBILITY_CHANGED, None),
    ]  # nothing is announced when nothing changed


async def test_errors_name_what_is_missing(service: DirectoryService, moderation: ModerationService) -> None:
    with pytest.raises(NotRegisteredError) as nobody:
        await change_visibility(
            service, moderation, community="demo", identity=ALICE, platform=None, visibility=Visibility.PUBLIC
        )
    assert nobody.value.platform is None
    await add(service, "lemon8", "cook")
    with pytest.raises(NotRegisteredError) as missing:
        await change_visibility(
            service,
            moderation,
            community="demo",
            identity=ALICE,
            platform="xhs",
            visibility=Visibility.PUBLIC,
        )
    assert missing.value.platform == "RedNote (Xiaohongshu)"
    with pytest.raises(UnknownPlatformError):
        await change_visibility(
            service,
            moderation,
            community="demo",
            identity=ALICE,
            platform="myspace",
            visibility=Visibility.PUBLIC,
        )

"""DirectoryService: registration rules, look-ups and forgetting, on SQLite and PostgreSQL."""

import asyncio

import pytest

from bot.errors import (
    HandleTakenError,
    InvalidHandleError,
    InvalidInputError,
    NotRegisteredError,
    UnknownPlatformError,
)
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
from bot.services.directory_pages import MAX_PAGE_NUMBER
from bot.storage.repository import Repository

ALICE = Identity(IdentityKind.DISCORD, "111111111111111111")
BOB = Identity(IdentityKind.BLUESKY, "did:plc:abcdefghijklmnopqrstuvwx")
RED_ID = "5e8f1a2b3c4d5e6f7a8b9c0d"


async def add(service: DirectoryService, who: Identity, platform: str, handle: str, **kw: object):
    return await service.register(
        community=kw.pop("community", "demo"),  # type: ignore[arg-type]
        identity=who,
        display_name=str(kw.pop("name", who.external_id[-4:])),
        platform=platform,
        handle=handle,
        source=Source.CONSOLE,
        **kw,  # type: ignore[arg-type]
    )


async def test_register_normalises_and_links(service: DirectoryService) -> None:
    result = await add(
        service, ALICE, "XHS", f"https://www.xiaohongshu.com/user/profile/{RED_ID}?xsec_token=abc"
    )
    assert result.created
    assert result.previous_handle is None
    entry = result.entry
    assert (entry.platform, entry.handle) == ("rednote", RED_ID)
    assert entry.profile_url == f"https://www.xiaohongshu.com/user/profile/{RED_ID}"
    assert entry.visibility is Visibility.COMMUNITY  # the demo community's default
    assert entry.verification is Verification.SELF_REPORTED
    assert entry.source is Source.CONSOLE


async def test_community_default_visibility_applies_to_new_entries(service: DirectoryService) -> None:
    result = await add(service, ALICE, "lemon8", "cookwithme", community="open")
    assert result.entry.visibility is Visibility.PUBLIC


async def test_replace_keeps_visibility_and_reports_the_old_handle(service: DirectoryService) -> None:
    await add(service, ALICE, "lemon8", "oldname", visibility=Visibility.PUBLIC)
    result = await add(service, ALICE, "lemon8", "@NewName")
    assert not result.created
    assert result.previous_handle == "oldname"
    assert result.entry.handle == "newname"
    assert result.entry.visibility is Visibility.PUBLIC
    handles = await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=ALICE)
    assert [(e.platform, e.handle) for e in handles] == [("lemon8", "newname")]


async def test_a_handle_belongs_to_one_member_per_community(service: DirectoryService) -> None:
    await add(service, ALICE, "bluesky", "alice.bsky.social")
    with pytest.raises(HandleTakenError):
        await add(service, BOB, "bsky", "@Alice.BSKY.social")
    # Another community is another directory.
    await add(service, BOB, "bluesky", "alice.bsky.social", community="open")


async def test_bad_input_is_refused_and_changes_nothing(
    service: DirectoryService, repository: Repository
) -> None:
    await add(service, ALICE, "lemon8", "keepme")
    with pytest.raises(InvalidHandleError) as caught:
        await add(service, ALICE, "lemon8", "bad\u202ename")
    assert caught.value.example
    with pytest.raises(UnknownPlatformError) as unknown:
        await add(service, ALICE, "myspace", "tom")
    assert "rednote" in unknown.value.known
    with pytest.raises(UnknownPlatformError):
        await add(service, ALICE, "tiktok", "notenabled")  # in the catalogue, not enabled in demo
    handles = await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=ALICE)
    assert [(e.platform, e.handle) for e in handles] == [("lemon8", "keepme")]


async def test_remove(service: DirectoryService) -> None:
    await add(service, ALICE, "lemon8", "cook")
    removed = await service.remove(community="demo", identity=ALICE, platform="Lemon8")
    assert removed.handle == "cook"
    with pytest.raises(NotRegisteredError):
        await service.remove(community="demo", identity=ALICE, platform="lemon8")
    with pytest.raises(NotRegisteredError):
        await service.remove(community="demo", identity=BOB, platform="lemon8")


async def test_whois_respects_visibility(service: DirectoryService) -> None:
    await add(service, ALICE, "instagram", "alice.cooks", name="Alice")
    found = await service.whois(
        visibilities=EVERY_VISIBILITY,
        community="demo",
        platform="ig",
        handle="https://instagram.com/Alice.Cooks/",
    )
    assert found is not None and found.member_name == "Alice"
    hidden = await service.whois(
        community="demo", platform="ig", handle="alice.cooks", visibilities={Visibility.PUBLIC}
    )
    assert hidden is None
    assert (
        await service.whois(visibilities=EVERY_VISIBILITY, community="demo", platform="ig", handle="nobody")
        is None
    )


async def test_directory_filters_searches_and_pages(service: DirectoryService) -> None:
    for index in range(12):
        who = Identity(IdentityKind.CONSOLE, f"member{index:02}")
        await add(service, who, "lemon8", f"user{index:02}", name=f"Member {index:02}")
        if index % 3 == 0:
            await add(service, who, "bluesky", f"user{index:02}.bsky.social", visibility=Visibility.PUBLIC)
    page = await service.directory(
        DirectoryQuery(visibilities=EVERY_VISIBILITY, community="demo", platform="bsky", limit=3)
    )
    assert page.total == 4
    assert [e.handle for e in page.entries] == [
        "user00.bsky.social",
        "user03.bsky.social",
        "user06.bsky.social",
    ]
    assert all(e.profile_url and e.profile_url.startswith("https://bsky.app/profile/") for e in page.entries)
    second = await service.directory(
        DirectoryQuery(
            visibilities=EVERY_VISIBILITY, community="demo", platform="bsky", limit=3, after=page.next_cursor
        )
    )
    assert [e.handle for e in second.entries] == ["user09.bsky.social"]
    assert second.next_cursor is None
    found = await service.directory(
        DirectoryQuery(visibilities=EVERY_VISIBILITY, community="demo", search="MEMBER 1", limit=10)
    )
    assert {e.member_name for e in found.entries} == {"Member 10", "Member 11"}
    public = await service.directory(
        DirectoryQuery(community="demo", visibilities=frozenset({Visibility.PUBLIC}))
    )
    assert public.total == 4
    counts = await service.counts(visibilities=EVERY_VISIBILITY, community="demo")
    assert counts == {"lemon8": 12, "bluesky": 4}
    with pytest.raises(InvalidInputError):
        await service.directory(DirectoryQuery(visibilities=EVERY_VISIBILITY, community="demo", limit=0))


async def test_page_numbers_walk_the_keyset(service: DirectoryService) -> None:
    for index in range(7):
        await add(service, Identity(IdentityKind.CONSOLE, f"m{index}"), "lemon8", f"h{index}")
    query = DirectoryQuery(visibilities=EVERY_VISIBILITY, community="demo", limit=3)
    pages = [await service.directory_page_number(query, n) for n in (1, 2, 3, 9)]
    assert [[e.handle for e in p.entries] for p, _ in pages] == [
        ["h0", "h1", "h2"],
        ["h3", "h4", "h5"],
        ["h6"],
        ["h6"],
    ]
    assert {count for _, count in pages} == {3}


async def test_forget_erases_the_member(service: DirectoryService, repository: Repository) -> None:
    await add(service, ALICE, "lemon8", "cook")
    await add(service, ALICE, "bluesky", "alice.bsky.social")
    assert (await service.forget(community="demo", identity=ALICE)).handles == 2
    assert await service.member(community="demo", identity=ALICE) is None
    assert await service.handles(visibilities=EVERY_VISIBILITY, community="demo", identity=ALICE) == []
    with pytest.raises(NotRegisteredError):
        await service.forget(community="demo", identity=ALICE)
    audit = await repository.audit_log(community="demo")
    assert audit[0].action == "member.forget"
    assert all(not record.detail for record in audit)  # the anonymous id stays, the handles go


async def test_concurrent_registrations_neither_lose_nor_duplicate(service: DirectoryService) -> None:
    people = [Identity(IdentityKind.CONSOLE, f"p{index}") for index in range(30)]
    results = await asyncio.gather(
        *(add(service, who, "lemon8", f"own{index}") for index, who in enumerate(people)),
        *(add(service, who, "bluesky", "contested.bsky.social") for who in people),
        return_exceptions=True,
    )
    taken = [r for r in results if isinstance(r, HandleTakenError)]
    others = [r for r in results if isinstance(r, BaseException) and not isinstance(r, HandleTakenError)]
    assert others == []
    assert len(taken) == len(people) - 1
    assert await service.counts(visibilities=EVERY_VISIBILITY, community="demo") == {
        "lemon8": 30,
        "bluesky": 1,
    }


async def test_page_numbers_are_bounded(service: DirectoryService) -> None:
    await add(service, ALICE, "lemon8", "cook")
    query = DirectoryQuery(visibilities=EVERY_VISIBILITY, community="demo", limit=3)
    with pytest.raises(InvalidInputError):
        await service.directory_page_number(query, MAX_PAGE_NUMBER + 1)
    with pytest.raises(InvalidInputError):
        await service.directory_page_number(query, 0)
    page, pages = await service.directory_page_number(query, MAX_PAGE_NUMBER)
    assert pages == 1 and [e.handle for e in page.entries] == ["cook"]


async def test_registering_without_a_name_keeps_the_name(service: DirectoryService) -> None:
    await add(service, ALICE, "lemon8", "cook", name="Alice")
    await add(service, ALICE, "bluesky", "alice.bsky.social", name="")
    member = await service.member(community="demo", identity=ALICE)
    assert member is not None and member.display_name == "Alice"


async def test_member_by_id_only_within_its_own_community(service: DirectoryService) -> None:
    registration = await add(service, BOB, "bluesky", "bob.bsky.social", name="Bob")
    member_id = registration.entry.member_id
    member = await service.member_by_id(community="demo", member_id=member_id)
    assert member is not None and member.display_name == "Bob" and member.identities == (BOB,)
    # An id picked in one community names nobody in another, and an unknown id names nobody.
    assert await service.member_by_id(community="open", member_id=member_id) is None
    assert await service.member_by_id(community="demo", member_id=member_id + 1000) is None

"""Entries: add, replace, re-register, remove, list, look up, re-label; each with its audit row."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bot.errors import HandleTakenError, MemberNotFoundError, NotRegisteredError
from bot.models import Registration, Source, Verification, Visibility
from bot.storage.database import Database
from bot.storage.repository import Repository
from tests.bot.storage._helpers import COMMUNITY, T0, add_member, at, register


async def test_add_creates_an_entry_with_community_visibility_by_default(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    reg = await register(repository, ana, "instagram", "Ana.Gram", key="ana.gram", now=at(1))
    assert reg.created is True
    assert reg.previous_handle is None
    entry = reg.entry
    assert (entry.member_id, entry.community, entry.platform) == (ana.id, COMMUNITY, "instagram")
    assert (entry.handle, entry.member_name) == ("Ana.Gram", "Ana")
    assert entry.visibility is Visibility.COMMUNITY
    assert entry.verification is Verification.SELF_REPORTED
    assert entry.source is Source.DISCORD
    assert entry.created_at == entry.updated_at == at(1)
    assert entry.profile_url is None
    [record] = await repository.audit_log(community=COMMUNITY)
    assert (record.action, record.actor, record.member_id, record.platform, record.detail, record.at) == (
        "entry.add",
        "member",
        ana.id,
        "instagram",
        {"handle": "Ana.Gram"},
        at(1),
    )


async def test_add_with_explicit_visibility(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    reg = await register(repository, ana, "bluesky", "ana.bsky.social", visibility=Visibility.PUBLIC)
    assert reg.entry.visibility is Visibility.PUBLIC


async def test_replace_keeps_id_created_at_and_visibility(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    first = await register(repository, ana, "instagram", "ana.old", visibility=Visibility.PUBLIC, now=at(1))
    reg = await register(
        repository,
        ana,
        "instagram",
        "ana.new",
        verification=Verification.ADMIN_VERIFIED,
        source=Source.ADMIN,
        now=at(2),
        actor="admin:discord:9",
    )
    assert reg.created is False
    assert reg.previous_handle == "ana.old"
    assert reg.entry.id == first.entry.id
    assert reg.entry.created_at == at(1)
    assert reg.entry.updated_at == at(2)
    assert reg.entry.handle == "ana.new"
    assert reg.entry.visibility is Visibility.PUBLIC
    assert (reg.entry.verification, reg.entry.source) == (Verification.ADMIN_VERIFIED, Source.ADMIN)
    assert await repository.list_entries(ana.id) == [reg.entry]
    latest = (await repository.audit_log(community=COMMUNITY))[0]
    assert (latest.action, latest.actor, latest.detail) == (
        "entry.replace",
        "admin:discord:9",
        {"old": "ana.old", "new": "ana.new"},
    )


async def test_replace_with_explicit_visibility_and_fresh_verification(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    await register(repository, ana, "bluesky", "ana.one", verification=Verification.BLUESKY_PROVEN)
    reg = await register(repository, ana, "bluesky", "ana.two", visibility=Visibility.PUBLIC, now=at(1))
    assert reg.entry.visibility is Visibility.PUBLIC
    assert reg.entry.verification is Verification.SELF_REPORTED, "a new handle is not proven yet"


async def test_reregistering_the_same_handle_is_a_no_op(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    first = await register(repository, ana, "instagram", "ana", now=at(1))
    again = await register(repository, ana, "instagram", "ana", now=at(2))
    assert again.created is False
    assert again.previous_handle is None
    assert again.entry == first.entry
    assert [r.action for r in await repository.audit_log(community=COMMUNITY)] == ["entry.add"]


async def test_reregistering_updates_form_visibility_and_upgrades_verification(
    repository: Repository,
) -> None:
    ana = await add_member(repository, "Ana")
    first = await register(repository, ana, "x", "ana_x", verification=Verification.BLUESKY_PROVEN)
    reg = await register(repository, ana, "x", "Ana_X", key="ana_x", visibility=Visibility.PUBLIC, now=at(1))
    assert reg.previous_handle is None
    assert (reg.entry.id, reg.entry.handle, reg.entry.visibility) == (
        first.entry.id,
        "Ana_X",
        Visibility.PUBLIC,
    )
    assert reg.entry.verification is Verification.BLUESKY_PROVEN, "never downgraded by a re-registration"
    assert reg.entry.updated_at == at(1)
    upgraded = await register(
        repository, ana, "x", "Ana_X", key="ana_x", verification=Verification.ADMIN_VERIFIED
    )
    assert upgraded.entry.verification is Verification.ADMIN_VERIFIED
    actions = [(r.action, r.detail) for r in await repository.audit_log(community=COMMUNITY)]
    assert actions == [
        ("entry.update", {"verification": "admin-verified"}),
        ("entry.update", {"handle": "Ana_X", "visibility": "public"}),
        ("entry.add", {"handle": "ana_x"}),
    ]


async def test_handle_taken_by_another_member(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    bob = await add_member(repository, "Bob")
    await register(repository, ana, "instagram", "shared")
    with pytest.raises(HandleTakenError) as raised:
        await register(repository, bob, "instagram", "shared")
    assert (raised.value.platform, raised.value.handle) == ("instagram", "shared")
    assert await repository.list_entries(bob.id) == []
    assert [r.action for r in await repository.audit_log(community=COMMUNITY)] == ["entry.add"]


async def test_case_variants_share_a_key_and_collide(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    bob = await add_member(repository, "Bob")
    await register(repository, ana, "tiktok", "CoolCat", key="coolcat")
    with pytest.raises(HandleTakenError) as raised:
        await register(repository, bob, "tiktok", "coolCAT", key="coolcat")
    assert raised.value.handle == "coolCAT"


async def test_replacing_onto_a_taken_handle_leaves_the_old_one(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    bob = await add_member(repository, "Bob")
    await register(repository, ana, "instagram", "ana")
    await register(repository, bob, "instagram", "bob")
    with pytest.raises(HandleTakenError):
        await register(repository, bob, "instagram", "ana", now=at(1))
    [entry] = await repository.list_entries(bob.id)
    assert (entry.handle, entry.updated_at) == ("bob", T0)


async def test_same_handle_on_other_platforms_and_communities_is_fine(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    bob = await add_member(repository, "Bob")
    elsewhere = await add_member(repository, "Cy", community="other")
    await register(repository, ana, "instagram", "same")
    await register(repository, bob, "tiktok", "same")
    await register(repository, elsewhere, "instagram", "same")
    assert (
        await repository.find_entry_by_handle(community="other", platform="instagram", handle_key="same")
    ) is not None


async def test_a_released_handle_can_be_claimed(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    bob = await add_member(repository, "Bob")
    await register(repository, ana, "instagram", "cool")
    await register(repository, ana, "instagram", "ana", now=at(1))  # replacing frees "cool"
    assert (await register(repository, bob, "instagram", "cool")).created


async def test_upsert_for_unknown_member_or_wrong_community(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    with pytest.raises(MemberNotFoundError):
        await repository.upsert_entry(
            member_id=ana.id + 99,
            community=COMMUNITY,
            platform="x",
            handle="a",
            handle_key="a",
            visibility=None,
            verification=Verification.SELF_REPORTED,
            source=Source.CONSOLE,
            now=T0,
            actor="member",
        )
    with pytest.raises(ValueError, match="belongs to"):
        await repository.upsert_entry(
            member_id=ana.id,
            community="other",
            platform="x",
            handle="a",
            handle_key="a",
            visibility=None,
            verification=Verification.SELF_REPORTED,
            source=Source.CONSOLE,
            now=T0,
            actor="member",
        )


@pytest.mark.parametrize(
    "handle", ["' OR 1=1 --", '"; DROP TABLE entries; --', "a%b_c\\d", "x'); DELETE FROM members;--"]
)
async def test_injection_strings_are_stored_literally(
    repository: Repository, database: Database, handle: str
) -> None:
    ana = await add_member(repository, handle)
    reg = await register(repository, ana, "instagram", handle)
    assert reg.entry.handle == handle
    assert reg.entry.member_name == handle
    found = await repository.find_entry_by_handle(
        community=COMMUNITY, platform="instagram", handle_key=handle.lower()
    )
    assert found == reg.entry
    assert (
        await repository.find_entry_by_handle(community=COMMUNITY, platform="instagram", handle_key="x")
        is None
    )
    async with database.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    assert {"members", "entries", "member_identities", "audit_log", "kv_state"} <= set(tables)


async def test_delete_entry(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    added = await register(repository, ana, "instagram", "ana")
    await register(repository, ana, "tiktok", "ana")
    removed = await repository.delete_entry(member_id=ana.id, platform="instagram", now=at(1), actor="member")
    assert removed == added.entry
    assert [e.platform for e in await repository.list_entries(ana.id)] == ["tiktok"]
    assert (
        await repository.delete_entry(member_id=ana.id, platform="instagram", now=at(2), actor="member")
        is None
    )
    latest = (await repository.audit_log(community=COMMUNITY))[0]
    assert (latest.action, latest.platform, latest.detail, latest.at) == (
        "entry.remove",
        "instagram",
        {"handle": "ana"},
        at(1),
    )


async def test_list_entries_by_platform_with_member_name(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    for platform in ("tiktok", "bluesky", "instagram"):
        await register(repository, ana, platform, f"ana-{platform}", visibility=Visibility.PUBLIC)
    await repository.set_hidden(member_id=ana.id, hidden=True, now=at(1), actor="member")
    listed = await repository.list_entries(ana.id)
    assert [e.platform for e in listed] == ["bluesky", "instagram", "tiktok"]
    assert {e.member_name for e in listed} == {"Ana"}
    assert await repository.list_entries(ana.id + 1) == []


async def test_find_entry_by_handle_includes_hidden_members(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    reg = await register(repository, ana, "instagram", "Ana", key="ana")
    await repository.set_hidden(member_id=ana.id, hidden=True, now=at(1), actor="member")
    assert (
        await repository.find_entry_by_handle(community=COMMUNITY, platform="instagram", handle_key="ana")
        == reg.entry
    )
    assert (
        await repository.find_entry_by_handle(community=COMMUNITY, platform="instagram", handle_key="Ana")
        is None
    )
    assert (
        await repository.find_entry_by_handle(community=COMMUNITY, platform="tiktok", handle_key="ana")
        is None
    )


async def test_set_visibility_one_platform_and_all(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    for platform in ("bluesky", "instagram", "tiktok"):
        await register(repository, ana, platform, "ana")
    changed = await repository.set_visibility(
        member_id=ana.id, platform="bluesky", visibility=Visibility.PUBLIC, now=at(1), actor="member"
    )
    assert changed == 1
    assert (
        await repository.set_visibility(
            member_id=ana.id, platform="bluesky", visibility=Visibility.PUBLIC, now=at(2), actor="member"
        )
        == 0
    )
    changed = await repository.set_visibility(
        member_id=ana.id, platform=None, visibility=Visibility.PUBLIC, now=at(3), actor="member"
    )
    assert changed == 2
    entries = await repository.list_entries(ana.id)
    assert {e.visibility for e in entries} == {Visibility.PUBLIC}
    assert [e.updated_at for e in entries] == [at(1), at(3), at(3)]
    log = [(r.action, r.platform, r.detail) for r in await repository.audit_log(community=COMMUNITY, limit=2)]
    assert log == [
        ("entry.visibility", None, {"visibility": "public"}),
        ("entry.visibility", "bluesky", {"visibility": "public"}),
    ]


async def test_set_visibility_without_entries(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    with pytest.raises(NotRegisteredError) as raised:
        await repository.set_visibility(
            member_id=ana.id, platform=None, visibility=Visibility.PUBLIC, now=T0, actor="member"
        )
    assert raised.value.platform is None
    await register(repository, ana, "instagram", "ana")
    with pytest.raises(NotRegisteredError) as raised:
        await repository.set_visibility(
            member_id=ana.id, platform="tiktok", visibility=Visibility.PUBLIC, now=T0, actor="member"
        )
    assert raised.value.platform == "tiktok"


async def test_set_verification(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    await register(repository, ana, "bluesky", "ana.bsky.social")
    entry = await repository.set_verification(
        member_id=ana.id,
        platform="bluesky",
        verification=Verification.BLUESKY_PROVEN,
        now=at(1),
        actor="system",
    )
    assert (entry.verification, entry.updated_at) == (Verification.BLUESKY_PROVEN, at(1))
    same = await repository.set_verification(
        member_id=ana.id,
        platform="bluesky",
        verification=Verification.BLUESKY_PROVEN,
        now=at(2),
        actor="system",
    )
    assert same == entry
    down = await repository.set_verification(
        member_id=ana.id,
        platform="bluesky",
        verification=Verification.SELF_REPORTED,
        now=at(3),
        actor="admin:x",
    )
    assert down.verification is Verification.SELF_REPORTED, "admins may lower it explicitly"
    log = [(r.action, r.actor, r.detail) for r in await repository.audit_log(community=COMMUNITY, limit=2)]
    assert log == [
        ("entry.verification", "admin:x", {"verification": "self-reported"}),
        ("entry.verification", "system", {"verification": "bluesky-proven"}),
    ]
    with pytest.raises(NotRegisteredError):
        await repository.set_verification(
            member_id=ana.id, platform="tiktok", verification=Verification.ADMIN_VERIFIED, now=T0, actor="x"
        )


async def test_a_new_entry_takes_the_default_visibility_a_replaced_one_keeps_its_own(
    repository: Repository,
) -> None:
    member = await add_member(repository, "dana")

    async def upsert(handle: str, default: Visibility) -> Registration:
        return await repository.upsert_entry(
            member_id=member.id,
            community=member.community,
            platform="lemon8",
            handle=handle,
            handle_key=handle,
            visibility=None,
            verification=Verification.SELF_REPORTED,
            source=Source.DISCORD,
            now=T0,
            actor="member",
            new_visibility=default,
        )

    assert (await upsert("first", Visibility.PUBLIC)).entry.visibility is Visibility.PUBLIC
    replaced = await upsert("second", Visibility.COMMUNITY)
    assert (replaced.previous_handle, replaced.entry.visibility) == ("first", Visibility.PUBLIC)

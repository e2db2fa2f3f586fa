"""Members: get-or-create by identity, lookups, hiding and forgetting."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select

from bot.errors import MemberNotFoundError
from bot.models import Identity, IdentityKind, Visibility
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import audit_log, entries, member_identities, members, metadata
from tests.bot.storage._helpers import COMMUNITY, T0, add_member, at, discord, register


async def test_ensure_member_creates_once_and_returns_the_same_member(repository: Repository) -> None:
    first = await repository.ensure_member(
        community=COMMUNITY, identity=discord(1), display_name="Ana", now=T0
    )
    again = await repository.ensure_member(
        community=COMMUNITY, identity=discord(1), display_name="Ana", now=at(5)
    )
    assert again == first
    assert first.display_name == "Ana"
    assert first.community == COMMUNITY
    assert first.hidden is False
    assert first.identities == (discord(1),)
    assert first.created_at == first.updated_at == T0


async def test_ensure_member_refreshes_a_changed_display_name(repository: Repository) -> None:
    first = await add_member(repository, "Ana", user_id=1)
    renamed = await repository.ensure_member(
        community=COMMUNITY, identity=discord(1), display_name="Ana B.", now=at(5)
    )
    assert renamed.id == first.id
    assert renamed.display_name == "Ana B."
    assert renamed.created_at == T0
    assert renamed.updated_at == at(5)


async def test_identity_is_scoped_by_community_and_kind(repository: Repository) -> None:
    here = await add_member(repository, "Ana", user_id=1)
    elsewhere = await add_member(repository, "Ana", user_id=1, community="other")
    console = await repository.ensure_member(
        community=COMMUNITY, identity=Identity(IdentityKind.CONSOLE, "1"), display_name="op", now=T0
    )
    assert len({here.id, elsewhere.id, console.id}) == 3
    assert elsewhere.community == "other"


async def test_find_member_never_creates(repository: Repository, database: Database) -> None:
    assert await repository.find_member(community=COMMUNITY, identity=discord(1)) is None
    member = await add_member(repository, "Ana", user_id=1)
    assert await repository.find_member(community=COMMUNITY, identity=discord(1)) == member
    assert await repository.find_member(community="other", identity=discord(1)) is None
    async with database.transaction() as conn:
        assert (await conn.execute(select(func.count()).select_from(members))).scalar_one() == 1


async def test_get_member_fills_identities(repository: Repository) -> None:
    member = await add_member(repository, "Ana", user_id=1)
    assert await repository.get_member(member.id) == member
    assert await repository.get_member(member.id + 1000) is None


@pytest.mark.parametrize(
    "name",
    ["Élodie", "李小龙", "مريم", "🦊 fox 🦊", "' OR 1=1 --", '"; DROP TABLE members; --', "50% _off_ \\"],
)
async def test_display_names_round_trip_literally(repository: Repository, name: str) -> None:
    member = await add_member(repository, name)
    assert member.display_name == name
    assert (await repository.get_member(member.id)) == member


async def test_timestamps_come_back_aware_utc(repository: Repository) -> None:
    local = T0.astimezone(timezone(timedelta(hours=5, minutes=30)))
    member = await repository.ensure_member(
        community=COMMUNITY, identity=discord(1), display_name="A", now=local
    )
    assert member.created_at == T0
    assert member.created_at.tzinfo is UTC


async def test_naive_datetimes_are_refused(repository: Repository) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        await repository.ensure_member(
            community=COMMUNITY, identity=discord(1), display_name="A", now=T0.replace(tzinfo=None)
        )


async def test_set_hidden_toggles_and_audits_only_changes(repository: Repository) -> None:
    member = await add_member(repository, "Ana")
    hidden = await repository.set_hidden(member_id=member.id, hidden=True, now=at(1), actor="admin:discord:9")
    assert hidden.hidden is True
    assert hidden.updated_at == at(1)
    again = await repository.set_hidden(member_id=member.id, hidden=True, now=at(2), actor="member")
    assert again.updated_at == at(1)
    shown = await repository.set_hidden(member_id=member.id, hidden=False, now=at(3), actor="member")
    assert shown.hidden is False
    log = await repository.audit_log(community=COMMUNITY, member_id=member.id)
    assert [(r.action, r.actor) for r in log] == [
        ("member.show", "member"),
        ("member.hide", "admin:discord:9"),
    ]


async def test_set_hidden_unknown_member(repository: Repository) -> None:
    with pytest.raises(MemberNotFoundError):
        await repository.set_hidden(member_id=12345, hidden=True, now=T0, actor="member")


async def test_forget_member_leaves_no_personal_rows(repository: Repository, database: Database) -> None:
    quinn = await add_member(repository, "Quinn", user_id=1)
    async with database.transaction(write=True) as conn:  # a second identity, as linking will add
        await conn.execute(
            insert(member_identities).values(
                community=COMMUNITY, kind="bluesky", external_id="did:plc:quinn", member_id=quinn.id
            )
        )
    bob = await add_member(repository, "Bob", user_id=2)
    await register(repository, quinn, "instagram", "quinn.gram")
    await register(repository, quinn, "instagram", "quinn.gram2", now=at(1))
    await register(repository, quinn, "bluesky", "quinn.bsky.social", visibility=Visibility.PUBLIC)
    await repository.set_visibility(
        member_id=quinn.id, platform=None, visibility=Visibility.COMMUNITY, now=at(2), actor="member"
    )
    await register(repository, bob, "instagram", "bob.gram")
    await repository.set_state("poller.cursor", "abc", T0)
    # Directory messages they opened keep what they searched for.
    await repository.create_view_state(
        kind="directory", community=COMMUNITY, owner_id="1", state={"search": "quinn"}, now=T0
    )
    bobs_view = await repository.create_view_state(
        kind="directory", community=COMMUNITY, owner_id="2", state={"search": "bob"}, now=T0
    )

    erased = await repository.forget_member(member_id=quinn.id, now=at(3), actor="member")

    assert erased == 2
    assert await repository.get_member(quinn.id) is None
    assert await repository.find_member(community=COMMUNITY, identity=discord(1)) is None
    assert await repository.list_entries(quinn.id) == []
    async with database.transaction() as conn:
        for table in metadata.sorted_tables:  # every table, including ones added later
            for row in await conn.execute(select(table)):
                assert "quinn" not in str(row).lower(), table.name
        for column in (members.c.id, member_identities.c.member_id, entries.c.member_id):
            assert (await conn.execute(select(func.count()).where(column == quinn.id))).scalar_one() == 0
        trail = (await conn.execute(select(audit_log).where(audit_log.c.member_id == quinn.id))).all()
    assert len(trail) == 5, "the anonymous trail stays"
    assert all(row.detail is None for row in trail)
    forget = (await repository.audit_log(community=COMMUNITY, member_id=quinn.id))[0]
    assert (forget.action, forget.member_id, forget.detail, forget.at) == (
        "member.forget",
        quinn.id,
        {},
        at(3),
    )
    # Bob is untouched, his audit details and his directory message included.
    assert await repository.view_state(bobs_view, kind="directory") is not None
    assert [e.handle for e in await repository.list_entries(bob.id)] == ["bob.gram"]
    assert (await repository.audit_log(community=COMMUNITY, member_id=bob.id))[0].detail == {
        "handle": "bob.gram"
    }


async def test_forget_is_idempotent(repository: Repository) -> None:
    ana = await add_member(repository, "Ana")
    await register(repository, ana, "instagram", "ana")
    assert await repository.forget_member(member_id=ana.id, now=at(1), actor="member") == 1
    before = await repository.audit_log(community=COMMUNITY)
    assert await repository.forget_member(member_id=ana.id, now=at(2), actor="member") == 0
    assert await repository.audit_log(community=COMMUNITY) == before


async def test_forgotten_member_id_is_never_reused(repository: Repository) -> None:
    """The audit log keeps the bare id: a newcomer must not inherit a forgotten person's history."""
    await add_member(repository, "Ana")
    newest = await add_member(repository, "Bob")
    await repository.forget_member(member_id=newest.id, now=at(1), actor="member")
    newcomer = await add_member(repository, "Cy")
    assert newcomer.id > newest.id


async def test_forget_then_come_back_is_a_new_member(repository: Repository) -> None:
    ana = await add_member(repository, "Ana", user_id=1)
    await repository.forget_member(member_id=ana.id, now=at(1), actor="member")
    back = await add_member(repository, "Ana", user_id=1)
    assert back.id != ana.id
    assert back.identities == (discord(1),)


async def test_forget_identity_erases_the_member_behind_the_account_or_reports_none(
    repository: Repository,
) -> None:
    assert (
        await repository.forget_identity(community=COMMUNITY, identity=discord(1), now=T0, actor="member")
        is None
    )
    ana = await add_member(repository, "Ana", user_id=1)
    await register(repository, ana, "instagram", "ana")
    forgotten = await repository.forget_identity(
        community=COMMUNITY, identity=discord(1), now=at(1), actor="member"
    )
    assert forgotten is not None and forgotten.erased == 1
    assert forgotten.member.id == ana.id and forgotten.member.identities == (discord(1),)
    assert await repository.find_member(community=COMMUNITY, identity=discord(1)) is None
    assert (
        await repository.forget_identity(community=COMMUNITY, identity=discord(1), now=at(2), actor="member")
        is None
    )

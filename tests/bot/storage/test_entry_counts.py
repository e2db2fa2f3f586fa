"""entry_counts: the trigger-kept totals equal COUNT(*) of the listed entries, whatever happens.

A property test: random batches of registrations (by members and by imports), removals, visibility
changes, hides, bans, forgets and merges, each batch run concurrently (really concurrent on
PostgreSQL, whose pool hands out several connections), then every total compared with a plain
COUNT(*). Each example works in a community of its own on one shared database.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.errors import FerryError
from bot.models import Identity, IdentityKind, Member, Source, Verification, Visibility
from bot.storage._merge import absorb
from bot.storage.database import Database
from bot.storage.registration import Claim
from bot.storage.repository import Repository
from bot.storage.tables import entries, entry_counts, members
from tests.bot.storage._helpers import T0

PEOPLE = tuple(Identity(IdentityKind.DISCORD, str(n)) for n in range(5))
PLATFORMS = ("lemon8", "rednote", "bluesky")
HANDLES = ("a", "b", "c", "d")  # few, so claims collide
_COMMUNITIES = itertools.count()


@dataclass(frozen=True)
class Op:
    kind: str
    who: int
    other: int = 0
    platform: str = "lemon8"
    handle: str = "a"
    flag: bool = True
    visibility: Visibility = Visibility.PUBLIC


KINDS = ("add", "add", "add", "import", "remove", "visibility", "hide", "ban", "forget", "merge")
OPS = st.builds(
    Op,
    kind=st.sampled_from(KINDS),
    who=st.integers(0, len(PEOPLE) - 1),
    other=st.integers(0, len(PEOPLE) - 1),
    platform=st.sampled_from(PLATFORMS),
    handle=st.sampled_from(HANDLES),
    flag=st.booleans(),
    visibility=st.sampled_from(tuple(Visibility)),
)  # fmt: skip


async def _member(repo: Repository, community: str, who: int) -> Member | None:
    return await repo.find_member(community=community, identity=PEOPLE[who])


async def _apply(repo: Repository, db: Database, community: str, op: Op) -> None:
    identity = PEOPLE[op.who]
    if op.kind in ("add", "import"):
        claim = Claim(
            community=community,
            identity=identity,
            platform=op.platform,
            handle=op.handle,
            handle_key=op.handle,
            visibility=op.visibility if op.flag else None,
            new_visibility=Visibility.COMMUNITY,
            verification=Verification.SELF_REPORTED,
            source=Source.IMPORT if op.kind == "import" else Source.DISCORD,
            now=T0,
            actor=op.kind if op.kind == "import" else "member",
            clear_withdrawn=op.kind == "add",
            evict=False,
        )
        await repo.register_handle(claim, lambda _member, _tombstoned: f"person {op.who}")
        return
    if op.kind == "forget":
        await repo.forget_identity(community=community, identity=identity, now=T0, actor="member")
        return
    member = await _member(repo, community, op.who)
    if member is None:
        return
    if op.kind == "remove":
        await repo.delete_entry(member_id=member.id, platform=op.platform, now=T0, actor="member")
    elif op.kind == "visibility":
        platform = op.platform if op.flag else None
        await repo.set_visibility(
            member_id=member.id, platform=platform, visibility=op.visibility, now=T0, actor="member"
        )
    elif op.kind == "hide":
        await repo.set_hidden(member_id=member.id, hidden=op.flag, now=T0, actor="admin")
    elif op.kind == "ban":
        await repo.set_banned(member_id=member.id, banned=op.flag, now=T0, actor="admin")
    elif op.kind == "merge":
        other = await _member(repo, community, op.other)
        if other is None or other.id == member.id:
            return
        async with db.transaction(write=True) as conn:
            # Both locked in id order, as a link redemption does, so merges never deadlock.
            for member_id in sorted((member.id, other.id)):
                found = await conn.execute(
                    select(members.c.id).where(members.c.id == member_id).with_for_update()
                )
                if found.first() is None:
                    return  # forgotten or merged away meanwhile
            await absorb(conn, target_id=member.id, absorbed_id=other.id, keep=("", ""), now=T0)


async def _truth(db: Database, community: str) -> dict[tuple[str, str], int]:
    """COUNT(*) of listed entries per platform and visibility, the plain way."""
    async with db.transaction() as conn:
        rows = await conn.execute(
            select(entries.c.platform, entries.c.visibility, func.count())
            .select_from(entries.join(members, members.c.id == entries.c.member_id))
            .where(entries.c.community == community, ~members.c.hidden, ~members.c.banned)
            .group_by(entries.c.platform, entries.c.visibility)
        )
        return {(p, v): int(n) for p, v, n in rows}


async def _kept(db: Database, community: str) -> dict[tuple[str, str], int]:
    async with db.transaction() as conn:
        rows = await conn.execute(
            select(entry_counts.c.platform, entry_counts.c.visibility, func.sum(entry_counts.c.n))
            .where(entry_counts.c.community == community)
            .group_by(entry_counts.c.platform, entry_counts.c.visibility)
        )
        return {(p, v): int(n) for p, v, n in rows if n}


async def _scenario(url: str, batches: list[list[Op]]) -> None:
    community = f"c{next(_COMMUNITIES)}"
    async with await Database.open(url) as db:
        await db.upgrade()
        repo = Repository(db)
        for batch in batches:
            results = await asyncio.gather(
                *(_apply(repo, db, community, op) for op in batch), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException) and not isinstance(result, FerryError):
                    raise result
            truth = await _truth(db, community)
            assert await _kept(db, community) == truth
            for visibilities in ({Visibility.PUBLIC}, set(Visibility)):
                wanted = {v.value for v in visibilities}
                expected: dict[str, int] = {}
                for (platform, visibility), n in truth.items():
                    if visibility in wanted:
                        expected[platform] = expected.get(platform, 0) + n
                kept = await repo.count_by_platform(community=community, visibilities=visibilities)
                assert kept == expected


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(st.lists(OPS, min_size=1, max_size=8), min_size=1, max_size=5))
def test_counts_equal_count_star_under_concurrent_changes(database_url: str, batches: list[list[Op]]) -> None:
    asyncio.run(_scenario(database_url, batches))


@pytest.mark.parametrize("change", ["insert", "delete"])
@pytest.mark.parametrize("flag", ["hidden", "banned"])
def test_entry_change_of_an_unlisted_member_serialises_with_relisting(
    database_url: str, change: str, flag: str
) -> None:
    """The interleaving the property test found on PostgreSQL, made deterministic.

    An entry of a hidden (or banned) member changes in a transaction left open while the member is
    shown again (or unbanned) concurrently. The relisting must wait for the entry's transaction and
    then count what it committed; before migration 0008 it did not wait (a filtered ``FOR SHARE``
    locks nothing) and the kept total drifted by one.
    """

    async def run() -> None:
        community = f"c{next(_COMMUNITIES)}"
        async with await Database.open(url) as db:
            await db.upgrade()
            repo = Repository(db)
            await _apply(repo, db, community, Op("add", 0, platform="lemon8", handle="a"))
            member = await _member(repo, community, 0)
            assert member is not None

            async def setter(value: bool) -> object:
                if flag == "hidden":
                    return await repo.set_hidden(member_id=member.id, hidden=value, now=T0, actor="a")
                return await repo.set_banned(member_id=member.id, banned=value, now=T0, actor="a")

            await setter(True)
            async with db.transaction(write=True) as conn:
                if change == "insert":
                    await conn.execute(
                        entries.insert().values(
                            member_id=member.id, community=community, platform="rednote",
                            handle="b", handle_key="b", visibility="public",
                            verification=Verification.SELF_REPORTED.value, source=Source.DISCORD.value,
                            created_at=T0, updated_at=T0,
                        )
                    )  # fmt: skip
                else:
                    await conn.execute(entries.delete().where(entries.c.member_id == member.id))
                relist = asyncio.create_task(setter(False))
                await asyncio.sleep(0.3)  # long enough for an unlocked relisting to commit first
            await relist
            assert await _kept(db, community) == await _truth(db, community)

    url = database_url
    asyncio.run(run())


def test_the_comparison_can_fail(database_url: str) -> None:
    """Guard: a counter changed behind the triggers' back is caught by the same comparison."""

    async def run() -> None:
        community = f"c{next(_COMMUNITIES)}"
        async with await Database.open(url) as db:
            await db.upgrade()
            repo = Repository(db)
            await _apply(repo, db, community, Op("add", 0))
            async with db.transaction(write=True) as conn:
                await conn.execute(entry_counts.update().values(n=entry_counts.c.n + 1))
            assert await _kept(db, community) != await _truth(db, community)

    url = database_url
    asyncio.run(run())


def test_opposite_changes_over_shared_counters_never_deadlock(database_url: str) -> None:
    """Writers that touch the same counters in opposite directions queue up instead of deadlocking.

    Two shapes the property test hit on PostgreSQL: a removal racing a re-registration of the same
    handle (the removal held the entry while waiting for the member, the registration the other
    way round), and two members moving handles between the same two counters in opposite
    directions (each row locked its old counter first). Every round runs both at once; before the
    fixes nearly every round of the first shape failed with ``deadlock detected``.
    """

    async def run() -> None:
        community = f"c{next(_COMMUNITIES)}"
        async with await Database.open(url) as db:
            await db.upgrade()
            repo = Repository(db)
            for who, visibility in ((0, Visibility.PUBLIC), (1, Visibility.COMMUNITY)):
                await _apply(repo, db, community, Op("add", who, handle=f"h{who}", visibility=visibility))
            for who in range(2, 8):  # padding, so the next entry shares member 0's counter shard
                await _apply(repo, db, community, Op("add", who % 5, platform="rednote", handle=f"p{who}"))
                await _apply(repo, db, community, Op("remove", who % 5, platform="rednote"))
            await _apply(repo, db, community, Op("add", 2, handle="h2", visibility=Visibility.COMMUNITY))
            for round_ in range(40):
                there, back = (Visibility.COMMUNITY, Visibility.PUBLIC)[:: 1 if round_ % 2 else -1]
                await asyncio.gather(
                    _apply(repo, db, community, Op("remove", 1)),
                    _apply(repo, db, community, Op("add", 1, handle="h1", visibility=there)),
                    _apply(repo, db, community, Op("visibility", 0, visibility=there)),
                    _apply(repo, db, community, Op("visibility", 2, visibility=back)),
                )
                assert await _kept(db, community) == await _truth(db, community)

    url = database_url
    asyncio.run(run())

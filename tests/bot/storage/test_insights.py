"""The insight aggregates equal COUNT(*) over the directory after any sequence of changes."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Insert, func, insert, not_, or_, select

from bot.insight_models import InsightAggregates
from bot.models import Verification, Visibility
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import audit_log, entries, insight_state, members
from tests.bot.storage._helpers import T0, add_member, register

PLATFORMS = ("bluesky", "rednote", "lemon8")
MEMBERS = 4
_communities = itertools.count()

member = st.integers(0, MEMBERS - 1)
platform = st.sampled_from(PLATFORMS)
visibility = st.sampled_from(list(Visibility))
operation = st.one_of(
    st.tuples(st.just("register"), member, platform, visibility, st.integers(0, 3)),
    st.tuples(st.just("remove"), member, platform),
    st.tuples(st.just("visibility"), member, platform, visibility),
    st.tuples(st.just("verify"), member, platform, st.sampled_from(list(Verification))),
    st.tuples(st.just("hide"), member, st.booleans()),
    st.tuples(st.just("ban"), member, st.booleans()),
    st.tuples(st.just("forget"), member),
    st.tuples(
        st.just("read"),
    ),
)


async def oracle(database: Database, community: str) -> dict[str, object]:
    """The aggregates counted straight from ``entries`` and ``members``."""
    listed = not_(or_(members.c.hidden, members.c.banned))
    rows = select(
        entries.c.member_id,
        entries.c.platform,
        entries.c.visibility,
        entries.c.verification,
        entries.c.created_at,
    ).join(members, members.c.id == entries.c.member_id)
    async with database.transaction() as conn:
        found = (await conn.execute(rows.where(entries.c.community == community, listed))).all()
        total = (
            await conn.execute(
                select(func.count()).select_from(entries).where(entries.c.community == community)
            )
        ).scalar_one()
    platforms: Counter[tuple[str, str]] = Counter()
    arrivals: Counter[tuple[str, str, str]] = Counter()
    per_member: Counter[int] = Counter()
    public_per_member: Counter[int] = Counter()
    for row in found:
        public = row.visibility == Visibility.PUBLIC.value
        platforms[(row.platform, "listed")] += 1
        platforms[(row.platform, "public")] += public
        platforms[(row.platform, "verified")] += row.verification != Verification.SELF_REPORTED.value
        day = row.created_at.date().isoformat()
        arrivals[(day, row.platform, "listed")] += 1
        arrivals[(day, row.platform, "public")] += public
        per_member[row.member_id] += 1
        public_per_member[row.member_id] += public
    spread = Counter((n, "members") for n in per_member.values())
    spread.update((n, "public_members") for n in public_per_member.values() if n)
    return {
        "platforms": +platforms,
        "arrivals": +arrivals,
        "spread": +spread,
        "listed": len(found),
        "all": total,
    }


def unaudited_entry(member_id: int, community: str, platform: str, handle: str) -> Insert:
    """An INSERT of a public entry that, unlike the repository's writes, adds no audit row."""
    return insert(entries).values(
        member_id=member_id, community=community, platform=platform, handle=handle, handle_key=handle,
        visibility="public", verification="self-reported", source="import", created_at=T0, updated_at=T0,
    )  # fmt: skip


def flatten(read: InsightAggregates) -> dict[str, object]:
    platforms: Counter[tuple[str, str]] = Counter()
    for p in read.platforms:
        platforms.update({(p.platform, "listed"): p.listed, (p.platform, "public"): p.public})
        platforms[(p.platform, "verified")] += p.verified
    arrivals: Counter[tuple[str, str, str]] = Counter()
    for a in read.arrivals:
        arrivals[(a.day.isoformat(), a.platform, "listed")] += a.listed
        arrivals[(a.day.isoformat(), a.platform, "public")] += a.public
    spread: Counter[tuple[int, str]] = Counter()
    for s in read.spread:
        spread[(s.platforms, "members")] += s.members
        spread[(s.platforms, "public_members")] += s.public_members
    return {
        "platforms": +platforms,
        "arrivals": +arrivals,
        "spread": +spread,
        "listed": sum(p.listed for p in read.platforms),
    }


async def apply(repository: Repository, community: str, ops: list[tuple[object, ...]]) -> None:
    people = [await add_member(repository, f"m{i}", community=community) for i in range(MEMBERS)]
    await repository.read_insights(community=community, now=T0)  # built: every change below is folded
    gone: set[int] = set()
    for step, op in enumerate(ops):
        now = T0 + timedelta(days=step // 3, minutes=step)
        kind, *args = op
        if kind == "read":
            await repository.read_insights(community=community, now=now)
            continue
        who = people[args[0]]  # type: ignore[index]
        if who.id in gone:
            continue
        mid = who.id
        try:
            if kind == "register":
                _, where, shown, suffix = args
                await register(
                    repository, who, where, f"{who.display_name}-{suffix}", visibility=shown, now=now
                )
            elif kind == "remove":
                await repository.delete_entry(member_id=mid, platform=args[1], now=now, actor="member")
            elif kind == "visibility":
                await repository.set_visibility(
                    member_id=mid, platform=args[1], visibility=args[2], now=now, actor="member"
                )
            elif kind == "verify":
                await repository.set_verification(
                    member_id=mid, platform=args[1], verification=args[2], now=now, actor="admin:1"
                )
            elif kind == "hide":
                await repository.set_hidden(member_id=mid, hidden=args[1], now=now, actor="admin:1")
            elif kind == "ban":
                await repository.set_banned(member_id=mid, banned=args[1], now=now, actor="admin:1")
            elif kind == "forget":
                await repository.forget_member(member_id=mid, now=now, actor="member")
                gone.add(mid)
        except Exception as error:  # a change the directory refuses (nothing to remove) is not one
            if type(error).__name__ not in {"NotRegisteredError"}:
                raise


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, max_size=25))
async def test_aggregates_match_counting_the_directory(
    repository: Repository, database: Database, ops: list[tuple[object, ...]]
) -> None:
    community = f"c{next(_communities)}"
    await apply(repository, community, ops)
    expected = await oracle(database, community)
    del expected["all"]
    folded = await repository.read_insights(community=community, now=T0 + timedelta(days=30))
    assert flatten(folded) == expected
    async with database.transaction(write=True) as conn:
        await conn.execute(insight_state.delete().where(insight_state.c.community == community))
    rebuilt = await repository.read_insights(community=community, now=T0 + timedelta(days=30))
    assert flatten(rebuilt) == expected


async def test_a_first_read_builds_from_the_directory_then_folds_only_new_events(
    repository: Repository, database: Database
) -> None:
    community = "built"
    people = [await add_member(repository, f"p{i}", community=community) for i in range(6)]
    for i, person in enumerate(people):
        await register(repository, person, PLATFORMS[i % 2], f"h{i}", visibility=Visibility.PUBLIC)
    first = await repository.read_insights(community=community, now=T0)
    assert flatten(first) == {k: v for k, v in (await oracle(database, community)).items() if k != "all"}
    # An entry written behind the audit log's back (no audit row names its member) is not seen by
    # a fold: proof that later reads do not rescan the directory.
    stranger = await add_member(repository, "stranger", community=community)
    async with database.transaction(write=True) as conn:
        await conn.execute(unaudited_entry(stranger.id, community, "lemon8", "x"))
    await repository.set_hidden(member_id=people[1].id, hidden=True, now=T0, actor="admin:1")
    second = await repository.read_insights(community=community, now=T0)
    assert second.version > first.version
    counts = {p.platform: p.public for p in second.platforms}
    assert counts == {"bluesky": 3, "rednote": 2}  # p1 (rednote) hidden; the unaudited lemon8 unseen
    # Forgetting the version makes the next read rebuild, and then it is seen.
    async with database.transaction(write=True) as conn:
        await conn.execute(insight_state.delete())
    rebuilt = await repository.read_insights(community=community, now=T0)
    assert {p.platform: p.public for p in rebuilt.platforms} == {"bluesky": 3, "rednote": 2, "lemon8": 1}


async def test_a_late_committed_audit_row_under_the_watermark_is_still_folded(
    repository: Repository, database: Database
) -> None:
    community = "late"
    person = await add_member(repository, "late", community=community)
    await register(repository, person, "bluesky", "first", visibility=Visibility.PUBLIC)
    first = await repository.read_insights(community=community, now=T0)
    # Two transactions took audit ids W+1 and W+2; the second committed first and was folded.
    async with database.transaction(write=True) as conn:
        await conn.execute(
            insert(audit_log).values(
                id=first.version + 2, community=community, at=T0, action="member.show", actor="admin:1",
                member_id=person.id,
            )
        )  # fmt: skip
    assert (await repository.read_insights(community=community, now=T0)).version == first.version + 2
    version = await repository.insight_version(community=community)
    # Now the slow one commits, under the watermark.
    async with database.transaction(write=True) as conn:
        await conn.execute(unaudited_entry(person.id, community, "rednote", "y"))
        await conn.execute(
            insert(audit_log).values(
                id=first.version + 1, community=community, at=T0, action="entry.add", actor="member",
                member_id=person.id,
            )
        )  # fmt: skip
    assert await repository.insight_version(community=community) != version
    read = await repository.read_insights(community=community, now=T0)
    assert {p.platform for p in read.platforms} == {"bluesky", "rednote"}

"""The insights service: public and admin views, the minimum count, and the per-version cache."""

import dataclasses
from datetime import date

from bot.config.models import Limits
from bot.models import Source, Visibility
from bot.services.directory import DirectoryService
from bot.services.insights import InsightService
from bot.storage.repository import Repository
from tests.support.insights import ADMIN, PUBLIC, person, scatter


async def test_the_public_view_counts_public_entries_and_hides_small_ones(
    service: DirectoryService, insights: InsightService
) -> None:
    await scatter(service)
    public = await insights.public("demo")
    assert public.public and public.minimum == 5
    assert [(p.key, p.count) for p in public.platforms] == [("rednote", 7), ("bluesky", 6), ("lemon8", None)]
    assert all(p.verified is None for p in public.platforms)
    assert public.handles == 13  # Lemon8's 3 are not added in either
    # 15 people with public handles: one person holds two. Buckets under 5 are hidden too.
    assert [(s.platforms, s.members) for s in public.spread] == [(1, 14), (2, None)]
    assert public.members == 15
    assert [s.key for s in public.series] == ["rednote", "bluesky"]  # no line for a hidden platform
    assert public.series[0].totals[-1] == 7


async def test_the_admin_view_is_exact(service: DirectoryService, insights: InsightService) -> None:
    await scatter(service)
    admin = await insights.admin("demo")
    assert {p.key: p.count for p in admin.platforms} == ADMIN
    assert [p.key for p in admin.platforms][:2] == ["rednote", "bluesky"]
    assert [(s.platforms, s.members) for s in admin.spread] == [(1, 17), (2, 1)]
    assert admin.share_moved(36) == 0.5
    assert admin.top(2)[1].name == "Bluesky"


async def test_the_minimum_is_configurable(
    service: DirectoryService, repository: Repository, config, clock
) -> None:
    await scatter(service)
    strict = dataclasses.replace(config, limits=Limits(public_count_minimum=7))
    view = await InsightService(store=repository, config=lambda: strict, clock=clock).public("demo")
    assert [(p.key, p.count) for p in view.platforms] == [("rednote", 7), ("bluesky", None), ("lemon8", None)]


async def test_reads_are_cached_until_the_directory_changes(
    service: DirectoryService, repository: Repository, insights: InsightService, monkeypatch
) -> None:
    await scatter(service)
    reads = []
    original = repository.read_insights

    async def counted(**kwargs):
        reads.append(kwargs)
        return await original(**kwargs)

    monkeypatch.setattr(repository, "read_insights", counted)
    first = await insights.public("demo")
    again = await insights.public("demo")
    assert len(reads) == 1 and again.platforms == first.platforms
    await service.register(
        community="demo", identity=person(99), display_name="Late", platform="lemon8",
        handle="late", source=Source.DISCORD, visibility=Visibility.PUBLIC,
    )  # fmt: skip
    await service.register(
        community="demo", identity=person(98), display_name="Later", platform="lemon8",
        handle="later", source=Source.DISCORD, visibility=Visibility.PUBLIC,
    )  # fmt: skip
    after = await insights.public("demo")
    assert len(reads) == 2
    assert ("lemon8", PUBLIC["lemon8"] + 2) in [(p.key, p.count) for p in after.platforms]


async def test_forgetting_a_member_takes_them_out_of_every_number(
    service: DirectoryService, insights: InsightService
) -> None:
    await scatter(service)
    await insights.admin("demo")
    await service.forget(community="demo", identity=person(1))  # RedNote and Bluesky, both public
    admin = await insights.admin("demo")
    assert {p.key: p.count for p in admin.platforms} == {**ADMIN, "rednote": 8, "bluesky": 5}
    assert [(s.platforms, s.members) for s in admin.spread] == [(1, 17)]
    assert admin.days[0] == date(2025, 1, 18)


async def test_a_forget_is_folded_at_once_through_the_change_feed(
    service: DirectoryService, insights: InsightService, database
) -> None:
    from sqlalchemy import select

    from bot.storage.tables import insight_entries

    service.changes.subscribe(insights.on_change)
    await scatter(service)
    await insights.admin("demo")
    forgotten = await service.member(community="demo", identity=person(1))
    assert forgotten is not None
    await service.forget(community="demo", identity=person(1))
    async with database.transaction() as conn:
        left = (
            await conn.execute(select(insight_entries).where(insight_entries.c.member_id == forgotten.id))
        ).all()
    assert left == []  # gone without anyone reading the statistics


async def test_a_link_that_merges_two_members_moves_their_counts(
    service: DirectoryService, repository: Repository, insights: InsightService, config, clock, database
) -> None:
    from bot.models import Identity, IdentityKind
    from bot.services.linking import LinkingService
    from tests.bot.services.test_linking import DID, DISCORD, HANDLE, add, issue, redeem
    from tests.bot.storage.test_insights import flatten, oracle

    linking = LinkingService(repository=repository, directory=service, config=lambda: config, clock=clock)
    bluesky = Identity(IdentityKind.BLUESKY, DID)
    await add(service, DISCORD, "lemon8", "old_cook")
    await add(service, bluesky, "bluesky", HANDLE)
    await add(service, bluesky, "lemon8", "new_cook")
    await repository.read_insights(community="demo", now=clock())  # built before the merge
    await redeem(linking, await issue(linking))
    folded = await repository.read_insights(community="demo", now=clock())
    expected = await oracle(database, "demo")
    del expected["all"]
    assert flatten(folded) == expected
    assert [(s.platforms, s.members) for s in folded.spread] == [(2, 1)]  # one person, two platforms

"""The directory's search, counts, batch iteration, recent arrivals and positions, on both dialects."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.models import (
    EVERY_VISIBILITY,
    DirectoryQuery,
    Identity,
    IdentityKind,
    Source,
    Verification,
    Visibility,
)
from bot.storage.repository import Repository
from tests.bot.storage._helpers import COMMUNITY, T0, add_member, at, register
from tests.bot.storage.test_directory import (
    PLATFORMS,
    Seeded,
    ids,
    query,
    seeded,
    walk_backward,
    walk_forward,
)

__all__ = ["seeded"]  # the fixture, shared with test_directory


@pytest.fixture
async def searchable(repository: Repository) -> dict[str, int]:
    """Members whose names or handles hold LIKE metacharacters and non-ASCII letters."""
    people = {
        "Élodie Durand": "elodie.d",
        "100% Real": "real100",
        "under_score": "plain1",
        "Plain Name": "has_underscore",
        "AC/DC Fan": "acdc",
        "Back\\slash": "bs",
        "ΣΩΚΡΆΤΗΣ": "socrates",
        "Bob": "bobby",
        "' OR 1=1 --": "quote",
    }
    result = {}
    for name, handle in people.items():
        member = await add_member(repository, name)
        result[name] = (await register(repository, member, "instagram", handle)).entry.id
    return result


@pytest.mark.parametrize(
    ("term", "names"),
    [
        ("élodie", {"Élodie Durand"}),
        ("ÉLODIE", {"Élodie Durand"}),
        ("σωκράτ", {"ΣΩΚΡΆΤΗΣ"}),
        ("σΩκΡάΤ", {"ΣΩΚΡΆΤΗΣ"}),
        ("REAL1", {"100% Real"}),  # matches the handle, case-insensitively
        ("%", {"100% Real"}),
        ("0%", {"100% Real"}),
        ("_", {"under_score", "Plain Name"}),
        ("r_s", {"under_score"}),
        ("/", {"AC/DC Fan"}),
        ("c/d", {"AC/DC Fan"}),
        ("//", set()),
        ("\\", {"Back\\slash"}),
        ("' OR 1=1 --", {"' OR 1=1 --"}),
        ("' OR '1'='1", set()),
        ("bob", {"Bob"}),
        ("nobody", set()),
    ],
)
async def test_search_is_a_literal_case_insensitive_substring(
    repository: Repository, searchable: dict[str, int], term: str, names: set[str]
) -> None:
    page = await repository.directory_page(query(search=term, limit=50))
    assert {e.member_name for e in page.entries} == names
    assert page.total == len(names)


async def test_search_pages_with_keyset(repository: Repository, seeded: Seeded) -> None:
    expected = [e.id for e in seeded.listed if "1" in e.member_name or "1" in e.handle]
    pages = await walk_forward(repository, query(search="1", limit=4))
    assert ids(pages) == expected
    assert ids(await walk_backward(repository, query(search="1", limit=4))) == expected
    # The matches span pages, so no page counts them (that would read every candidate row each time).
    assert len(pages) > 1 and {p.total for p in pages} == {None}


async def test_a_search_that_fits_one_page_is_counted(repository: Repository, seeded: Seeded) -> None:
    expected = [e.id for e in seeded.listed if "1" in e.member_name or "1" in e.handle]
    [page] = await walk_forward(repository, query(search="1", limit=len(expected)))
    assert ids([page]) == expected and page.total == len(expected)
    nothing = await repository.directory_page(query(search="no such name anywhere"))
    assert nothing.entries == () and nothing.total == 0


async def test_counts(repository: Repository, seeded: Seeded) -> None:
    everyone = frozenset(Visibility)
    by_platform = await repository.count_by_platform(community=COMMUNITY, visibilities=everyone)
    assert by_platform == {p: sum(e.platform == p for e in seeded.listed) for p in PLATFORMS}
    public = await repository.count_by_platform(community=COMMUNITY, visibilities={Visibility.PUBLIC})
    assert sum(public.values()) == sum(e.visibility is Visibility.PUBLIC for e in seeded.listed)
    assert await repository.count_entries(community=COMMUNITY, visibilities=everyone) == 53
    assert await repository.count_entries(community="other", visibilities=everyone) == 1
    assert await repository.count_entries(community="nobody", visibilities=everyone) == 0
    assert await repository.count_by_platform(community="nobody", visibilities=everyone) == {}


async def test_iter_entries_in_batches_without_holding_a_transaction(
    repository: Repository, seeded: Seeded
) -> None:
    got = []
    async for entry in repository.iter_entries(
        community=COMMUNITY, visibilities=frozenset(Visibility), batch=7
    ):
        got.append(entry)
        # With one SQLite connection, this would wait forever if the export held its transaction.
        await asyncio.wait_for(repository.set_state("export.progress", str(len(got)), at(3)), timeout=10)
    assert got == seeded.listed
    public = [e async for e in repository.iter_entries(community=COMMUNITY, visibilities={Visibility.PUBLIC})]
    assert public == [e for e in seeded.listed if e.visibility is Visibility.PUBLIC]
    exact = [
        e
        async for e in repository.iter_entries(community=COMMUNITY, visibilities={Visibility.PUBLIC}, batch=1)
    ]
    assert exact == public


async def test_recent_entries_and_member_count(repository: Repository) -> None:
    """Newest arrivals first; hidden members neither listed nor counted."""
    now = T0
    ids = []
    for index in range(4):
        member = await repository.ensure_member(
            community="c",
            identity=Identity(IdentityKind.CONSOLE, f"m{index}"),
            display_name=f"M{index}",
            now=now,
        )
        ids.append(member.id)
        await repository.upsert_entry(
            member_id=member.id,
            community="c",
            platform="lemon8",
            handle=f"h{index}",
            handle_key=f"h{index}",
            visibility=Visibility.PUBLIC,
            verification=Verification.SELF_REPORTED,
            source=Source.CONSOLE,
            now=now,
            actor="member",
        )
    await repository.set_hidden(member_id=ids[3], hidden=True, now=now, actor="admin")
    recent = await repository.recent_entries(community="c", limit=2)
    assert [e.handle for e in recent] == ["h2", "h1"]
    assert await repository.count_members(community="c") == 3
    assert await repository.count_members(community="other") == 0


async def test_cursor_at_finds_any_position_in_one_query(repository: Repository) -> None:
    """cursor_at(k) is the cursor of the k-th listed entry, in directory order."""
    member = await repository.ensure_member(
        community="c", identity=Identity(IdentityKind.CONSOLE, "m"), display_name="M", now=T0
    )
    for index, platform in enumerate(["lemon8", "instagram", "x", "tiktok"]):
        await repository.upsert_entry(
            member_id=member.id,
            community="c",
            platform=platform,
            handle=f"h{index}",
            handle_key=f"h{index}",
            visibility=Visibility.PUBLIC,
            verification=Verification.SELF_REPORTED,
            source=Source.CONSOLE,
            now=T0,
            actor="member",
        )
    query = DirectoryQuery(visibilities=EVERY_VISIBILITY, community="c")
    keys = [(await repository.cursor_at(query, k)) for k in range(5)]
    assert [c.sort_key if c else None for c in keys] == ["h0", "h1", "h2", "h3", None]
    after = await repository.directory_page(replace(query, after=keys[1], limit=10))
    assert [e.handle for e in after.entries] == ["h2", "h3"]


async def test_find_entries_includes_hidden_and_banned_members(
    repository: Repository, seeded: Seeded
) -> None:
    found = await repository.find_entries(community=COMMUNITY, search="hidden-handle", limit=5)
    assert [e.handle for e in found] == ["hidden-handle"]
    listed = await repository.directory_page(query(search="hidden-handle"))
    assert listed.entries == ()  # the directory itself never lists them
    assert len(await repository.find_entries(community=COMMUNITY, search=None, limit=3)) == 3
    assert await repository.find_entries(community="elsewhere", search=None, limit=5) == []

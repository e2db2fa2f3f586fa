"""The directory: keyset pages that tile the ordered set, filters, search, counts and exports."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import insert

from bot.models import (
    EVERY_VISIBILITY,
    Cursor,
    DirectoryPage,
    DirectoryQuery,
    Entry,
    Source,
    Verification,
    Visibility,
)
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import entries, members
from tests.bot.storage._helpers import COMMUNITY, T0, add_member, at, register

PLATFORMS = ("instagram", "tiktok", "bluesky")
N_MEMBERS = 50
LIMIT = 10


@dataclass(frozen=True)
class Seeded:
    """The listed entries, in directory order, and the unlisted ones."""

    listed: list[Entry]
    unlisted: list[Entry]


def order_key(entry: Entry) -> tuple[str, int]:
    """Directory order; the tests use handles whose key is handle.lower()."""
    return (entry.handle.lower(), entry.id)


@dataclass(frozen=True)
class Person:
    name: str
    platform: str
    handle: str  # also the handle_key
    visibility: Visibility = Visibility.COMMUNITY
    community: str = COMMUNITY
    hidden: bool = False
    banned: bool = False

    @property
    def listed(self) -> bool:
        return self.community == COMMUNITY and not (self.hidden or self.banned)


@pytest.fixture
async def seeded(database: Database) -> Seeded:
    """53 listed entries (keys scrambled against ids, one key on three platforms), plus a hidden
    member, a banned member and another community that must never show up.

    Inserted in bulk: the fixture runs for dozens of tests, and the write path has its own tests.
    """
    people = [
        Person(
            f"Member {i:02d}",
            PLATFORMS[i % 3],
            f"h{(i * 7) % N_MEMBERS:02d}",  # insertion (id) order differs from key order
            Visibility.PUBLIC if i % 2 else Visibility.COMMUNITY,
        )
        for i in range(N_MEMBERS)
    ]
    people += [Person(f"Tie {i}", platform, "h25x") for i, platform in enumerate(PLATFORMS)]  # tie on key
    people += [
        Person("Hidden", "instagram", "hidden-handle", hidden=True),
        Person("Banned", "instagram", "banned-handle", banned=True),
        Person("Stranger", "instagram", "h00", community="other"),
    ]
    async with database.transaction(write=True) as conn:
        member_ids = (
            await conn.execute(
                insert(members).returning(members.c.id, sort_by_parameter_order=True),
                [
                    {"community": p.community, "display_name": p.name, "hidden": p.hidden, "banned": p.banned,
                     "created_at": T0, "updated_at": T0}
                    for p in people
                ],
            )
        ).scalars().all()  # fmt: skip
        entry_ids = (
            await conn.execute(
                insert(entries).returning(entries.c.id, sort_by_parameter_order=True),
                [
                    {"member_id": m, "community": p.community, "platform": p.platform, "handle": p.handle,
                     "handle_key": p.handle, "visibility": p.visibility.value,
                     "verification": "self-reported", "source": "import", "created_at": T0, "updated_at": T0}
                    for p, m in zip(people, member_ids, strict=True)
                ],
            )
        ).scalars().all()  # fmt: skip
    made = [
        (
            p,
            Entry(
                id=e, member_id=m, community=p.community, platform=p.platform, handle=p.handle,
                visibility=p.visibility, verification=Verification.SELF_REPORTED, source=Source.IMPORT,
                created_at=T0, updated_at=T0, member_name=p.name,
            ),
        )
        for p, m, e in zip(people, member_ids, entry_ids, strict=True)
    ]  # fmt: skip
    return Seeded(
        listed=sorted((e for p, e in made if p.listed), key=order_key),
        unlisted=[e for p, e in made if not p.listed],
    )


async def walk_forward(repo: Repository, query: DirectoryQuery) -> list[DirectoryPage]:
    pages = [await repo.directory_page(query)]
    while pages[-1].next_cursor is not None:
        pages.append(await repo.directory_page(replace(query, after=pages[-1].next_cursor)))
        assert len(pages) < 100, "paging does not terminate"
    return pages


async def walk_backward(repo: Repository, query: DirectoryQuery) -> list[DirectoryPage]:
    pages = [await repo.directory_page(replace(query, last=True))]
    while pages[-1].prev_cursor is not None:
        pages.append(await repo.directory_page(replace(query, before=pages[-1].prev_cursor)))
        assert len(pages) < 100, "paging does not terminate"
    return pages[::-1]


def ids(pages: list[DirectoryPage]) -> list[int]:
    return [entry.id for page in pages for entry in page.entries]


def query(**kwargs) -> DirectoryQuery:
    return DirectoryQuery(
        **{"community": COMMUNITY, "limit": LIMIT, "visibilities": EVERY_VISIBILITY, **kwargs}
    )


async def test_forward_pages_tile_the_ordered_set(repository: Repository, seeded: Seeded) -> None:
    pages = await walk_forward(repository, query())
    assert ids(pages) == [e.id for e in seeded.listed]
    assert [len(p.entries) for p in pages] == [10, 10, 10, 10, 10, 3]
    assert {p.total for p in pages} == {53}
    assert pages[0].prev_cursor is None
    assert all(p.prev_cursor is not None and p.next_cursor is not None for p in pages[1:-1])
    assert pages[-1].next_cursor is None
    assert pages[0].entries[0].member_name == "Member 00"


async def test_backward_pages_tile_the_ordered_set(repository: Repository, seeded: Seeded) -> None:
    pages = await walk_backward(repository, query())
    assert ids(pages) == [e.id for e in seeded.listed]
    assert [len(p.entries) for p in pages] == [3, 10, 10, 10, 10, 10]
    assert pages[0].prev_cursor is None
    assert pages[-1].next_cursor is None


async def test_next_then_prev_returns_the_same_page(repository: Repository, seeded: Seeded) -> None:
    pages = await walk_forward(repository, query())
    for earlier, later in itertools.pairwise(pages):
        assert later.prev_cursor is not None
        back = await repository.directory_page(query(before=later.prev_cursor))
        assert back.entries == earlier.entries
        assert (back.next_cursor is None) == (earlier.next_cursor is None)


async def test_last_page(repository: Repository, seeded: Seeded) -> None:
    page = await repository.directory_page(query(last=True))
    assert [e.id for e in page.entries] == [e.id for e in seeded.listed[-LIMIT:]]
    assert page.next_cursor is None
    assert page.prev_cursor == Cursor(seeded.listed[-LIMIT].handle.lower(), seeded.listed[-LIMIT].id)


async def test_cursor_is_directory_position(repository: Repository, seeded: Seeded) -> None:
    page = await repository.directory_page(query(limit=3))
    third = seeded.listed[2]
    assert page.next_cursor == Cursor(sort_key=third.handle.lower(), entry_id=third.id)
    assert Cursor.decode(page.next_cursor.encode()) == page.next_cursor


async def test_a_page_between_two_cursors(repository: Repository, seeded: Seeded) -> None:
    low, high = seeded.listed[4], seeded.listed[9]
    page = await repository.directory_page(
        query(after=Cursor(low.handle.lower(), low.id), before=Cursor(high.handle.lower(), high.id))
    )
    assert page.entries == tuple(seeded.listed[5:9])
    assert page.next_cursor is not None
    assert page.prev_cursor is not None


async def test_pages_stay_stable_when_rows_change_between_fetches(
    repository: Repository, seeded: Seeded
) -> None:
    first = await repository.directory_page(query())
    assert first.next_cursor is not None
    cursor_row, unseen = seeded.listed[LIMIT - 1], seeded.listed[LIMIT + 3]
    # Between fetches: the cursor's own row and a not-yet-seen row go; rows arrive on both sides.
    for gone in (cursor_row, unseen):
        await repository.delete_entry(
            member_id=gone.member_id, platform=gone.platform, now=at(2), actor="member"
        )
    early = await add_member(repository, "Early")
    await register(repository, early, "instagram", "a-early")
    late = await add_member(repository, "Late")
    late_entry = (await register(repository, late, "instagram", "z-late")).entry

    rest = await walk_forward(repository, query(after=first.next_cursor))

    seen = list(first.entries) + [e for page in rest for e in page.entries]
    assert [order_key(e) for e in seen] == sorted({order_key(e) for e in seen}), "ordered, no duplicates"
    expected = [e for e in seeded.listed if e.id != unseen.id] + [late_entry]
    assert [e.id for e in seen] == [e.id for e in expected], (
        "no gaps; rows before the cursor are not replayed"
    )


async def test_backward_paging_survives_deleting_the_cursor_row(
    repository: Repository, seeded: Seeded
) -> None:
    last = await repository.directory_page(query(last=True))
    gone = last.entries[0]  # the row prev_cursor points at
    await repository.delete_entry(member_id=gone.member_id, platform=gone.platform, now=at(2), actor="member")
    assert last.prev_cursor is not None
    previous = await repository.directory_page(query(before=last.prev_cursor))
    assert previous.entries == tuple(seeded.listed[-2 * LIMIT : -LIMIT])


async def test_stale_cursors_fall_back_to_the_ends(repository: Repository, seeded: Seeded) -> None:
    past_end = await repository.directory_page(query(after=Cursor("zzzz", 10**9)))
    assert past_end.entries == tuple(seeded.listed[-LIMIT:])
    assert past_end.next_cursor is None
    before_start = await repository.directory_page(query(before=Cursor("", 0)))
    assert before_start.entries == tuple(seeded.listed[:LIMIT])
    assert before_start.prev_cursor is None


async def test_empty_directory(repository: Repository) -> None:
    for q in (query(), query(last=True), query(after=Cursor("m", 5)), query(before=Cursor("m", 5))):
        assert await repository.directory_page(q) == DirectoryPage(
            entries=(), next_cursor=None, prev_cursor=None, total=0
        )


async def test_limit_must_be_positive(repository: Repository) -> None:
    with pytest.raises(ValueError, match="limit"):
        await repository.directory_page(query(limit=0))


async def test_single_short_page_has_no_cursors(repository: Repository, seeded: Seeded) -> None:
    page = await repository.directory_page(query(limit=100))
    assert len(page.entries) == 53
    assert (page.prev_cursor, page.next_cursor) == (None, None)


async def test_platform_filter_pages(repository: Repository, seeded: Seeded) -> None:
    expected = [e.id for e in seeded.listed if e.platform == "tiktok"]
    assert ids(await walk_forward(repository, query(platform="tiktok"))) == expected
    assert ids(await walk_backward(repository, query(platform="tiktok"))) == expected
    assert (await repository.directory_page(query(platform="tiktok"))).total == len(expected)
    assert (await repository.directory_page(query(platform="mastodon"))).total == 0


async def test_visibility_filter(repository: Repository, seeded: Seeded) -> None:
    public = [e.id for e in seeded.listed if e.visibility is Visibility.PUBLIC]
    assert ids(await walk_forward(repository, query(visibilities=frozenset({Visibility.PUBLIC})))) == public
    community = [e.id for e in seeded.listed if e.visibility is Visibility.COMMUNITY]
    assert (
        ids(await walk_backward(repository, query(visibilities=frozenset({Visibility.COMMUNITY}))))
        == community
    )
    nothing = await repository.directory_page(query(visibilities=frozenset()))
    assert (nothing.entries, nothing.total) == ((), 0)


async def test_unlisted_members_never_appear(repository: Repository, seeded: Seeded) -> None:
    everything = ids(await walk_forward(repository, query(limit=7)))
    assert not {e.id for e in seeded.unlisted} & set(everything)
    assert (await repository.directory_page(query(search="hidden"))).total == 0
    assert (await repository.directory_page(query(search="banned"))).total == 0

"""Directory pages seek into an index: their cost follows the page size, not the table size.

The statements are the ones the repository really executes (captured from the engine), explained
with their real parameters on a seeded table.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, insert, text

from bot.models import EVERY_VISIBILITY, Cursor, DirectoryQuery, Visibility
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import entries, members
from tests.bot.storage._helpers import T0

ROWS = 3000
PLATFORMS = ("instagram", "tiktok", "bluesky")


@pytest.fixture
async def big(database: Database, dialect: str) -> Repository:
    """3,000 members with one entry each, in two communities, 60 of them hidden; statistics gathered."""
    people = [
        {"id": i, "community": "big" if i % 10 else "small", "display_name": f"person {i}", "created_at": T0,
         "updated_at": T0, "hidden": i % 50 == 1}
        for i in range(1, ROWS + 1)
    ]  # fmt: skip
    rows = [
        {"member_id": i, "community": people[i - 1]["community"], "platform": PLATFORMS[i % 3],
         "handle": f"h{(i * 7919) % ROWS:05d}", "handle_key": f"h{(i * 7919) % ROWS:05d}",
         "visibility": "public" if i % 2 else "community", "verification": "self-reported",
         "source": "import", "created_at": T0, "updated_at": T0}
        for i in range(1, ROWS + 1)
    ]  # fmt: skip
    async with database.transaction(write=True) as conn:
        await conn.execute(insert(members), people)
        await conn.execute(insert(entries), rows)
    if dialect == "postgresql":  # autovacuum would have; SQLite runs without statistics by default
        async with database.engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    return Repository(database)


async def explained(database: Database, action: Callable[[], Awaitable[object]]) -> list[tuple[str, str]]:
    """Run ``action``, then EXPLAIN each SELECT it issued: [(statement, plan text)]."""
    captured: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await action()
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    assert captured, "nothing to explain"
    prefix = "EXPLAIN QUERY PLAN " if database.dialect == "sqlite" else "EXPLAIN "
    plans = []
    async with database.engine.connect() as conn:
        for statement, parameters in captured:
            rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
            plans.append((statement, "\n".join(str(row[-1]) for row in rows)))
    return plans


def assert_index_seek(dialect: str, statement: str, plan: str, *, sorted_tail_ok: bool = False) -> None:
    """The entries come from a seek into a directory index, in index order.

    ``sorted_tail_ok``: PostgreSQL may instead fetch the few rows left past a cursor through the
    same index and sort them (joining a small members table by hash), when the batch is a large share
    of what remains (the last export batches); that passes as long as the seek starts at the cursor.
    """
    context = f"\n{statement}\n--- plan ---\n{plan}"
    if dialect == "sqlite":
        assert "SEARCH entries USING INDEX ix_entries_community" in plan, context
        assert "SCAN entries" not in plan, context
        assert "TEMP B-TREE" not in plan, context
        return
    assert "Seq Scan on entries" not in plan, context
    assert re.search(r"(Index Scan( Backward)? using|Bitmap Index Scan on) ix_entries_community", plan), (
        context
    )
    if "Sort" in plan:
        assert sorted_tail_ok, context
        assert re.search(r"Index Cond: \(.*handle_key [<>]=", plan), context
    else:
        assert "Seq Scan on members" not in plan, context


QUERIES = {
    "first page": DirectoryQuery(visibilities=EVERY_VISIBILITY, community="big"),
    "after": DirectoryQuery(visibilities=EVERY_VISIBILITY, community="big", after=Cursor("h01500", 1500)),
    "before": DirectoryQuery(visibilities=EVERY_VISIBILITY, community="big", before=Cursor("h01500", 1500)),
    "last": DirectoryQuery(visibilities=EVERY_VISIBILITY, community="big", last=True),
    "platform": DirectoryQuery(
        visibilities=EVERY_VISIBILITY, community="big", platform="tiktok", after=Cursor("h00100", 1)
    ),
    "platform before": DirectoryQuery(
        visibilities=EVERY_VISIBILITY, community="big", platform="tiktok", before=Cursor("h02000", 1)
    ),
    "public only": DirectoryQuery(community="big", visibilities=frozenset({Visibility.PUBLIC}), last=True),
}
# Not here: a search. A substring can't seek a b-tree, so a search page reads until it finds a page of
# matches (SQLite, in index order) or all candidates (PostgreSQL may scan and sort); either way it is
# bounded by the community's size, not the page's.


@pytest.mark.parametrize("name", QUERIES)
async def test_directory_page_seeks_the_index(
    big: Repository, database: Database, dialect: str, name: str
) -> None:
    query = QUERIES[name]
    page = await big.directory_page(query)
    assert page.entries, "the plan of an empty read proves little"
    plans = await explained(database, lambda: big.directory_page(query))
    assert len(plans) == (2 if query.after and query.before else 1), "one statement: rows, total, neighbours"
    for statement, plan in plans:
        # The neighbour probe may sort the few rows between a cursor near an end and that end.
        assert_index_seek(dialect, statement, plan, sorted_tail_ok=True)


async def test_export_batches_seek_the_index(big: Repository, database: Database, dialect: str) -> None:
    async def export() -> None:
        async for _ in big.iter_entries(community="big", visibilities=frozenset(Visibility), batch=100):
            pass

    plans = await explained(database, export)
    assert len(plans) == 27  # 2,700 entries less 60 hidden members' in batches of 100
    for statement, plan in plans:
        assert_index_seek(dialect, statement, plan, sorted_tail_ok=True)


async def test_counts_read_the_counters_only(big: Repository, database: Database, dialect: str) -> None:
    """Totals are sums of the trigger-kept counter rows, found by their key; no entry is read."""
    expected = {
        p: sum(1 for i in range(1, ROWS + 1) if i % 10 and i % 50 != 1 and i % 3 == k)
        for k, p in enumerate(PLATFORMS)
    }
    assert await big.count_by_platform(community="big", visibilities=frozenset(Visibility)) == expected
    page = await big.directory_page(
        DirectoryQuery(visibilities=EVERY_VISIBILITY, community="big", platform="tiktok")
    )
    assert page.total == expected["tiktok"]
    for action in (
        lambda: big.count_by_platform(community="big", visibilities={Visibility.PUBLIC}),
        lambda: big.count_entries(community="big", visibilities=frozenset(Visibility)),
    ):
        [(statement, plan)] = await explained(database, action)
        context = f"\n{statement}\n--- plan ---\n{plan}"
        assert "entries" not in statement and "members" not in statement, context
        if dialect == "sqlite":  # PostgreSQL rightly scans a table of a few dozen rows
            assert "SEARCH entry_counts USING INDEX" in plan and "(community=?)" in plan, context

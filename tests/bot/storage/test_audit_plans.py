"""A filtered audit read seeks the (community, action, id) index instead of walking the whole log."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.tables import audit_log
from tests.bot.storage._helpers import T0
from tests.bot.storage.test_query_plans import explained

ROWS = 6000
COMMON = ("entry.add", "entry.replace", "entry.remove", "entry.visibility")


@pytest.fixture
async def busy(database: Database, dialect: str) -> Repository:
    """6,000 audit rows in two communities; one in a hundred is a ban or an unban."""
    rows = [
        {
            "community": "big" if i % 10 else "small",
            "at": T0,
            "action": ("member.ban" if i // 100 % 2 else "member.unban") if i % 100 == 7 else COMMON[i % 4],
            "actor": "member",
            "member_id": i % 700,
            "platform": "bluesky" if i % 3 else "lemon8",
            "detail": None,
        }
        for i in range(1, ROWS + 1)
    ]
    async with database.transaction(write=True) as conn:
        await conn.execute(insert(audit_log), rows)
    async with database.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    return Repository(database)


async def test_an_action_group_seeks_the_action_index(busy: Repository, database: Database) -> None:
    groups = {"member.ban", "member.unban", "member.hide", "member.show"}
    records = await busy.audit_log(community="big", actions=groups, limit=25)
    assert len(records) == 25 and {r.action for r in records} == {"member.ban", "member.unban"}
    assert [r.id for r in records] == sorted((r.id for r in records), reverse=True)
    everything = await busy.audit_log(community="big", limit=ROWS)
    assert [r.id for r in records] == [r.id for r in everything if r.action in groups][:25]

    [(statement, plan)] = await explained(database, lambda: busy.audit_log(community="big", actions=groups))
    context = f"{statement}\n--- plan ---\n{plan}"
    # One seek per action, each reading at most a page of rows, whatever the log's length.
    assert plan.count("ix_audit_log_community_action_id") == len(groups), context
    assert "ix_audit_log_community_id" not in plan and "Seq Scan" not in plan, context
    assert "SCAN audit_log" not in plan, context


async def test_filters_combine_and_page(busy: Repository) -> None:
    everything = await busy.audit_log(community="big", limit=ROWS)
    wanted = [
        r.id for r in everything if r.action in {"entry.add", "entry.remove"} and r.platform == "lemon8"
    ]
    first = await busy.audit_log(
        community="big", actions={"entry.add", "entry.remove"}, platform="lemon8", limit=50
    )
    older = await busy.audit_log(
        community="big", actions={"entry.add", "entry.remove"}, platform="lemon8", limit=50,
        before_id=first[-1].id,
    )  # fmt: skip
    assert len(wanted) > 100 and [r.id for r in first + older] == wanted[:100]
    member = await busy.audit_log(community="big", member_id=7, actions={"member.ban"}, limit=50)
    assert len(member) == 4
    assert [r.id for r in member] == [
        r.id for r in everything if r.member_id == 7 and r.action == "member.ban"
    ]
    assert await busy.audit_log(community="big", actions=set()) == []

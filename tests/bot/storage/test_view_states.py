"""Button states: stored with the message, read by kind, replaced on each click, pruned when idle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.repository import Repository
from bot.storage.view_states import VIEW_RETENTION

NOW = datetime(2026, 1, 18, tzinfo=UTC)


async def test_a_state_is_read_back_by_kind_and_replaced(repository: Repository) -> None:
    view_id = await repository.create_view_state(
        kind="directory", community="movers", owner_id="42", state={"starts": [None]}, now=NOW
    )
    found = await repository.view_state(view_id, kind="directory")
    assert found is not None and (found.community, found.owner_id, found.state) == (
        "movers",
        "42",
        {"starts": [None]},
    )
    assert await repository.view_state(view_id, kind="other") is None
    await repository.save_view_state(view_id, {"starts": [None, "7:b"]}, now=NOW)
    again = await repository.view_state(view_id, kind="directory")
    assert again is not None and again.state == {"starts": [None, "7:b"]}


async def test_states_unused_past_the_retention_are_pruned(repository: Repository) -> None:
    old = await repository.create_view_state(kind="directory", community="m", owner_id="1", state={}, now=NOW)
    used = await repository.create_view_state(
        kind="directory", community="m", owner_id="1", state={}, now=NOW
    )
    later = NOW + VIEW_RETENTION - timedelta(days=1)
    await repository.save_view_state(used, {"page": 2}, now=later)  # a click keeps it alive
    await repository.create_view_state(
        kind="directory", community="m", owner_id="2", state={}, now=NOW + VIEW_RETENTION + timedelta(hours=1)
    )
    assert await repository.view_state(old, kind="directory") is None
    assert await repository.view_state(used, kind="directory") is not None

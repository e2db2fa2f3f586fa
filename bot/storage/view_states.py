"""The state behind a Discord message's buttons, shared by every process and kept across restarts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.models import ViewState
from bot.storage._common import Store
from bot.storage.tables import discord_views

_views = discord_views.c
# A message's buttons keep working this long after their last use; then the state is pruned.
VIEW_RETENTION = timedelta(days=30)


class ViewStateStore(Store):
    """``discord_views``: small JSON states, created with each interactive message."""

    async def create_view_state(
        self, *, kind: str, community: str, owner_id: str, state: Mapping[str, Any], now: datetime
    ) -> int:
        """Store a new state and return its id; prunes states unused for :data:`VIEW_RETENTION`."""
        async with self._db.transaction(write=True) as conn:
            await conn.execute(delete(discord_views).where(_views.used_at < now - VIEW_RETENTION))
            result = await conn.execute(
                insert(discord_views).values(
                    kind=kind, community=community, owner_id=owner_id, state=dict(state), used_at=now
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    async def view_state(self, view_id: int, *, kind: str) -> ViewState | None:
        """The state of ``view_id`` if it exists and is of ``kind``."""
        async with self._db.transaction() as conn:
            row = (
                await conn.execute(select(discord_views).where(_views.id == view_id, _views.kind == kind))
            ).one_or_none()
        if row is None:
            return None
        return ViewState(
            id=row.id, kind=row.kind, community=row.community, owner_id=row.owner_id, state=dict(row.state)
        )

    async def save_view_state(self, view_id: int, state: Mapping[str, Any], *, now: datetime) -> None:
        """Replace the state of ``view_id`` (a page turned, a filter chosen)."""
        async with self._db.transaction(write=True) as conn:
            await conn.execute(
                update(discord_views).where(_views.id == view_id).values(state=dict(state), used_at=now)
            )

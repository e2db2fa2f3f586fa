"""Runs of scheduled announcements: claimed once per occurrence, then marked with how they went."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update

from bot.models import AnnouncementRun, RunState
from bot.storage._common import Store
from bot.storage._dialect import insert_ignoring_conflict
from bot.storage.tables import announcement_runs

_runs = announcement_runs.c


def _run(row: Row[Any]) -> AnnouncementRun:
    return AnnouncementRun(
        community=row.community,
        schedule=row.schedule,
        due_at=row.due_at,
        state=RunState(row.state),
        updated_at=row.updated_at,
        detail=dict(row.detail or {}),
    )


class AnnouncementRunStore(Store):
    """``announcement_runs``: the primary key (community, schedule, due_at) is the only lock there is."""

    async def claim_run(
        self,
        *,
        community: str,
        schedule: str,
        due_at: datetime,
        now: datetime,
        state: RunState = RunState.CLAIMED,
        detail: Mapping[str, object] | None = None,
    ) -> bool:
        """Record the occurrence in ``state`` unless some process recorded it already.

        True means this caller owns it. An insert that ignores conflicts decides in one statement,
        on both dialects, so two processes can never both get True.
        """
        values = {
            "community": community,
            "schedule": schedule,
            "due_at": due_at,
            "state": state.value,
            "updated_at": now,
            "detail": dict(detail) if detail else None,
        }
        stmt = insert_ignoring_conflict(
            self._db.dialect, announcement_runs, values, on=("community", "schedule", "due_at")
        ).returning(_runs.due_at)
        async with self._db.transaction(write=True) as conn:
            return (await conn.execute(stmt)).first() is not None

    async def finish_run(
        self,
        *,
        community: str,
        schedule: str,
        due_at: datetime,
        state: RunState,
        detail: Mapping[str, object],
        now: datetime,
    ) -> bool:
        """Mark a claimed run posted or failed; False when it was not (or no longer) claimed."""
        stmt = (
            update(announcement_runs)
            .where(
                _runs.community == community,
                _runs.schedule == schedule,
                _runs.due_at == due_at,
                _runs.state == RunState.CLAIMED.value,
            )
            .values(state=state.value, detail=dict(detail), updated_at=now)
            .returning(_runs.due_at)
        )
        async with self._db.transaction(write=True) as conn:
            return (await conn.execute(stmt)).first() is not None

    async def latest_run(self, *, community: str, schedule: str) -> AnnouncementRun | None:
        """The schedule's newest recorded occurrence in any state, or None."""
        stmt = (
            select(announcement_runs)
            .where(_runs.community == community, _runs.schedule == schedule)
            .order_by(_runs.due_at.desc())
            .limit(1)
        )
        async with self._db.transaction() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        return None if row is None else _run(row)

    async def retry_run(self, *, community: str, schedule: str, due_at: datetime, now: datetime) -> bool:
        """Claim a finished run again (to retry the publishers that failed); True for exactly one
        caller, as with :meth:`claim_run`."""
        stmt = (
            update(announcement_runs)
            .where(
                _runs.community == community,
                _runs.schedule == schedule,
                _runs.due_at == due_at,
                _runs.state.in_((RunState.FAILED.value, RunState.POSTED.value)),
            )
            .values(state=RunState.CLAIMED.value, updated_at=now)
            .returning(_runs.due_at)
        )
        async with self._db.transaction(write=True) as conn:
            return (await conn.execute(stmt)).first() is not None

    async def recent_runs(
        self, *, community: str, limit: int = 10, state: RunState | None = None
    ) -> list[AnnouncementRun]:
        """The community's newest recorded runs (by due time), newest first, of one state when given."""
        where = [_runs.community == community]
        if state is not None:
            where.append(_runs.state == state.value)
        stmt = (
            select(announcement_runs).where(*where).order_by(_runs.due_at.desc(), _runs.schedule).limit(limit)
        )
        async with self._db.transaction() as conn:
            return [_run(row) for row in await conn.execute(stmt)]


__all__ = ["AnnouncementRunStore"]

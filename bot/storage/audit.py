"""Reading the audit log, and the small key-value state table."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select, union_all

from bot.models import AuditRecord
from bot.storage._common import Store, audit_from_row
from bot.storage._dialect import upsert
from bot.storage.tables import audit_log, kv_state


class AuditStore(Store):
    """The audit trail, newest first."""

    async def audit_log(
        self,
        *,
        community: str,
        member_id: int | None = None,
        actions: Collection[str] | None = None,
        platform: str | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> list[AuditRecord]:
        """Up to ``limit`` audit rows of the community, newest first, narrowed by whichever of one
        member, a set of exact action names and one platform key are given.

        Pass the smallest id of a page as ``before_id`` to read the next, older page.
        """
        where = [audit_log.c.community == community]
        if member_id is not None:
            where.append(audit_log.c.member_id == member_id)
        if platform is not None:
            where.append(audit_log.c.platform == platform)
        if before_id is not None:
            where.append(audit_log.c.id < before_id)
        if actions is None:
            statement = _newest(where, limit)
        else:
            # One newest-first seek into (community, action, id) per action, merged: a planner
            # handed "action IN (...)" prefers to walk the whole community's log in id order
            # instead, which for a rare action (a ban) reads the entire history.
            branches = [_newest([*where, audit_log.c.action == action], limit) for action in sorted(actions)]
            if not branches:
                return []
            merged = union_all(*(select(*branch.subquery().c) for branch in branches)).subquery()
            statement = select(*merged.c).order_by(merged.c.id.desc()).limit(limit)
        async with self._db.transaction() as conn:
            return [audit_from_row(row) for row in await conn.execute(statement)]


def _newest(where: list[ColumnElement[bool]], limit: int) -> Select[Any]:
    return select(audit_log).where(*where).order_by(audit_log.c.id.desc()).limit(limit)


class StateStore(Store):
    """Small values that must survive a restart (a login session, a poller's cursor)."""

    async def get_state(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        async with self._db.transaction() as conn:
            value = (
                await conn.execute(select(kv_state.c.value).where(kv_state.c.key == key))
            ).scalar_one_or_none()
        return None if value is None else str(value)

    async def set_state(self, key: str, value: str, now: datetime) -> None:
        """Store ``value`` under ``key``, replacing any previous value."""
        async with self._db.transaction(write=True) as conn:
            await conn.execute(
                upsert(
                    self._db.dialect, kv_state, {"key": key, "value": value, "updated_at": now}, on=("key",)
                )
            )

"""Reading the audit log, and the small key-value state table."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

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

        Exact action names (not prefixes) keep the lookup on the (community, action, id) index.
        Pass the smallest id of a page as ``before_id`` to read the next, older page.
        """
        where = [audit_log.c.community == community]
        if member_id is not None:
            where.append(audit_log.c.member_id == member_id)
        if actions is not None:
            where.append(audit_log.c.action.in_(sorted(actions)))
        if platform is not None:
            where.append(audit_log.c.platform == platform)
        if before_id is not None:
            where.append(audit_log.c.id < before_id)
        async with self._db.transaction() as conn:
            rows = await conn.execute(
                select(audit_log).where(*where).order_by(audit_log.c.id.desc()).limit(limit)
            )
            return [audit_from_row(row) for row in rows]


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

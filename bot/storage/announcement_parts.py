"""Which messages of an announcement each publisher already sent, kept across restarts and processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.storage._common import Store
from bot.storage._dialect import insert_ignoring_conflict
from bot.storage.tables import announcement_parts

_parts = announcement_parts.c


class AnnouncementPartStore(Store):
    """``announcement_parts``: one row per message sent, keyed by (publisher, delivery key, part)."""

    async def sent_parts(self, *, publisher: str, key: str) -> dict[int, str]:
        """The parts of ``key`` that went out (part number -> where), none when nothing did."""
        async with self._db.transaction() as conn:
            rows = await conn.execute(
                select(_parts.part, _parts.location).where(_parts.publisher == publisher, _parts.key == key)
            )
            return {row.part: row.location for row in rows}

    async def record_part(self, *, publisher: str, key: str, part: int, location: str, now: datetime) -> None:
        """Remember that one part went out; a second record of the same part keeps the first."""
        values = {"publisher": publisher, "key": key, "part": part, "location": location, "sent_at": now}
        async with self._db.transaction(write=True) as conn:
            await conn.execute(
                insert_ignoring_conflict(
                    self._db.dialect, announcement_parts, values, on=("publisher", "key", "part")
                )
            )

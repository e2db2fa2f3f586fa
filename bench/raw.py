"""The baseline: hand-written SQL sent through Ferry's engine with ``exec_driver_sql``.

Same driver, same pool, same connection settings (SQLite PRAGMAs, ``BEGIN IMMEDIATE`` for writes)
and the same transactions as the repository; but no SQL construction, no type processing, no model
objects, no normalisation and no audit row. Timestamps are converted by hand to what Ferry stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bench.data import COMMUNITY, NewRegistration
from bot.models import Cursor, Source, Verification, Visibility
from bot.storage import Database

_PAGE_COLUMNS = (
    "e.id, e.member_id, e.community, e.platform, e.handle, e.handle_key, e.visibility, "
    "e.verification, e.source, e.created_at, e.updated_at, m.display_name AS member_name"
)
_LISTED = "e.community = {0} AND NOT m.hidden AND NOT m.banned"


class RawSql:
    """Hand-written statements for one database, in its driver's parameter style."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._sqlite = db.dialect == "sqlite"
        p = self._values
        c, k, i = self._marks(3)
        listed = _LISTED.format(c)
        join = "FROM entries e JOIN members m ON m.id = e.member_id"
        self._insert_member = (
            f"INSERT INTO members (community, display_name, created_at, updated_at) VALUES ({p(4)}) "
            "RETURNING id"
        )
        self._insert_identity = (
            f"INSERT INTO member_identities (community, kind, external_id, member_id) VALUES ({p(4)})"
        )
        self._insert_entry = (
            "INSERT INTO entries (member_id, community, platform, handle, handle_key, visibility, "
            f"verification, source, created_at, updated_at) VALUES ({p(10)})"
        )
        self._first = f"SELECT {_PAGE_COLUMNS} {join} WHERE {listed} ORDER BY e.handle_key, e.id LIMIT 10"
        self._after = (
            f"SELECT {_PAGE_COLUMNS} {join} WHERE {listed} AND (e.handle_key, e.id) > ({k}, {i}) "
            "ORDER BY e.handle_key, e.id LIMIT 10"
        )
        self._last = (
            f"SELECT {_PAGE_COLUMNS} {join} WHERE {listed} ORDER BY e.handle_key DESC, e.id DESC LIMIT 10"
        )
        self.naive_count_sql = f"SELECT count(*) {join} WHERE {listed}"
        # Ferry's strategy written by hand: every entry from the community index, minus the few of
        # hidden or banned members found through their partial index.
        hidden = "(m.hidden OR m.banned)"
        self.indexed_count_sql = (
            f"SELECT (SELECT count(*) FROM entries WHERE community = {c}) - (SELECT count(*) FROM members m "
            f"JOIN entries e ON e.member_id = m.id WHERE m.community = {k} AND {hidden})"
        )
        self.middle_sql = (
            f"SELECT e.handle_key, e.id {join} WHERE {listed} ORDER BY e.handle_key, e.id LIMIT 1 OFFSET {k}"
        )

    def _marks(self, n: int) -> list[str]:
        """Positional parameter markers: ``?`` for sqlite3, ``$1``... for asyncpg."""
        return ["?"] * n if self._sqlite else [f"${i}" for i in range(1, n + 1)]

    def _values(self, n: int) -> str:
        return ", ".join(self._marks(n))

    def _time(self, at: datetime) -> object:
        # What bot.storage.types.UTCDateTime stores: ISO text on SQLite, timestamptz on PostgreSQL.
        return at.isoformat(timespec="microseconds") if self._sqlite else at

    async def register(self, reg: NewRegistration, visibility: Visibility) -> int:
        """Member, identity and entry in one write transaction; returns the member id."""
        now = self._time(datetime.now(UTC))
        community = COMMUNITY
        async with self._db.transaction(write=True) as conn:
            member_id = (
                await conn.exec_driver_sql(self._insert_member, (community, reg.display_name, now, now))
            ).scalar_one()
            await conn.exec_driver_sql(
                self._insert_identity,
                (community, reg.identity.kind.value, reg.identity.external_id, member_id),
            )
            await conn.exec_driver_sql(
                self._insert_entry,
                (
                    member_id,
                    community,
                    reg.platform,
                    reg.handle,
                    reg.key,
                    visibility.value,
                    Verification.SELF_REPORTED.value,
                    Source.DISCORD.value,
                    now,
                    now,
                ),
            )
        return int(member_id)

    async def page(self, community: str, *, after: Cursor | None = None, last: bool = False) -> list[Any]:
        """The same ten rows as the directory page (first, after a cursor, or last)."""
        async with self._db.transaction() as conn:
            return await self._page(conn, community, after, last)

    async def page_and_count(
        self, community: str, *, after: Cursor | None = None, last: bool = False
    ) -> tuple[list[Any], int]:
        """The page and the listed total, in one transaction like the service."""
        async with self._db.transaction() as conn:
            rows = await self._page(conn, community, after, last)
            total = (await conn.exec_driver_sql(self.indexed_count_sql, (community, community))).scalar_one()
        return rows, int(total)

    async def count(self, community: str, *, naive: bool) -> int:
        """The listed total alone: a plain join, or the index-friendly subtraction."""
        async with self._db.transaction() as conn:
            if naive:
                result = await conn.exec_driver_sql(self.naive_count_sql, (community,))
            else:
                result = await conn.exec_driver_sql(self.indexed_count_sql, (community, community))
            return int(result.scalar_one())

    async def middle_cursor(self, community: str, offset: int) -> Cursor:
        """The ``(handle_key, id)`` of the listed row at ``offset``, located directly in SQL."""
        async with self._db.transaction() as conn:
            key, entry_id = tuple((await conn.exec_driver_sql(self.middle_sql, (community, offset))).one())
        return Cursor(sort_key=str(key), entry_id=int(entry_id))

    async def _page(
        self, conn: AsyncConnection, community: str, after: Cursor | None, last: bool
    ) -> list[Any]:
        params: Sequence[object]
        if after is not None:
            sql, params = self._after, (community, after.sort_key, after.entry_id)
        else:
            sql, params = (self._last if last else self._first), (community,)
        rows = list((await conn.exec_driver_sql(sql, tuple(params))).all())
        if last and after is None:
            rows.reverse()
        return rows

"""The baseline: hand-written SQL sent through Ferry's engine with ``exec_driver_sql``.

Same driver, same pool, same connection settings (SQLite PRAGMAs, ``BEGIN IMMEDIATE`` for writes)
and the same transactions as the repository; but no SQL construction, no type processing, no model
objects, no normalisation and no audit row. Timestamps are converted by hand to what Ferry stores.
"""

from __future__ import annotations

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
        c, k = self._marks(2)
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
        self._join = join
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

    async def page(
        self,
        community: str,
        *,
        after: Cursor | None = None,
        last: bool = False,
        platform: str | None = None,
        search: str | None = None,
    ) -> list[Any]:
        """The same ten rows as the directory page (first, after a cursor, or last; a platform
        filter or a search as the service applies them)."""
        async with self._db.transaction() as conn:
            return await self._page(conn, community, after, last, platform, search)

    async def page_and_count(
        self,
        community: str,
        *,
        after: Cursor | None = None,
        last: bool = False,
        platform: str | None = None,
        search: str | None = None,
    ) -> tuple[list[Any], int]:
        """The page and its exact total counted in SQL, in one transaction (the cost of a page
        that counts its matches every time)."""
        async with self._db.transaction() as conn:
            rows = await self._page(conn, community, after, last, platform, search)
            if platform is None and search is None:
                total = (
                    await conn.exec_driver_sql(self.indexed_count_sql, (community, community))
                ).scalar_one()
            else:
                sql, params = self._filtered(community, platform, search, count=True)
                total = (await conn.exec_driver_sql(sql, params)).scalar_one()
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
        self,
        conn: AsyncConnection,
        community: str,
        after: Cursor | None,
        last: bool,
        platform: str | None,
        search: str | None,
    ) -> list[Any]:
        sql, params = self._filtered(community, platform, search, after=after, last=last)
        rows = list((await conn.exec_driver_sql(sql, params)).all())
        if last and after is None:
            rows.reverse()
        return rows

    def _filtered(
        self,
        community: str,
        platform: str | None,
        search: str | None,
        *,
        after: Cursor | None = None,
        last: bool = False,
        count: bool = False,
    ) -> tuple[str, tuple[object, ...]]:
        """A page (or, with ``count``, the count) of listed entries, written by hand."""
        params: list[object] = [community]
        where = [_LISTED.format(self._mark(params))]
        if platform is not None:
            where.append(f"e.platform = {self._mark(params, platform)}")
        if search is not None:
            lower = "ferry_lower" if self._sqlite else "lower"
            pattern = f"%{search.lower()}%"
            where.append(
                f"({lower}(m.display_name) LIKE {self._mark(params, pattern)} "
                f"OR {lower}(e.handle) LIKE {self._mark(params, pattern)})"
            )
        if after is not None:
            key, entry_id = self._mark(params, after.sort_key), self._mark(params, after.entry_id)
            where.append(f"(e.handle_key, e.id) > ({key}, {entry_id})")
        condition = " AND ".join(where)
        if count:
            return f"SELECT count(*) {self._join} WHERE {condition}", tuple(params)
        order = "e.handle_key DESC, e.id DESC" if last and after is None else "e.handle_key, e.id"
        sql = f"SELECT {_PAGE_COLUMNS} {self._join} WHERE {condition} ORDER BY {order} LIMIT 10"
        return sql, tuple(params)

    def _mark(self, params: list[object], value: object = None) -> str:
        """Append ``value`` (None: it is already the last of ``params``) and return its marker."""
        if value is not None:
            params.append(value)
        return "?" if self._sqlite else f"${len(params)}"

"""``ferry db copy``: every row of every table from one database to another (SQLite <-> PostgreSQL).

For moving from one process on SQLite to several on PostgreSQL, or back. Rows are copied through the
same typed tables the bot uses, so timestamps, JSON and booleans arrive as they left, ids included
(links between tables, the audit log's references and exported files stay valid). The cluster's
own tables (leases, live processes, relayed announcements) describe running processes, not data,
and are left out; so are the listed-entry counts, which the target's triggers rebuild as the
entries arrive (copying them as well would count every entry twice).

The target must be empty: a copy never merges, so it can never half-overwrite anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.database import Database
from bot.storage.tables import cluster_leases, cluster_processes, cluster_relay, entry_counts, metadata

log = logging.getLogger(__name__)

BATCH = 1000
RUNTIME_TABLES = frozenset({cluster_leases.name, cluster_processes.name, cluster_relay.name})
DERIVED_TABLES = frozenset({entry_counts.name})  # kept by triggers on entries and members


class CopyRefusedError(Exception):
    """The copy cannot start; nothing was written."""


@dataclass(frozen=True, slots=True)
class CopiedTable:
    name: str
    rows: int


def data_tables() -> list[Table]:
    """The tables a copy moves, parents before children (foreign keys hold at every insert)."""
    skipped = RUNTIME_TABLES | DERIVED_TABLES
    return [table for table in metadata.sorted_tables if table.name not in skipped]


async def copy_database(
    source: Database, target: Database, *, progress: Callable[[CopiedTable], None] | None = None
) -> list[CopiedTable]:
    """Copy every data table from ``source`` into the empty, migrated ``target``, in one transaction.

    Both must be at the same schema revision (run ``ferry db upgrade`` on each first). Raises
    :class:`CopyRefusedError` when the revisions differ or the target holds any row.
    """
    source_revision, target_revision = await source.current_revision(), await target.current_revision()
    if source_revision != target_revision:
        raise CopyRefusedError(
            f"the source is at schema revision {source_revision} and the target at {target_revision}: "
            "run `ferry db upgrade` on both first"
        )
    copied: list[CopiedTable] = []
    async with source.transaction() as reading, target.transaction(write=True) as writing:
        for table in data_tables():
            present = await writing.scalar(select(func.count()).select_from(table))
            if present:
                raise CopyRefusedError(f"the target is not empty: {table.name} has {present} row(s)")
        for table in data_tables():
            count = await _copy_table(table, reading, writing)
            copied.append(CopiedTable(table.name, count))
            if progress is not None:
                progress(copied[-1])
        if target.dialect == "postgresql":
            await _advance_sequences(writing)
    log.info("database copied", extra={"tables": len(copied), "rows": sum(t.rows for t in copied)})
    return copied


async def _copy_table(table: Table, reading: AsyncConnection, writing: AsyncConnection) -> int:
    count = 0
    result = await reading.stream(select(table).order_by(*table.primary_key.columns))
    async for rows in result.partitions(BATCH):
        await writing.execute(insert(table), [row._asdict() for row in rows])
        count += len(rows)
    return count


async def _advance_sequences(writing: AsyncConnection) -> None:
    # Rows arrived with their ids, which leaves each serial sequence at its start: move it past them,
    # or the next registration on PostgreSQL would collide with a copied id.
    for table in data_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        highest = await writing.scalar(select(func.max(column)))
        await writing.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :next, false)"),
            {"table": table.name, "column": column.name, "next": (highest or 0) + 1},
        )

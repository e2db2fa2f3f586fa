"""Bulk seeding through Ferry's own engine: one executemany per table per batch, explicit ids.

The service is not used here: a million registrations through it would take hours, and the point
is to measure the service on a full directory, not to fill one through it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from bench.data import seed_batches
from bot.config import FerryConfig
from bot.platforms import normalise
from bot.storage import Database
from bot.storage.tables import entries, member_identities, members

BATCH_ENTRIES = 10_000  # handles per transaction; members and identities travel with them


@dataclass(frozen=True, slots=True)
class SeedStats:
    entries: int
    members: int
    identities: int
    hidden_or_banned: int
    seconds: float  # wall clock, generating rows included
    db_seconds: float  # waiting on the database only
    maintenance_seconds: float  # sequences, VACUUM ANALYZE (PostgreSQL)


async def seed(db: Database, total_entries: int, *, batch_entries: int = BATCH_ENTRIES) -> SeedStats:
    """Insert ``total_entries`` handles with their members and identities, then tidy up."""
    started = time.perf_counter()
    db_seconds = 0.0
    n_members = n_identities = 0
    for batch in seed_batches(total_entries, batch_entries):
        before = time.perf_counter()
        async with db.transaction(write=True) as conn:
            await conn.execute(insert(members), batch.members)
            await conn.execute(insert(member_identities), batch.identities)
            await conn.execute(insert(entries), batch.entries)
        db_seconds += time.perf_counter() - before
        n_members += len(batch.members)
        n_identities += len(batch.identities)
    loaded = time.perf_counter()
    await _after_bulk_load(db)
    finished = time.perf_counter()
    async with db.transaction() as conn:
        unlisted = (
            await conn.execute(
                select(func.count()).select_from(members).where(members.c.hidden | members.c.banned)
            )
        ).scalar_one()
    return SeedStats(
        entries=total_entries,
        members=n_members,
        identities=n_identities,
        hidden_or_banned=int(unlisted),
        seconds=loaded - started,
        db_seconds=db_seconds,
        maintenance_seconds=finished - loaded,
    )


async def _after_bulk_load(db: Database) -> None:
    """Make the database look like one that grew through the bot.

    PostgreSQL: explicit ids leave the serial sequences at 1, so move them past the seeded rows;
    then VACUUM ANALYZE, which autovacuum would have done to a table that grew this much (it sets
    the visibility map that index-only counts rely on, and gives the planner statistics), and to
    ``entry_counts``, whose few rows each batch's trigger rewrote (a hundred dead versions per row
    at 1M handles; autovacuum cleans a table that small after about 85). SQLite:
    nothing, since AUTOINCREMENT tables track explicit ids, and Ferry never runs ANALYZE there.
    """
    if db.dialect != "postgresql":
        return
    async with db.transaction(write=True) as conn:
        for table in ("members", "entries"):
            await conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    autocommit = await db.engine.connect()
    try:
        await autocommit.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("members", "member_identities", "entries", "entry_counts"):
            await autocommit.exec_driver_sql(f"VACUUM ANALYZE {table}")
    finally:
        await autocommit.close()


def check_seed_handles(sample: int = 2_000) -> int:
    """How many of the first ``sample`` seeded handles the real normaliser would store differently.

    Seeding skips normalisation for speed, so this makes sure the rows are what the service would
    have written. Expected: 0.
    """
    catalogue = FerryConfig.empty().catalogue
    wrong = 0
    for batch in seed_batches(sample, sample):
        for row in batch.entries:
            spec = catalogue.get(row["platform"])
            if spec is None:
                wrong += 1
                continue
            got = normalise(spec, row["handle"])
            wrong += (got.handle, got.key) != (row["handle"], row["handle_key"])
    return wrong

"""Migrations: they build exactly ``tables.metadata``, are idempotent and leave logging alone."""

from __future__ import annotations

import logging
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, ForeignKeyConstraint, MetaData, Text, UniqueConstraint, inspect

from bot.storage.database import MIGRATIONS_DIR, Database, alembic_config
from bot.storage.tables import metadata

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_facts(conn: Connection) -> dict[str, dict[str, Any]]:
    """What the database says about every Ferry table, names included (autogenerate skips names)."""
    insp = inspect(conn)
    facts = {}
    for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        facts[table] = {
            "columns": sorted((c["name"], c["nullable"]) for c in insp.get_columns(table)),
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            "uniques": sorted(
                (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]))
                for i in insp.get_indexes(table)
                if "duplicates_constraint" not in i  # PostgreSQL lists a UNIQUE constraint's index too
            ),
            "fks": sorted(
                (
                    f["name"],
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    f["options"].get("ondelete"),
                )
                for f in insp.get_foreign_keys(table)
            ),
            "checks": sorted(c["name"] for c in insp.get_check_constraints(table)),
        }
    return facts


def metadata_facts() -> dict[str, dict[str, Any]]:
    facts = {}
    for table in metadata.sorted_tables:
        constraints = table.constraints
        facts[table.name] = {
            "columns": sorted((c.name, c.nullable) for c in table.columns),
            "pk": [c.name for c in table.primary_key.columns],
            "uniques": sorted(
                (str(c.name), tuple(col.name for col in c.columns))
                for c in constraints
                if isinstance(c, UniqueConstraint)
            ),
            "indexes": sorted((str(i.name), tuple(col.name for col in i.columns)) for i in table.indexes),
            "fks": sorted(
                (str(c.name), tuple(c.column_keys), c.referred_table.name, c.ondelete)
                for c in constraints
                if isinstance(c, ForeignKeyConstraint)
            ),
            "checks": sorted(str(c.name) for c in constraints if type(c).__name__ == "CheckConstraint"),
        }
    return dict(sorted(facts.items()))


def diff_against(target: MetaData):
    def run(conn: Connection) -> list[Any]:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), target)

    return run


async def test_empty_database_has_no_revision(database_url: str) -> None:
    async with await Database.open(database_url) as db:
        assert await db.current_revision() is None


async def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    async with await Database.open(database_url) as db:
        await db.upgrade()
        assert await db.current_revision() == HEAD == "0010_one_statement_registration"
        async with db.engine.connect() as conn:
            before = await conn.run_sync(schema_facts)
        await db.upgrade()
        assert await db.current_revision() == HEAD
        async with db.engine.connect() as conn:
            assert await conn.run_sync(schema_facts) == before


async def test_migrated_schema_matches_metadata(database: Database) -> None:
    async with database.engine.connect() as conn:
        assert await conn.run_sync(diff_against(metadata)) == []
        assert await conn.run_sync(schema_facts) == metadata_facts()


async def test_the_comparison_does_catch_drift(database: Database) -> None:
    """Guard against a comparison that can't fail: a column the migrations lack must show up."""
    drifted = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["members"].append_column(Column("pronouns", Text, nullable=True))
    async with database.engine.connect() as conn:
        diffs = await conn.run_sync(diff_against(drifted))
    assert [(d[0], d[3].name) for d in diffs] == [("add_column", "pronouns")]


async def test_downgrade_to_base_and_back(database: Database) -> None:
    def downgrade(conn: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "base")

    async with database.transaction(write=True) as conn:
        await conn.run_sync(downgrade)
    async with database.engine.connect() as conn:
        assert await conn.run_sync(schema_facts) == {}
    assert await database.current_revision() is None
    await database.upgrade()
    async with database.engine.connect() as conn:
        assert await conn.run_sync(schema_facts) == metadata_facts()


async def test_upgrade_leaves_logging_alone(database_url: str) -> None:
    """Alembic's template env.py calls fileConfig(), which disables every existing logger."""
    existing = logging.getLogger("bot.some.module")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    async with await Database.open(database_url) as db:
        await db.upgrade()
    assert existing.disabled is False
    assert (root.handlers, root.level) == (handlers, level)


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == ["0010_one_statement_registration"], (
        "one linear history"
    )

"""The one place where queries differ between SQLite and PostgreSQL.

Both dialects speak ``INSERT ... ON CONFLICT``, but SQLAlchemy exposes it through dialect-specific
``insert`` constructs; and SQLite's built-in ``lower()`` only folds ASCII, so on SQLite a Python
function registered on every connection (see ``bot.storage.database``) stands in for it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.functions import Function

SQLITE_LOWER = "ferry_lower"  # name of the SQL function registered on SQLite connections


def python_lower(value: str | None) -> str | None:
    """The SQLite implementation of :data:`SQLITE_LOWER`; NULL stays NULL like SQL ``lower()``."""
    return None if value is None else value.lower()


def _insert(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"unsupported database dialect {dialect!r}")


def insert_ignoring_conflict(
    dialect: str, table: Table, values: Mapping[str, Any], *, on: Sequence[str]
) -> sqlite.Insert | postgresql.Insert:
    """``INSERT ... ON CONFLICT (on) DO NOTHING``; with ``RETURNING`` it yields no row on a conflict."""
    return _insert(dialect, table).values(values).on_conflict_do_nothing(index_elements=list(on))


@functools.cache
def insert_ignoring_conflict_of(
    dialect: str, table: Table, on: tuple[str, ...], returning: tuple[str, ...] = ()
) -> Executable:
    """:func:`insert_ignoring_conflict` built once per dialect and table, its values given at
    execution (``conn.execute(statement, values)``): a hot path does not rebuild the statement
    and SQLAlchemy reuses its cache key, which costs more than running it on SQLite."""
    statement = _insert(dialect, table).on_conflict_do_nothing(index_elements=list(on))
    if returning:
        return statement.returning(*(table.c[name] for name in returning))
    return statement


def upsert(
    dialect: str, table: Table, values: Mapping[str, Any], *, on: Sequence[str]
) -> sqlite.Insert | postgresql.Insert:
    """``INSERT ... ON CONFLICT (on) DO UPDATE`` setting every other column of ``values``."""
    stmt = _insert(dialect, table).values(values)
    updates = {name: stmt.excluded[name] for name in values if name not in on}
    return stmt.on_conflict_do_update(index_elements=list(on), set_=updates)


def lower(dialect: str, expr: ColumnElement[str]) -> ColumnElement[str]:
    """Unicode-aware lower-casing in SQL, matching Python's ``str.lower`` for search terms."""
    if dialect == "sqlite":
        return Function(SQLITE_LOWER, expr, type_=Text())
    return func.lower(expr)

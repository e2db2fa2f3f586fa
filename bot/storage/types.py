"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# Fixed width so that text comparison on SQLite orders like time: "2025-01-19T12:00:00.000000+00:00".
_ISO_WIDTH = 32


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant: ``timestamptz`` on PostgreSQL, ISO-8601 text on SQLite.

    Naive datetimes are refused on the way in, so a missing ``tzinfo`` is a loud bug rather than a
    silently shifted time; values always come back aware and in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """SQLite has no datetime type; sortable text is the most transparent stand-in."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(_ISO_WIDTH))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> object:
        """Normalise to UTC; text on SQLite."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.isoformat(timespec="microseconds")
        return value

    def process_result_value(self, value: object, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the driver handed back."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected timestamp value {type(value).__name__}")
        if value.tzinfo is None:
            # Only reachable for rows written by something other than Ferry; treat as UTC.
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

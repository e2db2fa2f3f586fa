"""Persistence: SQLAlchemy Core over SQLite (aiosqlite) or PostgreSQL (asyncpg), Alembic migrations."""

from bot.storage.database import Database
from bot.storage.repository import Repository

__all__ = ["Database", "Repository"]

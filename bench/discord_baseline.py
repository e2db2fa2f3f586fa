"""The floor for the Discord burst benchmark: a bare discord.py bot whose ``/handle add`` defers,
writes one row with one raw ``INSERT`` and its ``COMMIT``, and sends the follow-up.

Same durability as Ferry: SQLite in WAL mode with ``synchronous=FULL`` on one aiosqlite connection
(concurrent commands share its implicit transaction, so one ``COMMIT`` may carry several rows, which
is what a bare bot on one connection gets for free); PostgreSQL through an asyncpg pool, each
``INSERT`` its own transaction. Nothing is checked, nothing is audited: it is what the hardware and
discord.py allow, not a bot anyone should run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg
import discord
from discord import app_commands

ANSWER = "Added your {platform} handle {handle}."
_TABLE = (
    "CREATE TABLE IF NOT EXISTS handles (user_id TEXT NOT NULL, platform TEXT NOT NULL, "
    "handle TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (user_id, platform))"
)


class Store(Protocol):
    async def insert(self, user_id: int, platform: str, handle: str) -> None: ...

    async def count(self) -> int: ...

    async def close(self) -> None: ...


class SqliteStore:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        conn = await aiosqlite.connect(path)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute(_TABLE)
        await conn.commit()
        return cls(conn)

    async def insert(self, user_id: int, platform: str, handle: str) -> None:
        await self._conn.execute(
            "INSERT INTO handles VALUES (?, ?, ?, ?)",
            (str(user_id), platform, handle, datetime.now(UTC).isoformat()),
        )
        await self._conn.commit()

    async def count(self) -> int:
        async with self._conn.execute("SELECT count(*) FROM handles") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def close(self) -> None:
        await self._conn.close()


class PostgresStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, dsn: str, *, size: int = 10) -> PostgresStore:
        pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size)
        await pool.execute(_TABLE)
        return cls(pool)

    async def insert(self, user_id: int, platform: str, handle: str) -> None:
        # One statement outside a transaction block: asyncpg commits it on its own.
        await self._pool.execute(
            "INSERT INTO handles VALUES ($1, $2, $3, $4)",
            str(user_id),
            platform,
            handle,
            datetime.now(UTC).isoformat(),
        )

    async def count(self) -> int:
        return int(await self._pool.fetchval("SELECT count(*) FROM handles"))

    async def close(self) -> None:
        await self._pool.close()


async def open_store(database_url: str) -> Store:
    """``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...`` (the URLs the benchmarks use)."""
    scheme, _, rest = database_url.partition("://")
    if scheme.startswith("sqlite"):
        return await SqliteStore.open(Path(rest.removeprefix("/")))
    if scheme.startswith("postgresql"):
        return await PostgresStore.open(f"postgresql://{rest}")
    raise ValueError(f"unsupported database URL scheme {scheme!r}")


class BaselineBot(discord.Client):
    """``/handle add platform handle`` synced to one guild; the store opens in ``setup_hook``."""

    def __init__(self, database_url: str, guild_id: int, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(), **options)
        self.database_url = database_url
        self.guild = discord.Object(guild_id)
        self.tree = app_commands.CommandTree(self)
        self._store: Store | None = None
        group = app_commands.Group(name="handle", description="Your handles")

        @group.command(name="add", description="Add where you moved")
        async def add(interaction: discord.Interaction[Any], platform: str, handle: str) -> None:
            await self._add(interaction, platform, handle)

        self.tree.add_command(group, guild=self.guild)

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store opens in setup_hook")
        return self._store

    async def setup_hook(self) -> None:
        self._store = await open_store(self.database_url)
        await self.tree.sync(guild=self.guild)

    async def close(self) -> None:
        await super().close()
        if self._store is not None:
            await self._store.close()
            self._store = None

    async def _add(self, interaction: discord.Interaction[Any], platform: str, handle: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.store.insert(interaction.user.id, platform, handle)
        text = ANSWER.format(platform=platform, handle=discord.utils.escape_markdown(handle))
        await interaction.followup.send(text, ephemeral=True)

"""The databases a benchmark runs on: a SQLite file in a temporary directory, or a throw-away
PostgreSQL database on the local server, created before and dropped after.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DIALECTS = ("sqlite", "postgres")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@asynccontextmanager
async def sqlite_url(workdir: Path | None = None) -> AsyncIterator[str]:
    """A URL for a new SQLite file; the directory and everything in it (WAL, SHM) go afterwards."""
    with tempfile.TemporaryDirectory(prefix="ferry-bench-", dir=workdir) as tmp:
        yield f"sqlite+aiosqlite:///{Path(tmp) / 'ferry.db'}"


@asynccontextmanager
async def postgres_url(admin_url: str) -> AsyncIterator[str]:
    """A URL for a fresh ``ferry_bench_<random>`` database, dropped (even if in use) afterwards."""
    admin = make_url(admin_url)
    if admin.host not in _LOOPBACK:
        raise ValueError(f"refusing to benchmark on {admin.host!r}: only a local server is allowed")
    name = f"ferry_bench_{secrets.token_hex(4)}"
    # AUTOCOMMIT: CREATE and DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield admin.set(database=name).render_as_string(hide_password=False)
        finally:
            async with engine.connect() as conn:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await engine.dispose()


@asynccontextmanager
async def database_url(dialect: str, *, postgres_admin_url: str, workdir: Path | None) -> AsyncIterator[str]:
    """A URL for an empty database of ``dialect`` (``sqlite`` or ``postgres``)."""
    if dialect == "sqlite":
        async with sqlite_url(workdir) as url:
            yield url
    elif dialect == "postgres":
        async with postgres_url(postgres_admin_url) as url:
            yield url
    else:
        raise ValueError(f"unknown dialect {dialect!r}; choose from {', '.join(DIALECTS)}")

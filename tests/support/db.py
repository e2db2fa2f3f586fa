"""Database fixtures, loaded as a pytest plugin (``pytest_plugins = ["tests.support.db"]``).

``database_url`` is parametrised so that every test using it (or ``database``/``repository``) runs
twice: on a fresh SQLite file under ``tmp_path`` (a file, so WAL and the single-writer rules are the
real ones) and on an empty PostgreSQL database of its own.

PostgreSQL is found through ``FERRY_TEST_POSTGRES_URL`` (default
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``): a URL of any database the role may
connect to; the role needs CREATEDB, and the test databases (``ferry_test_<random>``) are created
beside that one. CREATE DATABASE costs about a third of a second, so a database is not dropped after
its test but emptied (its ``public`` schema dropped and recreated, after ending any connection a
failed test left behind) and handed to the next test; all are dropped when the session ends.

When the server can't be reached the PostgreSQL variants are skipped, unless
``FERRY_REQUIRE_SERVICES=1`` (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.storage.database import Database
from bot.storage.repository import Repository

POSTGRES_URL_ENV = "FERRY_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REQUIRE_SERVICES_ENV = "FERRY_REQUIRE_SERVICES"
CONNECT_TIMEOUT_S = 5

_RESET = (
    (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ),
    "DROP SCHEMA public CASCADE",
    "CREATE SCHEMA public",
)


@dataclass
class _Postgres:
    """The session's test databases on one server; ``unreachable`` remembers why there are none."""

    server: URL
    created: list[str] = field(default_factory=list)
    free: list[str] = field(default_factory=list)
    unreachable: str | None = None


_POSTGRES = pytest.StashKey[_Postgres]()


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_SERVICES_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_SERVICES_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def _engine(url: URL) -> AsyncEngine:
    # AUTOCOMMIT: CREATE/DROP DATABASE refuse to run inside a transaction.
    return create_async_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT_S}
    )


def _postgres(config: pytest.Config) -> _Postgres:
    if _POSTGRES not in config.stash:
        state = _Postgres(server=make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)))
        config.stash[_POSTGRES] = state
        config.add_cleanup(lambda: asyncio.run(_drop_all(state)))
    return config.stash[_POSTGRES]


async def _drop_all(state: _Postgres) -> None:
    if not state.created:
        return
    admin = _engine(state.server)
    try:
        async with admin.connect() as conn:
            for name in state.created:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


async def _create(state: _Postgres) -> str:
    name = f"ferry_test_{uuid.uuid4().hex[:16]}"
    admin = _engine(state.server)
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await admin.dispose()
    state.created.append(name)
    return name


async def _reset(url: URL) -> None:
    engine = _engine(url)
    try:
        async with engine.connect() as conn:
            for statement in _RESET:
                await conn.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@asynccontextmanager
async def _postgres_database(config: pytest.Config) -> AsyncIterator[str]:
    """Lend an empty database on the test server; empty it again afterwards."""
    state = _postgres(config)
    if state.unreachable is not None:
        _unavailable(state.unreachable)
    try:
        name = state.free.pop() if state.free else await _create(state)
    except (TimeoutError, OSError, DBAPIError) as exc:
        where = state.server.render_as_string(hide_password=True)
        state.unreachable = f"PostgreSQL not usable at {where} (set {POSTGRES_URL_ENV}): {exc}"
        _unavailable(state.unreachable)
    url = state.server.set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        await _reset(url)
        state.free.append(name)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database, once per dialect."""
    if request.param == "sqlite":
        # A subdirectory that doesn't exist yet: Database.open must create it.
        yield f"sqlite+aiosqlite:///{tmp_path / 'db' / 'ferry.db'}"
        return
    async with _postgres_database(request.config) as url:
        yield url


@pytest.fixture
def dialect(database_url: str) -> str:
    """``"sqlite"`` or ``"postgresql"``: the dialect of this test's database."""
    return make_url(database_url).get_backend_name()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """An open database migrated to the latest revision, closed after the test."""
    async with await Database.open(database_url) as db:
        await db.upgrade()
        yield db


@pytest.fixture
def repository(database: Database) -> Repository:
    """A repository over :func:`database`."""
    return Repository(database)


@pytest.fixture
async def postgres_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL database, for what only PostgreSQL has (LISTEN/NOTIFY)."""
    async with _postgres_database(request.config) as url:
        yield url

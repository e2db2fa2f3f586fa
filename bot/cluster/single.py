"""SQLite serves one ``ferry run`` at a time: a second one, or shard settings, are refused at start.

Two processes on one SQLite file would both act as leader (SQLite has no lease to elect one), so the
running process holds an exclusive ``fcntl`` lock on a file beside the database. The kernel drops the
lock when the process ends, however it ends, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import Settings

POSTGRES_HINT = (
    "To run several Ferry processes, use PostgreSQL: set "
    "DATABASE_URL=postgresql+asyncpg://USER:PASSWORD@HOST/DB (moving the data: `ferry db copy`, "
    "see docs/scale-out.md)."
)


class SingleProcessError(Exception):
    """This process may not start on SQLite; the message says why and names PostgreSQL."""


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL and for in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(database.removeprefix("file:")) if url.query.get("uri") else Path(database)


def check_sharding(settings: Settings) -> None:
    """Refuse Discord shard settings on SQLite: shards exist to be split over processes."""
    if make_url(settings.database_url).get_backend_name() != "sqlite":
        return
    # DISCORD_SHARD_COUNT comes with the sharding settings (docs/scale-out.md).
    if getattr(settings, "discord_shard_count", None) is not None:
        raise SingleProcessError(
            "DISCORD_SHARD_COUNT is set but the database is SQLite, which serves one process only. "
            + POSTGRES_HINT
        )


@contextlib.contextmanager
def single_process(settings: Settings) -> Iterator[None]:
    """Hold the SQLite database's process lock for the block (nothing to hold on PostgreSQL)."""
    check_sharding(settings)
    path = sqlite_file(settings.database_url)
    if path is None:
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SingleProcessError(
                f"Another `ferry run` is already using the SQLite database {path}; SQLite serves one "
                "process only. Stop the other one first. " + POSTGRES_HINT
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock

"""Suite-wide set-up: nothing leaves 127.0.0.1, and the shared fixtures are registered.

- tests.support.db: the database matrix (SQLite file and PostgreSQL) for repository and service tests;
- tests.support.atproto: a real local atproto network (PLC + PDS + AppView) from @atproto/dev-env;
- tests.support.discord: a local stand-in of Discord's REST API and gateway for the real discord.py.
"""

import gc
import logging
from collections.abc import Iterator

import pytest

from tests.support.discord_standin import install_loopback_guard

# The loggers bot.log.setup_logging sets a level on.
NAMED_LOGGERS = ("discord", "alembic", "aiosqlite", "asyncpg", "sqlalchemy.engine")

pytest_plugins = [
    "tests.support.db",
    "tests.support.services",
    "tests.support.insights",
    "tests.support.atproto",
    "tests.support.discord",
]


def pytest_configure(config: pytest.Config) -> None:
    # Installed before any test imports a client library, so even a stray request made at
    # collection time is refused before a packet or a DNS query leaves the machine.
    install_loopback_guard()


@pytest.fixture(autouse=True)
def _logging_left_as_found() -> Iterator[None]:
    """Undo what an in-process ``ferry`` entry point does to logging (``setup_logging``).

    It points the root logger at the sys.stderr pytest captured for that one test, and changes levels:
    left in place, later tests would log into a closed stream and capture records they do not expect.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    named = {name: logging.getLogger(name).level for name in NAMED_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in named.items():
        logging.getLogger(name).setLevel(saved)


@pytest.fixture(autouse=True)
def _collector_left_as_found() -> Iterator[None]:
    """Undo an in-process ``ferry run``'s ``gc.freeze()``: what later tests leave behind must still
    be collected (and its unclosed-resource warnings still raised)."""
    yield
    gc.unfreeze()

"""Suite-wide set-up: nothing leaves 127.0.0.1, and the shared fixtures are registered.

- tests.support.db: the database matrix (SQLite file and PostgreSQL) for repository and service tests;
- tests.support.atproto: a real local atproto network (PLC + PDS + AppView) from @atproto/dev-env;
- tests.support.discord: a local stand-in of Discord's REST API and gateway for the real discord.py.
"""

import pytest

from tests.support.discord_standin import install_loopback_guard

pytest_plugins = [
    "tests.support.db",
    "tests.support.services",
    "tests.support.atproto",
    "tests.support.discord",
]


def pytest_configure(config: pytest.Config) -> None:
    # Installed before any test imports a client library, so even a stray request made at
    # collection time is refused before a packet or a DNS query leaves the machine.
    install_loopback_guard()

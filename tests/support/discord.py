"""pytest plugin for the Discord stand-in.

Load it from the root conftest with ``pytest_plugins = ["tests.support.discord"]`` (or import the
fixtures into a conftest). Fixtures:

* ``discord_standin`` - a started stand-in with the default world (``standin.world``: a guild with an
  owner, an ``Admin`` role with Manage Server, a plain member, #general, #announcements and
  #new-arrivals). Any request the bot sent that Discord would refuse fails the test at teardown
  unless the test claimed it (``standin.violations.expect(...)``/``take(...)``).
* ``discord_world`` - ``discord_standin.world``.
* ``run_discord_bot`` - ``async with run_discord_bot(bot) as bot:`` logs the bot in against the
  stand-in, connects it, waits until ready and closes it afterwards.

An autouse fixture fails any test during which the loopback guard (if installed) refused a connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager

import discord
import pytest

from tests.support.discord_standin import DefaultWorld, DiscordStandin, loopback_guard, run_bot

BotRunner = Callable[[discord.Client], AbstractAsyncContextManager[discord.Client]]


@pytest.fixture
async def discord_standin() -> AsyncIterator[DiscordStandin]:
    standin = DiscordStandin()
    _ = standin.world  # build the default guild before the bot's READY
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()
    if standin.violations.pending:
        pytest.fail(standin.violations.report(), pytrace=False)


@pytest.fixture
def discord_world(discord_standin: DiscordStandin) -> DefaultWorld:
    return discord_standin.world


@pytest.fixture
def run_discord_bot(discord_standin: DiscordStandin) -> BotRunner:
    def runner(bot: discord.Client) -> AbstractAsyncContextManager[discord.Client]:
        return run_bot(discord_standin, bot)

    return runner


@pytest.fixture(autouse=True)
def _loopback_guard_report() -> Iterator[None]:
    guard = loopback_guard()
    guard.take_blocked()  # attempts from earlier tests or collection were reported there
    yield
    blocked = guard.take_blocked()
    if blocked:
        lines = "\n".join(f"  - {b}" for b in blocked)
        pytest.fail(
            f"the loopback guard refused {len(blocked)} non-loopback network attempt(s):\n{lines}",
            pytrace=False,
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that use the stand-in carry the ``discord_api`` marker, so ``-m "not discord_api"`` works.
    for item in items:
        if "discord_standin" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.discord_api)

"""Running an unmodified discord.py client against the stand-in.

discord.py is redirected through exactly two class attributes (reference doc §3.2), patched for the
duration of the run and restored afterwards; an aiohttp trace hook on the bot's own session refuses
any request that is not for 127.0.0.1 (§3.11), on top of the socket-level guard in guard.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, TypeVar

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

if TYPE_CHECKING:
    from .client import DiscordStandin

ClientT = TypeVar("ClientT", bound=discord.Client)
LOOPBACK = "127.0.0.1"


class NonLoopbackRequestError(AssertionError):
    """The bot's HTTP session tried to reach something other than the stand-in."""


def assert_redirected() -> None:
    """Both discord.py base URLs point at 127.0.0.1 (fails loudly if a version change moved them)."""
    api = yarl.URL(Route.BASE)
    gateway = yarl.URL(str(DiscordWebSocket.DEFAULT_GATEWAY))
    for name, url in (("discord.http.Route.BASE", api), ("DiscordWebSocket.DEFAULT_GATEWAY", gateway)):
        if url.host != LOOPBACK:
            raise NonLoopbackRequestError(f"{name} is {url}, not on {LOOPBACK}")


@contextlib.contextmanager
def redirect_discord(api_base: str, gateway_url: str) -> Iterator[None]:
    """Point discord.py at the stand-in; process-global, so one stand-in per process at a time."""
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        assert_redirected()
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


def add_loopback_trace(trace: aiohttp.TraceConfig | None) -> aiohttp.TraceConfig:
    """A trace config (the bot's own, if it has one) whose request hook refuses non-loopback URLs."""
    trace = trace or aiohttp.TraceConfig()

    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        if params.url.host != LOOPBACK:
            raise NonLoopbackRequestError(f"discord.py tried {params.method} {params.url}: not the stand-in")

    trace.on_request_start.append(on_request_start)
    return trace


def _explain(error: BaseException) -> str:
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return (
            "the bot asked for privileged intents the stand-in's application does not have; set "
            "standin.config.privileged_intents (e.g. discord.Intents(members=True).value) first"
        )
    if isinstance(error, discord.LoginFailure):
        return "login failed: pass token=standin.config.token (or leave token unset)"
    return f"{type(error).__name__}: {error}"


@contextlib.asynccontextmanager
async def run_bot(
    standin: DiscordStandin,
    bot: ClientT,
    *,
    token: str | None = None,
    ready_timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.05,
) -> AsyncIterator[ClientT]:
    """Log ``bot`` in (its ``setup_hook`` runs, so a tree sync happens here), connect it in a task,
    wait for ``on_ready``, yield it, then close it and restore discord.py's URLs."""
    with redirect_discord(standin.api_base, standin.gateway_url):
        bot.http.http_trace = add_loopback_trace(bot.http.http_trace)
        if guild_ready_timeout is not None:
            # discord.py waits 2 s after the last GUILD_CREATE before on_ready; tests need not.
            bot._connection.guild_ready_timeout = guild_ready_timeout
        connect: asyncio.Task[None] | None = None
        try:
            await bot.login(token if token is not None else standin.config.token)
            connect = asyncio.create_task(bot.connect(reconnect=True), name="standin-bot-connect")
            ready = asyncio.create_task(bot.wait_until_ready())
            done, _ = await asyncio.wait(
                {connect, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                ready.cancel()
                if connect in done and connect.exception() is not None:
                    error = connect.exception()
                    assert error is not None
                    raise AssertionError(f"the bot could not connect: {_explain(error)}") from error
                raise AssertionError(f"the bot was not ready within {ready_timeout}s")
            yield bot
        finally:
            await bot.close()
            if connect is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(connect, 5.0)

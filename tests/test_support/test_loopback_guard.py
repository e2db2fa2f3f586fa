"""The loopback guard refuses non-loopback connections and lookups before any packet leaves."""

from __future__ import annotations

import asyncio
import errno
import socket
import time

import aiohttp
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.support.discord_standin import (
    BlockedConnectionError,
    DiscordStandin,
    NonLoopbackRequestError,
    install_loopback_guard,
    redirect_discord,
)
from tests.support.discord_standin.guard import is_loopback_host
from tests.support.discord_standin.runner import add_loopback_trace

UNROUTABLE = ("10.255.255.1", 9)


@pytest.fixture
def guard() -> object:
    armed = install_loopback_guard()
    yield armed
    armed.take_blocked()  # this module provokes refusals on purpose


def test_a_raw_socket_connect_is_refused_before_the_syscall(guard: object) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        started = time.monotonic()
        with pytest.raises(BlockedConnectionError) as refused:
            sock.connect(UNROUTABLE)
        assert time.monotonic() - started < 0.1  # a real attempt at 10.255.255.1 would hang
        assert refused.value.errno == errno.ECONNREFUSED
        with pytest.raises(OSError) as not_connected:
            sock.getpeername()  # the kernel never saw a connect(): no SYN was sent
        assert not_connected.value.errno == errno.ENOTCONN


def test_udp_and_dns_are_refused_too(guard: object) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(BlockedConnectionError):
        sock.sendto(b"x", ("8.8.8.8", 53))
    with pytest.raises(BlockedConnectionError):
        socket.getaddrinfo("discord.com", 443)
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("0.0.0.0", 80)  # a literal resolves locally; binding servers need it


async def test_asyncio_and_aiohttp_are_refused(guard: object) -> None:
    with pytest.raises(BlockedConnectionError):
        await asyncio.wait_for(asyncio.open_connection(*UNROUTABLE), 1)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorError):
            await asyncio.wait_for(session.get("http://10.255.255.1:9/"), 1)
    assert any("10.255.255.1" in b for b in install_loopback_guard().blocked)


async def test_loopback_stays_reachable(guard: object, discord_standin: DiscordStandin) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(discord_standin.api_base + "/gateway") as reply,
    ):
        assert reply.status == 401  # reached the stand-in (and it wants a bot token)
    discord_standin.violations.take("auth")


async def test_the_bot_session_trace_refuses_other_hosts() -> None:
    async with aiohttp.ClientSession(trace_configs=[add_loopback_trace(None)]) as session:
        with pytest.raises(NonLoopbackRequestError):
            await session.get("https://discord.com/api/v10/users/@me")


def test_redirection_is_checked_and_restored() -> None:
    before = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    with redirect_discord("http://127.0.0.1:1/api/v10", "ws://127.0.0.1:1/gateway"):
        assert Route.BASE == "http://127.0.0.1:1/api/v10"
        assert yarl.URL("ws://127.0.0.1:1/gateway") == DiscordWebSocket.DEFAULT_GATEWAY
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    with (
        pytest.raises(NonLoopbackRequestError),
        redirect_discord("http://10.0.0.1/api/v10", "ws://127.0.0.1/"),
    ):
        pass
    assert before[0] == Route.BASE


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.255.255.1", False),
        ("discord.com", False),
        ("::ffff:8.8.8.8", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback

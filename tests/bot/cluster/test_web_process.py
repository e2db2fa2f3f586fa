"""``ferry web``: the public page as a process of its own; ``--host``/``--port`` bind it elsewhere."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from bot.config.web import WebConfig
from bot.runner import WebBind

CONFIG = '[web]\nenabled = true\n\n[[communities]]\nslug = "movers"\nname = "Movers"\n'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_bind_overrides_host_and_port_and_is_validated() -> None:
    web = WebConfig(enabled=True)
    bound = WebBind("0.0.0.0", 9000).apply(web)
    assert (bound.host, bound.port, bound.enabled) == ("0.0.0.0", 9000, True)
    assert WebBind().apply(web) == web
    with pytest.raises(ValidationError):
        WebBind(port=70000).apply(web)


async def test_ferry_web_serves_the_page_registers_itself_and_stops_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "ferry.toml").write_text(CONFIG, encoding="utf-8")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ferry.db'}",
        "FERRY_CONFIG": str(tmp_path / "ferry.toml"),
    }
    web = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "web", "--host", "127.0.0.1", "--port", str(port),
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            for _ in range(200):
                try:
                    page = await client.get(f"http://127.0.0.1:{port}/movers/")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("ferry web never answered")
        assert page.status_code == 200 and "Movers" in page.text
        health = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "health", cwd=tmp_path, env=env
        )
        assert await health.wait() == 0, "the web process writes heartbeats too"
    finally:
        web.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(web.communicate(), 30)
    assert web.returncode == 0, output.decode()

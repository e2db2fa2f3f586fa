"""``[web]`` validation, and the front serving on a real socket until cancelled."""

from __future__ import annotations

import asyncio
import tomllib
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import aiohttp
import pytest
from pydantic import ValidationError

from bot.config.web import WebServing
from bot.web.front import WebFront
from bot.web.settings import WebConfig

if TYPE_CHECKING:
    from bot.app import App


def test_defaults_and_a_toml_table():
    assert WebConfig() == WebConfig(enabled=False, host="127.0.0.1", port=8080, page_size=25)
    table = tomllib.loads(
        """
        [web]
        enabled = true
        host = "0.0.0.0"
        port = 8081
        base_url = "https://dir.example.org/ferry/"
        communities = ["open", "demo"]
        page_size = 40
        """
    )["web"]
    web = WebConfig.model_validate(table)
    assert web.base_url == "https://dir.example.org/ferry"
    assert web.communities == ("open", "demo")
    assert web.directory_url("open") == "https://dir.example.org/ferry/open/"
    assert web.publishes("demo", frozenset({"demo"})) and not web.publishes("other", frozenset({"other"}))
    assert not web.publishes("demo", frozenset())  # named, but no longer configured
    assert WebConfig().publishes("other", frozenset({"other"}))
    with pytest.raises(ValidationError):
        web.port = 1  # frozen: the config in force is shared


@pytest.mark.parametrize(
    "table",
    [
        {"base_url": "http://dir.example.org"},
        {"base_url": "ftp://dir.example.org"},
        {"base_url": "https://user:pw@dir.example.org"},
        {"base_url": "https://dir.example.org/?x=1"},
        {"base_url": "https://"},
        {"page_size": 0},
        {"page_size": 101},
        {"port": 70000},
        {"communities": ["Not A Slug"]},
        {"enabeld": True},
    ],
)
def test_rejected_tables(table):
    with pytest.raises(ValidationError):
        WebConfig.model_validate(table)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:9000/", "http://[::1]:8080"])
def test_plain_http_only_on_loopback(url):
    assert WebConfig(base_url=url).base_url == url.rstrip("/")


async def test_front_serves_until_cancelled(service, transfer, config):
    web, serving = WebConfig(port=0), WebServing()
    front = WebFront(directory=service, transfer=transfer, config=lambda: config, web=web, serving=serving)
    task = asyncio.create_task(front.run())
    await asyncio.wait_for(front.started.wait(), 10)
    assert serving() is web
    assert serving.directory_url("open", frozenset(config.communities)) == "http://127.0.0.1:8080/open/"
    url = f"http://127.0.0.1:{front.port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/healthz") as response:
            assert response.status == 200
        async with session.get(f"{url}/open/") as response:
            assert response.status == 200 and "No public entries yet." in await response.text()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert serving() is None
    assert serving.directory_url("open", frozenset(config.communities)) == ""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"{url}/healthz")


async def test_the_app_is_told_which_web_page_is_served(service, transfer, config, insights):
    app = SimpleNamespace(
        directory=service,
        transfer=transfer,
        config=lambda: config,
        web_serving=WebServing(),
        insights=insights,
    )
    web = WebConfig(port=0, base_url="https://served.example.org")
    front = WebFront.from_app(cast("App", app), web)
    task = asyncio.create_task(front.run())
    await asyncio.wait_for(front.started.wait(), 10)
    assert app.web_serving() is web
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert app.web_serving() is None

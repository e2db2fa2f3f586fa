"""Fixtures for the web page: seeded services and an aiohttp test client on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import FerryConfig
from bot.services.directory import DirectoryService
from bot.services.transfer import TransferService
from bot.storage.repository import Repository
from bot.web.app import build_web_app
from bot.web.settings import WebConfig
from tests.bot.web.data import seed


@pytest.fixture
async def public_count(service: DirectoryService, repository: Repository) -> int:
    return await seed(service, repository)


@pytest.fixture
def web_config() -> WebConfig:
    return WebConfig(enabled=True, base_url="https://ferry.example.org/dir", page_size=25)


@pytest.fixture
async def client(
    service: DirectoryService,
    transfer: TransferService,
    config: FerryConfig,
    web_config: WebConfig,
    public_count: int,
) -> AsyncIterator[TestClient[object, object]]:
    app = build_web_app(service, transfer, lambda: config, web_config)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client

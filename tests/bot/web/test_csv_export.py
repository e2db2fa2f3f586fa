"""directory.csv: one build per directory version, and a per-address limit on builds (429)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import FerryConfig
from bot.models import DirectoryPage, DirectoryQuery, Identity, IdentityKind, Source
from bot.services.directory import DirectoryService
from bot.services.export_cache import ExportCache
from bot.services.ratelimit import Limit
from bot.services.transfer import TransferService
from bot.web.app import build_web_app
from bot.web.settings import WebConfig
from tests.bot.web.data import COMMUNITY
from tests.bot.web.pages import csv_rows
from tests.support.services import Ticker

CSV = f"/{COMMUNITY}/directory.csv"


@pytest.fixture
def reads(service: DirectoryService, monkeypatch: pytest.MonkeyPatch) -> list[DirectoryQuery]:
    """Every directory query the page makes."""
    seen: list[DirectoryQuery] = []
    original = service.directory

    async def counted(query: DirectoryQuery) -> DirectoryPage:
        seen.append(query)
        return await original(query)

    monkeypatch.setattr(service, "directory", counted)
    return seen


@pytest.fixture
async def limited_client(
    service: DirectoryService,
    transfer: TransferService,
    config: FerryConfig,
    web_config: WebConfig,
    public_count: int,
) -> AsyncIterator[TestClient[object, object]]:
    exports = ExportCache(rebuilds=(Limit(2, 60.0),), clock=Ticker())
    app = build_web_app(service, transfer, lambda: config, web_config, exports=exports)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def test_the_file_is_built_once_per_directory_version(
    client, reads: list[DirectoryQuery], service: DirectoryService, public_count: int
) -> None:
    first = await client.get(CSV)
    assert first.status == 200
    body = await first.text()
    assert len(csv_rows(body)) == public_count
    built = len(reads)
    assert built >= 2  # the seeded directory takes more than one service page
    for _ in range(5):
        again = await client.get(CSV)
        assert await again.text() == body
        assert again.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert len(reads) == built  # served from the kept copy

    await service.register(
        community=COMMUNITY,
        identity=Identity(IdentityKind.CONSOLE, "newcomer"),
        display_name="Newcomer",
        platform="bluesky",
        handle="newcomer.bsky.social",
        source=Source.CONSOLE,
    )
    rows = csv_rows(await (await client.get(CSV)).text())
    assert len(rows) == public_count + 1
    assert "newcomer.bsky.social" in {row["handle"] for row in rows}
    assert len(reads) > built


async def test_builds_past_the_limit_get_429_with_retry_after_and_kept_copies_still_serve(
    limited_client,
) -> None:
    for search in ("member", "member 1"):
        assert (await limited_client.get(CSV, params={"q": search})).status == 200
    refused = await limited_client.get(CSV, params={"q": "member 2"})
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in refused.headers
    assert "Too many downloads" in await refused.text()
    kept = await limited_client.get(CSV, params={"q": "member"})
    assert kept.status == 200 and csv_rows(await kept.text())
    # The page and its JSON are not exports: they stay available.
    assert (await limited_client.get(f"/{COMMUNITY}/directory.json", params={"q": "member 2"})).status == 200

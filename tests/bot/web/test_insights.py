"""The public charts page: public counts only, small ones hidden, the picture and its tables."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.services.directory import DirectoryService
from bot.services.insights import InsightService
from bot.web.app import build_web_app
from bot.web.insights import add_insight_routes
from tests.support.insights import scatter


@pytest.fixture
async def charts(
    service: DirectoryService, transfer, config, web_config, insights: InsightService
) -> AsyncIterator:
    await scatter(service, community="open")
    app = build_web_app(service, transfer, lambda: config, web_config)
    add_insight_routes(app, insights)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def test_the_page_shows_public_counts_with_small_platforms_hidden(charts) -> None:
    response = await charts.get("/open/stats")
    assert response.status == 200 and "default-src 'none'" in response.headers["Content-Security-Policy"]
    page = await response.text()
    assert '<th scope="row">RedNote (Xiaohongshu)</th><td data-label="Handles">7</td>' in page
    assert '<th scope="row">Bluesky</th><td data-label="Handles">6</td>' in page
    assert '<th scope="row">Lemon8</th><td data-label="Handles">fewer than 5</td>' in page
    assert "Mastodon" not in page  # a community-only handle is not public
    assert (
        '<th scope="row">2</th><td data-label="Members">fewer than 5</td>' in page
    )  # the one person on two platforms
    assert 'src="stats.png"' in page and 'alt="Two charts of Open House on ' in page
    assert "Lemon8 fewer than 5" in page  # the alt text says it too
    assert "<caption>Arrivals over time" in page


async def test_the_picture_is_served_as_png_and_svg(charts) -> None:
    png = await charts.get("/open/stats.png")
    assert png.content_type == "image/png" and (await png.read()).startswith(b"\x89PNG")
    assert png.headers["Cache-Control"].startswith("public")
    svg = await (await charts.get("/open/stats.svg")).text()
    assert "Open House: where we went" in svg and "fewer than 5" in svg and "Mastodon" not in svg
    again = await (await charts.get("/open/stats.svg")).text()
    assert again == svg


async def test_an_unpublished_community_has_no_charts(charts) -> None:
    for path in ("/nowhere/stats", "/nowhere/stats.png"):
        assert (await charts.get(path)).status == 404


async def test_the_directory_page_links_to_the_charts(charts) -> None:
    page = await (await charts.get("/open/")).text()
    assert '<a href="stats">Where we went, in charts</a>' in page

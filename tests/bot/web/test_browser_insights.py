"""The charts page in headless Chromium: the picture loads under the page's CSP, the tables read
the same numbers, and a screenshot is kept (``screenshots/stats.png``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.web.front import WebFront
from bot.web.settings import WebConfig
from tests.bot.web.test_browser import SCREENSHOTS, _driver, _require_browser
from tests.support.insights import scatter

pytestmark = pytest.mark.browser
LOADED = "return arguments[0].complete && arguments[0].naturalWidth"


def _drive(base: str, profile: Path) -> dict[str, Any]:
    from selenium.webdriver.common.by import By

    SCREENSHOTS.mkdir(exist_ok=True)
    driver = _driver(profile)
    try:
        driver.get(f"{base}/open/")
        driver.find_element(By.LINK_TEXT, "Where we went, in charts").click()
        image = driver.find_element(By.CSS_SELECTOR, "figure.chart img")
        driver.execute_script("arguments[0].scrollIntoView()", image)
        seen = {
            "title": driver.title,
            "loaded": driver.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth", image
            ),
            "alt": image.get_attribute("alt"),
            "rows": [
                [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
                for row in driver.find_elements(By.CSS_SELECTOR, "table:first-of-type tbody tr")
            ],
            "csp": [
                e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]
            ],
        }
        driver.save_screenshot(str(SCREENSHOTS / "stats.png"))
        return seen
    finally:
        driver.quit()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the page, not the dialects
async def test_the_charts_page_in_chromium(service, transfer, config, insights, tmp_path) -> None:
    _require_browser()
    await scatter(service, community="open")
    web = WebConfig(enabled=True, port=0, base_url="http://127.0.0.1:8080")
    front = WebFront(directory=service, transfer=transfer, config=lambda: config, web=web, insights=insights)
    task = asyncio.create_task(front.run())
    try:
        await asyncio.wait_for(front.started.wait(), 10)
        seen = await asyncio.wait_for(
            asyncio.to_thread(_drive, f"http://127.0.0.1:{front.port}", tmp_path), 120
        )
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert seen["title"] == "Open House: where we went, in charts"
    assert seen["loaded"] == 1200  # the PNG was fetched and decoded, not blocked
    assert seen["rows"] == [["RedNote (Xiaohongshu)", "7"], ["Bluesky", "6"], ["Lemon8", "fewer than 5"]]
    assert "Lemon8 fewer than 5" in seen["alt"]
    assert seen["csp"] == []
    assert (SCREENSHOTS / "stats.png").stat().st_size > 10_000

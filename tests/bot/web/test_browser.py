"""The page in a real browser: Debian's chromium through chromedriver, driven by Selenium.

Skipped when chromium, chromedriver or selenium is missing, unless ``FERRY_REQUIRE_SERVICES=1``
(CI), which turns the skip into a failure. Selenium gets the driver's and the browser's paths, so
Selenium Manager never looks for (or downloads) anything. Screenshots go to ``screenshots/``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.web.front import WebFront
from bot.web.settings import WebConfig
from tests.bot.web.data import COMMUNITY, NEVER, seed

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("FERRY_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FERRY_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).parent / "screenshots"
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # containers and CI runners have no user namespaces for the sandbox
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
)


def _require_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = f"browser test needs {', '.join(missing)} (apt-get install chromium chromium-driver)"
        if os.environ.get("FERRY_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (FERRY_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(reason)


def _driver(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


def _rows(driver: Any) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    return [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]


def _drive(base: str, profile: Path) -> None:
    """The reader's walk; blocking, so it runs in a thread while the event loop serves the page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    SCREENSHOTS.mkdir(exist_ok=True)
    driver = _driver(profile)
    wait = WebDriverWait(driver, 15)
    try:
        driver.get(f"{base}/{COMMUNITY}/")
        assert driver.title == "Open House: where we went"
        first = _rows(driver)
        assert len(first) == 25 and "Page 1 of 3" in driver.page_source
        legend = driver.find_element(By.CSS_SELECTOR, "dl.legend").text
        assert "Self-reported" in legend and "✓ Bluesky-proven" in legend and "✓✓ Admin-verified" in legend
        # The stylesheet passed the CSP: badges are styled, not plain inline text.
        badge = driver.find_element(By.CSS_SELECTOR, "tbody .badge-admin-verified")
        assert badge.text == "✓✓ Admin-verified"
        assert badge.value_of_css_property("display") == "inline-block"
        driver.save_screenshot(str(SCREENSHOTS / "desktop.png"))

        box = driver.find_element(By.ID, "q")
        box.send_keys("member0")
        driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
        wait.until(ec.url_contains("q=member0"))
        found = _rows(driver)
        assert sorted(row[0] for row in found) == [f"Member {n:02d}" for n in range(10) if n % 3 != 1]
        assert driver.find_element(By.ID, "q").get_attribute("value") == "member0"
        driver.save_screenshot(str(SCREENSHOTS / "search.png"))

        driver.get(f"{base}/{COMMUNITY}/")
        seen = [row[2] for row in _rows(driver)]
        pages = [seen]
        while driver.find_elements(By.CSS_SELECTOR, "a[rel=next]"):
            driver.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
            wait.until(ec.url_contains("after="))
            pages.append([row[2] for row in _rows(driver)])
        assert [len(page) for page in pages] == [25, 25, 14]
        flat = [handle for page in pages for handle in page]
        assert len(set(flat)) == len(flat) == 64
        assert "Page 3 of 3" in driver.page_source
        driver.find_element(By.CSS_SELECTOR, "a[rel=prev]").click()
        wait.until(ec.url_contains("before="))
        assert [row[2] for row in _rows(driver)] == pages[1] and "Page 2 of 3" in driver.page_source
        driver.execute_script("document.querySelector('nav.pager').scrollIntoView(false)")
        driver.save_screenshot(str(SCREENSHOTS / "desktop-page2.png"))
        assert not any(secret in driver.page_source for secret in NEVER)
        link = driver.find_element(By.CSS_SELECTOR, "tbody a[href^='https://']")
        assert link.get_attribute("rel") == "nofollow noopener ugc"

        csp = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
        assert csp == []

        # A 360px phone, light then dark: nothing may scroll sideways.
        driver.get(f"{base}/{COMMUNITY}/")
        metrics = {"width": 360, "height": 800, "deviceScaleFactor": 2, "mobile": True}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.refresh()
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
        assert driver.find_element(By.CSS_SELECTOR, "tbody tr").value_of_css_property("display") == "block"
        driver.save_screenshot(str(SCREENSHOTS / "mobile.png"))
        driver.execute_script("document.querySelector('tbody tr').scrollIntoView()")
        driver.save_screenshot(str(SCREENSHOTS / "mobile-rows.png"))
        driver.execute_script("document.querySelector('nav.pager').scrollIntoView(false)")
        driver.save_screenshot(str(SCREENSHOTS / "mobile-pager.png"))
        dark = {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", dark)
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
        driver.save_screenshot(str(SCREENSHOTS / "mobile-dark.png"))
    finally:
        driver.quit()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the page, not the dialects
async def test_search_and_paging_in_chromium(service, transfer, config, repository, tmp_path):
    _require_browser()
    await seed(service, repository)
    web = WebConfig(enabled=True, port=0, base_url="http://127.0.0.1:8080")
    front = WebFront(directory=service, transfer=transfer, config=lambda: config, web=web)
    task = asyncio.create_task(front.run())
    try:
        await asyncio.wait_for(front.started.wait(), 10)
        await asyncio.wait_for(asyncio.to_thread(_drive, f"http://127.0.0.1:{front.port}", tmp_path), 120)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    for name in (
        "desktop.png",
        "desktop-page2.png",
        "search.png",
        "mobile.png",
        "mobile-rows.png",
        "mobile-dark.png",
    ):
        assert (SCREENSHOTS / name).stat().st_size > 10_000

"""A headless Chromium for the browser tests, one per test module (and xdist worker), driven
through chromedriver by selenium. Without Chromium the tests skip saying why, unless
REGIMES_REQUIRE_BROWSER=1 (set by .ci/run) makes them fail."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.chromium import missing, start_chromium

if TYPE_CHECKING:
    from selenium.webdriver import Chrome as WebDriver


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """Headless Chromium, logging the console and the network."""
    absent = missing()
    if absent:
        reason = (
            f"no {' or '.join(absent)} on PATH for the browser tests "
            "(apt-get install chromium chromium-driver)"
        )
        if os.environ.get("REGIMES_REQUIRE_BROWSER") == "1":
            pytest.fail(f"REGIMES_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    driver = start_chromium()
    yield driver
    driver.quit()


def open_page(browser: WebDriver, page: Path, bars: int) -> float:
    """Opens a report and waits until its chart has drawn `bars` bars (and the page has
    loaded); the seconds from asking to drawn. Clears the browser's logs first."""
    from selenium.webdriver.support.ui import WebDriverWait

    _log(browser, "browser")
    _log(browser, "performance")
    started = time.monotonic()
    browser.get(page.as_uri())
    WebDriverWait(browser, 30, poll_frequency=0.05).until(
        lambda driver: (
            driver.execute_script(
                "return document.readyState !== 'complete' ? -1 : "
                "document.querySelectorAll('#timeline-chart .barlayer .point path').length"
            )
            == bars
        )
    )
    return time.monotonic() - started


def requests_made(browser: WebDriver) -> list[str]:
    """The URLs the page asked for since it was opened (the DevTools network log)."""
    messages = [json.loads(entry["message"])["message"] for entry in _log(browser, "performance")]
    return [
        message["params"]["request"]["url"]
        for message in messages
        if message["method"] == "Network.requestWillBeSent"
    ]


def console_errors(browser: WebDriver) -> list[dict[str, Any]]:
    """What the page wrote to the console at level error since it was opened."""
    return [entry for entry in _log(browser, "browser") if entry["level"] == "SEVERE"]


def _log(browser: WebDriver, kind: str) -> list[dict[str, Any]]:
    """The entries of one of the browser's logs since it was last read (selenium's
    `get_log`, which has no type hints)."""
    entries: list[dict[str, Any]] = browser.execute("getLog", {"type": kind})["value"]
    return entries

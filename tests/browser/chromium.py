"""Headless Chromium driven through chromedriver by selenium: for the browser tests and the
README's screenshot (docs/screenshots.py)."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

#: Debian's packages: `apt-get install chromium chromium-driver`.
PROGRAMS = ("chromium", "chromedriver")


def missing() -> list[str]:
    """The programs of `PROGRAMS` not on PATH."""
    return [name for name in PROGRAMS if shutil.which(name) is None]


def start_chromium(width: int = 1400, height: int = 1000) -> Chrome:
    """Headless Chromium with a window `width` by `height` pixels, logging the console and
    the network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = (str(shutil.which(name)) for name in PROGRAMS)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespace to sandbox in
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))

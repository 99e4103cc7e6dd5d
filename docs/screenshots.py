"""Takes the README's screenshot of a report: the bundled history's Dy CN→JP report, opened in
headless Chromium (Debian's `chromium` and `chromium-driver`; `fonts-wqy-zenhei` draws the
Chinese source titles), from its top to the end of its chart. Run from the repository:
`.venv/bin/python docs/screenshots.py`."""

from __future__ import annotations

import base64
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.browser.chromium, the tests' own browser

import regimes  # noqa: E402
from tests.browser.chromium import start_chromium  # noqa: E402

SCREENSHOT = ROOT / "docs" / "report-dy-cn-jp.png"
#: The page's "today", so that the picture changes only when the report does.
TODAY = date(2026, 3, 1)
WIDTH = 1280


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "dy-cn-jp.html"
        with regimes.open(str(Path(scratch) / "bundled.db")) as store:
            store.load_history()
            store.report(elements=["Dy"], exporter="CN", importer="JP", today=TODAY, out=page)
        browser = start_chromium(WIDTH, 900)
        try:
            browser.get(page.as_uri())
            bottom = browser.execute_script(
                "return document.querySelector('#timeline').getBoundingClientRect().bottom"
            )
            shot = browser.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": WIDTH, "height": bottom + 16, "scale": 1},
                },
            )
            SCREENSHOT.write_bytes(base64.b64decode(shot["data"]))
        finally:
            browser.quit()
    print(f"wrote {SCREENSHOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

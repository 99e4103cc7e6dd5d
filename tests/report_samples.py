"""What the report's tests share: the date they call today, a store of the bundled history,
and records whose text tries to run script in the page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import regimes
from tests.samples import action, imposed

#: The report's "today" in tests, so that pages do not change with the clock.
TODAY = date(2026, 3, 1)

#: Script that, were it run, would leave its mark on the page's window.
SCRIPT = "<script>window.__pwned = 1</script>"
#: A URL the records accept (http(s), no spaces) that breaks out of an unescaped attribute.
HOSTILE_URL = 'https://example.org/x"><script>window.__pwned=3</script>'


def hostile_records() -> list[dict[str, Any]]:
    """A measure on Dy from CN to JP and the action it responds to, with markup and script
    in every text field a page shows."""
    return [
        action(
            "hostile-action",
            issuer="JP",
            counterparts=["CN"],
            kind="statement",
            occurred_on="2025-03-01",
            title=f"Action {SCRIPT}",
            sources=[{"title": f"Action source {SCRIPT}", "url": HOSTILE_URL}],
        ),
        imposed(
            "hostile-measure",
            destinations=["JP"],
            title=f"Title {SCRIPT}",
            document=f'Doc <img src=x onerror="window.__pwned = 2"> {SCRIPT}',
            notes=f"Notes {SCRIPT}",
            responds_to=["hostile-action"],
            sources=[{"title": f"Source <b>bold</b> {SCRIPT}", "url": HOSTILE_URL}],
        ),
    ]


def bundled_store(path: Path) -> str:
    """A SQLite store at `path` holding the bundled history; its URL."""
    with regimes.open(str(path)) as store:
        store.load_history()
    return str(path)

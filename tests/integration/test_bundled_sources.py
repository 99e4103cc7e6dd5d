"""Every bundled record cites the research it was built from (issue 21): at least one
source, each with a URL that the researched facts hold verbatim.

The facts are the shared research (`../shared/facts/` beside the project); the tests keep a
copy in `tests/fixtures/facts/`, so a clone on its own checks against the copy, and where
the shared research is present the copy must equal it."""

from __future__ import annotations

from pathlib import Path

import pytest

from regimes.bundled import bundled_batch

ROOT = Path(__file__).resolve().parents[2]
COPY = ROOT / "tests" / "fixtures" / "facts"
SHARED = ROOT.parent / "shared" / "facts"


def _facts() -> str:
    return "".join(path.read_text() for path in sorted(COPY.glob("*.yaml")))


def test_every_bundled_record_cites_a_source_whose_url_the_facts_hold() -> None:
    facts = _facts()
    uncited, unknown = [], []
    for numbered in bundled_batch().records:
        where = f"{numbered.source} line {numbered.line}"
        sources = getattr(numbered.record, "sources", None) or ()
        if not sources:
            uncited.append(where)
        unknown += [
            f"{where}: {source.url or 'no url'}"
            for source in sources
            if not source.url or source.url not in facts
        ]
    assert uncited == []
    assert unknown == []


def test_a_url_the_facts_do_not_hold_would_be_found() -> None:
    """The check above can fail: a made-up URL is not in the facts."""
    assert "https://example.org/not-in-the-research" not in _facts()
    assert "https://www.wto.org/english/tratop_e/dispu_e/cases_e/ds431_e.htm" in _facts()


def test_the_copy_of_the_facts_is_the_shared_research() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"no shared research at {SHARED} (a clone on its own): the copy stands")
    shared = {path.name: path.read_bytes() for path in SHARED.iterdir() if path.is_file()}
    copied = {path.name: path.read_bytes() for path in COPY.iterdir() if path.is_file()}
    assert copied == shared

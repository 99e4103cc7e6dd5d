"""Queries on the view are index lookups, never scans (DESIGN §5), however it was built."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.application import Regimes
from domain.bundled import bundled_batch
from projections.queries import RegimeReader
from tests.samples import RECORDED_AT

DAY = date(2025, 6, 1)


@pytest.fixture(params=["caught-up", "replayed"])
def reader(request: pytest.FixtureRequest, sqlite_app: Regimes) -> Iterator[RegimeReader]:
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    reader.catch_up()
    if request.param == "replayed":
        reader.replay()
    yield reader
    reader.close()


QUESTIONS = {
    # id: (day, position known at: None = the latest, items, exporter, importer, index)
    "as-of-one-flow": (DAY, None, ("Dy",), "CN", "JP", "flow"),
    "as-of-one-flow-known-at": (DAY, 5, ("Dy",), "CN", "JP", "flow"),
    "as-of-items-from-anywhere": (DAY, None, ("Dy", "Tb"), None, None, "flow"),
    "timeline-of-one-flow": (None, None, ("Ga",), "CN", "US", "flow"),
    "timeline-known-at": (None, 5, ("Ga",), "CN", "US", "flow"),
    "as-of-everything-into-a-country": (DAY, None, (), None, "JP", "importer"),
    "as-of-into-a-country-known-at": (DAY, 5, (), None, "JP", "importer"),
}


@pytest.mark.parametrize(("day", "known_at", "items", "exporter", "importer", "index"),
                         list(QUESTIONS.values()), ids=list(QUESTIONS))
def test_a_question_on_the_view_is_answered_through_its_indexes(
        reader: RegimeReader, sqlite_path: Path, day: date | None, known_at: int | None,
        items: tuple[str, ...], exporter: str | None, importer: str | None,
        index: str) -> None:
    generation, latest = reader.view.standing()
    statement, params = reader.view.rows_statement(
        generation, day, known_at or latest, items, exporter, importer,
        latest=known_at is None)
    with sqlite3.connect(sqlite_path) as connection:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any(step.startswith(f"SEARCH r USING INDEX regime_rows_{generation}_{index} ")
               for step in plan), plan
    assert any(step.startswith(f"SEARCH s USING INDEX regime_rows_{generation}_state_key ")
               for step in plan), plan

"""Questions on the view read indexes, and only the rows they may need (docs/projections.md §3).

Latest answers read the believed rows only; answers recorded at an earlier position read the
believed rows recorded by then and the rows superseded after it, and answers known at an
earlier day the rows of what was known then, each through its own index; catch-up closes a
row through the index of its kind; a view built by catch-up and one built by replay have the
same indexes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.application import Regimes
from projections.queries import RegimeReader
from regimes.bundled import bundled_batch
from tests.samples import RECORDED_AT

DAY = date(2025, 6, 1)
OPEN, CLOSED, IMPORTER = "open_flow_span", "closed_flow", "importer_span"
EARLIER = "earlier_flow"
KNOWN = date(2025, 11, 1)
ONE_FLOW = "(item=? AND exporter=? AND importer=?"


@pytest.fixture(params=["caught-up", "replayed"])
def reader(request: pytest.FixtureRequest, sqlite_app: Regimes) -> Iterator[RegimeReader]:
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    reader.catch_up()
    if request.param == "replayed":
        reader.replay()
    yield reader
    reader.close()


#: id: (day, recorded at position (None: the latest), items, exporter, importer, and for each
#: statement of the question, the index its rows are read through and how the search
#: starts ("" for a scan of that index)); known at `KNOWN` when the id ends "-known-on".
QUESTIONS: dict[
    str,
    tuple[date | None, int | None, tuple[str, ...], str | None, str | None, list[tuple[str, str]]],
] = {
    "as-of-one-flow-known-on": (
        DAY,
        None,
        ("Er",),
        "CN",
        "JP",
        [(OPEN, ONE_FLOW), (EARLIER, ONE_FLOW)],
    ),
    "as-of-one-flow-recorded-and-known-on": (
        DAY,
        5,
        ("Er",),
        "CN",
        "JP",
        [(OPEN, ONE_FLOW), (CLOSED, ONE_FLOW), (EARLIER, ONE_FLOW)],
    ),
    "timeline-known-on": (None, None, ("Ga",), "CN", "US", [(OPEN, ONE_FLOW), (EARLIER, ONE_FLOW)]),
    "as-of-into-a-country-known-on": (
        DAY,
        None,
        (),
        None,
        "JP",
        [(IMPORTER, "(importer=? AND valid_from<?"), (IMPORTER, "(importer=? AND valid_from<?")],
    ),
    "as-of-one-flow": (DAY, None, ("Dy",), "CN", "JP", [(OPEN, ONE_FLOW)]),
    "as-of-one-flow-known-at": (
        DAY,
        5,
        ("Dy",),
        "CN",
        "JP",
        [(OPEN, ONE_FLOW), (CLOSED, ONE_FLOW)],
    ),
    "as-of-two-items-anywhere": (DAY, None, ("Dy", "Tb"), None, None, [(OPEN, "(item=?")]),
    "as-of-an-item-from-a-country": (
        DAY,
        None,
        ("Dy",),
        "CN",
        None,
        [(OPEN, "(item=? AND exporter=?")],
    ),
    "timeline-of-one-flow": (None, None, ("Ga",), "CN", "US", [(OPEN, ONE_FLOW)]),
    "timeline-known-at": (None, 5, ("Ga",), "CN", "US", [(OPEN, ONE_FLOW), (CLOSED, ONE_FLOW)]),
    "as-of-everything-into-a-country": (
        DAY,
        None,
        (),
        None,
        "JP",
        [(IMPORTER, "(importer=? AND valid_from<?")],
    ),
    "as-of-into-a-country-known-at": (
        DAY,
        5,
        (),
        None,
        "JP",
        [(IMPORTER, "(importer=? AND valid_from<?"), (IMPORTER, "(importer=? AND valid_from<?")],
    ),
    "as-of-everything-from-a-country": (DAY, None, (), "CN", None, [(OPEN, "")]),
    "as-of-everything": (DAY, None, (), None, None, [(OPEN, "")]),
    "as-of-everything-known-at": (DAY, 5, (), None, None, [(OPEN, ""), (CLOSED, "")]),
}


def _row_steps(plan: list[str]) -> list[str]:
    """The plan's steps that read the view's rows (`r`), in order."""
    return [step for step in plan if re.match(r"(SEARCH|SCAN) (TABLE )?r\b", step)]


@pytest.mark.parametrize(
    ("question", "day", "recorded_at", "items", "exporter", "importer", "expected"),
    [(question, *asked) for question, asked in QUESTIONS.items()],
    ids=list(QUESTIONS),
)
def test_a_question_reads_only_the_rows_it_may_need_through_an_index(
    reader: RegimeReader,
    sqlite_path: Path,
    question: str,
    day: date | None,
    recorded_at: int | None,
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    expected: list[tuple[str, str]],
) -> None:
    generation, latest = reader.view.standing()
    statement, params = reader.view.rows_statement(
        generation,
        day,
        recorded_at or latest,
        items,
        None if exporter is None else (exporter, "*"),
        None if importer is None else (importer, "*", "@a-group"),
        latest=recorded_at is None,
        known=KNOWN if question.endswith("-known-on") else None,
    )
    with sqlite3.connect(sqlite_path) as connection:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
    steps = _row_steps(plan)
    assert len(steps) == len(expected), plan
    for step, (index, search) in zip(steps, expected, strict=True):
        used = re.search(rf"USING (COVERING )?INDEX regime_rows_{generation}_(\w+)(.*)", step)
        assert used is not None, f"reads the table itself: {step}"
        assert used.group(2) == index, step
        assert used.group(3).strip().startswith(search), step
        assert step.startswith("SEARCH") == bool(search), step
    summaries = [step for step in plan if re.match(r"(SEARCH|SCAN) (TABLE )?s\b", step)]
    assert summaries, plan
    assert all(f"INDEX regime_rows_{generation}_state_key (key=?)" in step for step in summaries), (
        plan
    )


def test_catch_up_closes_a_believed_row_through_the_believed_rows_index(
    reader: RegimeReader, sqlite_path: Path
) -> None:
    generation, latest = reader.view.standing()
    sql = reader.view.sql(generation)
    key = (latest, "m", "Dy", "CN", "JP", "2025-01-01", "2025-01-01")
    with sqlite3.connect(sqlite_path) as connection:
        for statement, params, index in (
            (sql.close_open_row(), key, f"{OPEN} {ONE_FLOW} AND valid_from=?"),
            (
                sql.close_earlier_row(),
                (*key, "2025-02-01"),
                f"{EARLIER} {ONE_FLOW} AND valid_from=?",
            ),
        ):
            plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
            assert len(plan) == 1, plan
            assert plan[0].startswith(
                f"SEARCH regime_rows_{generation} USING INDEX regime_rows_{generation}_{index}"
            ), plan

"""Questions on the view read indexes, and only the rows they may need (docs/projections.md §3).

A question finds the scopes on the flows it asks about through an index of the scopes, then
their segments. Latest answers read the believed segments only; answers recorded at an earlier
position read the believed segments recorded by then and the segments superseded after it,
and answers known at an earlier day the segments of what was known then, each through its own
index; catch-up closes a segment through the index of its kind; a view built by catch-up and
one built by replay have the same indexes.
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
OPEN, CLOSED, EARLIER = "open_span", "closed_span", "earlier_span"
#: How a question finds the large scopes on its flows: through the places into a country
#: (then each scope's items), through the scopes of an item (then each scope's places), or,
#: naming neither, by reading every large scope's places.
INTO, ITEM, EVERY = "importer_scopes", "item_scopes", ""
KNOWN = date(2025, 11, 1)
ONE_FLOW = "(importer=? AND exporter=?"
INTO_COUNTRY = "(importer=?"
AN_ITEM = "(item=?"
ANYWHERE = ""
#: How the same question finds the spread scopes (one row per item and place): the index
#: and how its search starts ("" for a scan).
SPREAD = {
    (INTO, ONE_FLOW): ("flow_scopes", "(item=? AND exporter=? AND importer=?"),
    (INTO, INTO_COUNTRY): ("importer_flows", "(importer=?"),
    (ITEM, AN_ITEM): ("flow_scopes", "(item=?"),
    (EVERY, ANYWHERE): ("", ""),
}


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
#: kind of segment the question reads, how its large scopes are found (through which index
#: of the scopes' places or items, and how the search starts; "" for a scan of the places)
#: and which index of the segments reads their segments (its spread scopes are found as
#: `SPREAD` says); known at `KNOWN` when the id ends "-known-on".
QUESTIONS: dict[
    str,
    tuple[
        date | None,
        int | None,
        tuple[str, ...],
        str | None,
        str | None,
        list[tuple[str, str, str]],
    ],
] = {
    "as-of-one-flow-known-on": (
        DAY,
        None,
        ("Er",),
        "CN",
        "JP",
        [(INTO, ONE_FLOW, OPEN), (INTO, ONE_FLOW, EARLIER)],
    ),
    "as-of-one-flow-recorded-and-known-on": (
        DAY,
        5,
        ("Er",),
        "CN",
        "JP",
        [(INTO, ONE_FLOW, OPEN), (INTO, ONE_FLOW, CLOSED), (INTO, ONE_FLOW, EARLIER)],
    ),
    "timeline-known-on": (
        None,
        None,
        ("Ga",),
        "CN",
        "US",
        [(INTO, ONE_FLOW, OPEN), (INTO, ONE_FLOW, EARLIER)],
    ),
    "as-of-into-a-country-known-on": (
        DAY,
        None,
        (),
        None,
        "JP",
        [(INTO, INTO_COUNTRY, OPEN), (INTO, INTO_COUNTRY, EARLIER)],
    ),
    "as-of-one-flow": (DAY, None, ("Dy",), "CN", "JP", [(INTO, ONE_FLOW, OPEN)]),
    "as-of-one-flow-known-at": (
        DAY,
        5,
        ("Dy",),
        "CN",
        "JP",
        [(INTO, ONE_FLOW, OPEN), (INTO, ONE_FLOW, CLOSED)],
    ),
    "as-of-two-items-anywhere": (DAY, None, ("Dy", "Tb"), None, None, [(ITEM, AN_ITEM, OPEN)]),
    "as-of-an-item-from-a-country": (
        DAY,
        None,
        ("Dy",),
        "CN",
        None,
        [(ITEM, AN_ITEM, OPEN)],
    ),
    "timeline-of-one-flow": (None, None, ("Ga",), "CN", "US", [(INTO, ONE_FLOW, OPEN)]),
    "timeline-known-at": (
        None,
        5,
        ("Ga",),
        "CN",
        "US",
        [(INTO, ONE_FLOW, OPEN), (INTO, ONE_FLOW, CLOSED)],
    ),
    "as-of-everything-into-a-country": (
        DAY,
        None,
        (),
        None,
        "JP",
        [(INTO, INTO_COUNTRY, OPEN)],
    ),
    "as-of-into-a-country-known-at": (
        DAY,
        5,
        (),
        None,
        "JP",
        [(INTO, INTO_COUNTRY, OPEN), (INTO, INTO_COUNTRY, CLOSED)],
    ),
    "as-of-everything-from-a-country": (DAY, None, (), "CN", None, [(EVERY, ANYWHERE, OPEN)]),
    "as-of-everything": (DAY, None, (), None, None, [(EVERY, ANYWHERE, OPEN)]),
    "as-of-everything-known-at": (
        DAY,
        5,
        (),
        None,
        None,
        [(EVERY, ANYWHERE, OPEN), (EVERY, ANYWHERE, CLOSED)],
    ),
}


def _steps(plan: list[str], alias: str) -> list[str]:
    """The plan's steps that read the table named `alias` (`f` the spread scopes, `c` and `i`
    the large scopes' places and items, `r` the segments, `s` the summaries), in order."""
    return [step for step in plan if re.match(rf"(SEARCH|SCAN) (TABLE )?{alias}\b", step)]


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
    expected: list[tuple[str, str, str]],
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
    spread, by_place, by_item = _steps(plan, "f"), _steps(plan, "c"), _steps(plan, "i")
    segments = _steps(plan, "r")
    assert len(spread) == len(by_place) == len(by_item) == len(expected), plan
    assert len(segments) == 2 * len(expected), plan
    prefix = f"regime_view_{generation}"
    for number, (scope_index, search, segment_index) in enumerate(expected):
        # the spread scopes on the flows asked, through an index (unless the question
        # names neither an item nor an importer: then every one is read, once)
        spread_index, spread_search = SPREAD[(scope_index, search)]
        step = spread[number]
        if spread_search:
            used = re.search(rf"USING COVERING INDEX {prefix}_(\w+)(.*)", step) or re.search(
                rf"USING INDEX {prefix}_(\w+)(.*)", step
            )
            assert used is not None, f"reads the table itself: {step}"
            assert used.group(1) == spread_index, step
            assert used.group(2).strip().startswith(spread_search), step
        else:
            assert step.startswith("SCAN f"), step
        # the large ones: through an index of the places or of the items (or every large
        # scope's places), the other of the two read by the scope's key
        place, item = by_place[number], by_item[number]
        first, then = (item, place) if scope_index == ITEM else (place, item)
        assert plan.index(first) < plan.index(then), plan
        if search:
            used = re.search(rf"USING COVERING INDEX {prefix}_(\w+)(.*)", first)
            assert used is not None, f"reads the table itself: {first}"
            assert used.group(1) == scope_index, first
            assert used.group(2).strip().startswith(search), first
        else:
            assert first.startswith("SCAN c"), first
        assert re.search(rf"USING COVERING INDEX {prefix}_scope_\w+ \(scope=\?", then), then
        # then each scope's segments, always through the index of their kind
        for segment in segments[2 * number : 2 * number + 2]:
            used = re.search(rf"SEARCH r USING INDEX {prefix}_(\w+) \(scope=\?", segment)
            assert used is not None, f"reads the segments otherwise: {segment}"
            assert used.group(1) == segment_index, segment
    summaries = _steps(plan, "s")
    assert summaries, plan
    assert all(f"INDEX {prefix}_state_key (key=?)" in step for step in summaries), plan


def test_catch_up_closes_a_believed_segment_through_the_index_of_its_kind(
    reader: RegimeReader, sqlite_path: Path
) -> None:
    generation, latest = reader.view.standing()
    sql = reader.view.sql(generation)
    key = (latest, "scope", "2025-01-01", "9999-12-31", "2025-01-01")
    with sqlite3.connect(sqlite_path) as connection:
        for statement, params, index in (
            (sql.close_open_row(), key, f"{OPEN} (scope=? AND valid_from=? AND valid_to=?"),
            (
                sql.close_earlier_row(),
                (*key, "2025-02-01"),
                f"{EARLIER} (scope=? AND valid_from=? AND valid_to=?",
            ),
        ):
            plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
            assert len(plan) == 1, plan
            assert plan[0].startswith(
                f"SEARCH regime_segments_{generation} USING INDEX regime_view_{generation}_{index}"
            ), plan

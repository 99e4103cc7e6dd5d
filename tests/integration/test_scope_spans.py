"""Each spread scope carries the span of its believed segments as known today, which a question
about now on a day reads in the index of the scopes before any segment (docs/projections.md
§3): catch-up keeps it as the segments change, a replay sets the same, and a question passes
over the scopes whose span does not hold its day."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.application import Regimes
from projections.answers import Knowledge
from projections.flows import FlowQuery
from projections.queries import RegimeReader
from projections.tables import NO_SPAN
from tests.samples import RECORDED_AT, batch, follow_up, imposed

MEASURE = "cn-mofcom-2025-18"
#: on Dy, from China to Japan and to the United States: one scope, four rows of its flows
ITEMS, DESTINATIONS = ["Dy", "Tb"], ["JP", "US"]


@pytest.fixture
def reader(sqlite_app: Regimes) -> Iterator[RegimeReader]:
    reader = RegimeReader(sqlite_app)
    yield reader
    reader.close()


def _append(reader: RegimeReader, *records: dict[str, object]) -> None:
    reader.app.append(batch(*records), RECORDED_AT)
    reader.catch_up()


def _spans(reader: RegimeReader, path: Path) -> set[tuple[str, str]]:
    """The spans the live generation's spread scopes of `MEASURE` carry, one per scope."""
    generation, _ = reader.view.standing()
    with sqlite3.connect(path) as connection:
        return set(
            connection.execute(
                f"SELECT begins, ends FROM scope_flows_{generation} f WHERE EXISTS "
                f"(SELECT 1 FROM regime_segments_{generation} r "
                "WHERE r.scope = f.scope AND r.measure = ?)",
                (MEASURE,),
            )
        )


def test_catch_up_keeps_a_scopes_span_as_its_segments_change_and_a_replay_sets_the_same(
    reader: RegimeReader, sqlite_path: Path
) -> None:
    _append(reader, imposed(items=ITEMS, destinations=DESTINATIONS))
    assert _spans(reader, sqlite_path) == {("2025-04-04", "9999-12-31")}
    _append(reader, follow_up("measure_suspended", effective_on="2025-11-10"))
    # suspended, it still stands (as suspended): the span runs on
    assert _spans(reader, sqlite_path) == {("2025-04-04", "9999-12-31")}
    _append(reader, follow_up("measure_lifted", effective_on="2026-01-01"))
    assert _spans(reader, sqlite_path) == {("2025-04-04", "2026-01-01")}
    _append(
        reader,
        follow_up(
            "measure_corrected",
            fields={"announced_on": "2025-05-01", "effective_on": "2025-05-01"},
            reason="a typo",
        ),
    )
    assert _spans(reader, sqlite_path) == {("2025-05-01", "2026-01-01")}
    caught_up = _spans(reader, sqlite_path)
    reader.replay(verify=True)  # which compares the spans with the live view's too
    assert _spans(reader, sqlite_path) == caught_up


def test_a_retracted_measures_scope_stands_on_no_day(
    reader: RegimeReader, sqlite_path: Path
) -> None:
    _append(reader, imposed(items=ITEMS, destinations=DESTINATIONS))
    _append(reader, follow_up("measure_retracted", reason="recorded in error"))
    assert _spans(reader, sqlite_path) == {NO_SPAN}
    reader.replay()
    assert _spans(reader, sqlite_path) == {NO_SPAN}
    asked = (date(2025, 6, 1), FlowQuery(("Dy",), "CN", "JP"))
    assert not reader.as_of(*asked).flows[0].in_force
    # recorded at the position before the retraction, it answers as it stood then: a
    # question of an earlier position reads no span
    earlier = reader.as_of(*asked, Knowledge(recorded_at=1))
    assert [m.measure for m in earlier.flows[0].in_force] == [MEASURE]


def test_a_question_about_now_passes_over_the_scopes_by_their_spans(
    reader: RegimeReader, sqlite_path: Path
) -> None:
    _append(
        reader,
        imposed(items=ITEMS, destinations=DESTINATIONS),
        imposed(
            "cn-mofcom-2025-61",
            items=ITEMS,
            destinations=DESTINATIONS,
            effective_on="2025-10-09",
        ),
    )
    _append(reader, follow_up("measure_lifted", "cn-mofcom-2025-61", effective_on="2025-11-10"))
    generation, position = reader.view.standing()
    statement, params = reader.view.rows_statement(
        generation, date(2025, 12, 1), position, ["Dy"], ["CN", "*"], ["JP", "*"], latest=True
    )
    with sqlite3.connect(sqlite_path) as connection:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
        spread = [step for step in plan if step.startswith("SEARCH f ")]
        assert spread, plan
        assert all(
            f"regime_view_{generation}_flow_scopes (item=? AND exporter=? AND importer=? "
            "AND ends>?)" in step
            for step in spread
        ), plan
    # the lifted measure's scope is passed over on a day after its span, read on one inside
    after = reader.as_of(date(2025, 12, 1), FlowQuery(("Dy",), "CN", "JP"))
    assert [m.measure for m in after.flows[0].in_force] == [MEASURE]
    inside = reader.as_of(date(2025, 10, 20), FlowQuery(("Dy",), "CN", "JP"))
    assert sorted(m.measure for m in inside.flows[0].in_force) == [
        MEASURE,
        "cn-mofcom-2025-61",
    ]

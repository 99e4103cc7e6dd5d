"""The report's chart bars: each measure's status periods on a flow, from a timeline's
changes, and each flow's level over time (issue 22)."""

from __future__ import annotations

from datetime import date

import regimes
from domain.vocabulary import Level
from projections.answers import FlowChange
from projections.summaries import MeasureChange
from regimes.periods import level_steps, status_periods
from tests.unit.test_timeline_causes import HISTORY


def test_each_status_change_ends_a_period_and_begins_the_next() -> None:
    with regimes.open("memory:") as store:
        store.append_batch(HISTORY)
        timeline = store.timeline(elements=["Sb"], exporter="CN", importer="JP")
    periods = [
        (period.measure, period.status, str(period.start), str(period.end), period.document)
        for period in status_periods(timeline.changes)
    ]
    assert periods == [
        ("a1", "in_force", "2025-01-01", "2025-02-01", "A1"),
        ("a1", "suspended", "2025-02-01", "2025-03-01", "A1 suspended"),
        ("a1", "in_force", "2025-03-01", "2025-04-01", "A1 suspended"),  # it ran out
        # an amendment raising the level while in force begins a period of its own
        ("a1", "in_force", "2025-04-01", "2025-05-01", "A1 to a ban"),
        ("a1", "suspended", "2025-05-01", "2025-06-01", "A1 again"),
        ("a1", "in_force", "2025-06-01", "None", "A1 resumed"),
        ("b1", "announced", "2025-04-01", "2025-05-01", "B1"),
        ("b1", "in_force", "2025-05-01", "2025-09-01", "B1"),
        ("c1", "announced", "2025-01-15", "2025-02-15", "C1"),
        ("c1", "in_force", "2025-02-15", "2025-07-01", "C1"),
    ]
    assert {period.band for period in status_periods(timeline.changes)} == {
        "in_force",
        "suspended",
        "pending",
    }


def _change(
    day: str, item: str, before: Level, after: Level, *moves: tuple[str, str, str]
) -> FlowChange:
    measures = [
        MeasureChange(
            measure=slug, before=old, after=new, kind="export_ban", cause="c", document=None
        )
        for slug, old, new in moves
    ]
    return FlowChange(date.fromisoformat(day), item, "CN", "JP", before, after, measures)


def test_periods_are_kept_apart_by_flow() -> None:
    changes = [
        _change("2025-01-01", "Dy", Level.none, Level.ban, ("m", "none", "in_force")),
        _change("2025-01-01", "Tb", Level.none, Level.ban, ("m", "none", "in_force")),
        _change("2025-02-01", "Dy", Level.ban, Level.none, ("m", "in_force", "none")),
    ]
    assert [(period.item, period.end) for period in status_periods(changes)] == [
        ("Dy", date(2025, 2, 1)),
        ("Tb", None),
    ]


def test_a_flows_level_steps_only_where_it_changes() -> None:
    changes = [
        _change("2025-01-01", "Dy", Level.none, Level.ban, ("m", "none", "in_force")),
        _change("2025-01-05", "Dy", Level.ban, Level.ban, ("r", "none", "reported")),
        _change("2025-02-01", "Dy", Level.ban, Level.none, ("m", "in_force", "none")),
    ]
    assert level_steps(changes) == {
        ("Dy", "CN", "JP"): [(date(2025, 1, 1), Level.ban), (date(2025, 2, 1), Level.none)]
    }

"""Each change on a timeline names the record behind it (issue 15): the day before, of and
after each follow-up, with amendments that change a measure's level but not its status."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.application import Regimes
from projections.flows import FlowQuery
from projections.queries import RegimeReader
from tests.samples import RECORDED_AT, batch, follow_up, imposed

HISTORY = batch(
    imposed(
        "a1", items=["Sb"], announced_on="2025-01-01", effective_on="2025-01-01", document="A1"
    ),
    follow_up(
        "measure_suspended",
        "a1",
        effective_on="2025-02-01",
        until="2025-03-01",
        document="A1 suspended",
    ),
    follow_up(
        "measure_amended",
        "a1",
        effective_on="2025-03-01",
        destinations=["*", "JP"],
        document="A1 destinations",
    ),
    follow_up(
        "measure_amended",
        "a1",
        effective_on="2025-04-01",
        kind="export_ban",
        document="A1 to a ban",
    ),
    follow_up("measure_suspended", "a1", effective_on="2025-05-01", document="A1 again"),
    follow_up("measure_resumed", "a1", effective_on="2025-06-01", document="A1 resumed"),
    imposed(
        "b1",
        kind="export_ban",
        items=["Sb"],
        destinations=["JP"],
        announced_on="2025-04-01",
        effective_on="2025-05-01",
        until="2025-09-01",
        document="B1",
    ),
    imposed(
        "c1",
        items=["Sb"],
        destinations=["JP"],
        announced_on="2025-01-15",
        effective_on="2025-02-15",
        document="C1",
    ),
    follow_up("measure_lifted", "c1", effective_on="2025-07-01", document="C1 lifted"),
)


@pytest.fixture
def reader(popo_app: Regimes) -> Iterator[RegimeReader]:
    popo_app.append(HISTORY, RECORDED_AT)
    reader = RegimeReader(popo_app)
    yield reader
    reader.close()


CASES = {
    ("2025-01-01", "a1"): ("none", "in_force", "took_effect", "A1"),
    ("2025-02-01", "a1"): ("in_force", "suspended", "suspended", "A1 suspended"),
    # the suspension runs out on the day an unrelated amendment takes effect
    ("2025-03-01", "a1"): ("suspended", "in_force", "suspension_ended", "A1 suspended"),
    # the level rises, the status stays
    ("2025-04-01", "a1"): ("in_force", "in_force", "amended", "A1 to a ban"),
    ("2025-04-01", "b1"): ("none", "announced", "announced", "B1"),
    ("2025-05-01", "a1"): ("in_force", "suspended", "suspended", "A1 again"),
    ("2025-05-01", "b1"): ("announced", "in_force", "took_effect", "B1"),
    ("2025-06-01", "a1"): ("suspended", "in_force", "resumed", "A1 resumed"),
    ("2025-01-15", "c1"): ("none", "announced", "announced", "C1"),
    ("2025-02-15", "c1"): ("announced", "in_force", "took_effect", "C1"),
    ("2025-07-01", "c1"): ("in_force", "none", "lifted", "C1 lifted"),
    ("2025-09-01", "b1"): ("in_force", "none", "expired", "B1"),
}


def test_each_change_names_the_record_that_caused_it(reader: RegimeReader) -> None:
    changes = reader.timeline(FlowQuery(("Sb",), "CN", "JP")).changes
    found = {
        (change.day.isoformat(), entry.measure): (
            entry.before,
            entry.after,
            entry.cause,
            entry.document,
        )
        for change in changes
        for entry in change.measures
    }
    assert found == CASES


def test_an_amendment_that_only_raises_the_level_is_listed_with_the_level(
    reader: RegimeReader,
) -> None:
    [change] = [
        change
        for change in reader.timeline(FlowQuery(("Sb",), "CN", "JP")).changes
        if change.day.isoformat() == "2025-04-01"
    ]
    assert (change.level_before.name, change.level_after.name) == ("licence_required", "ban")
    assert [entry.measure for entry in change.measures] == ["a1", "b1"]

"""The planner checks a batch a record at a time and lets each aggregate go after the last
record about it, as the outline read ahead says (`domain.outline`)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from domain.appending import Planner
from domain.application import Regimes
from domain.batch import read_entry
from domain.errors import InputChanged
from domain.ids import measure_id
from domain.measure import Measure
from domain.outline import outline_of, outline_of_raw
from regimes.reading import read_raw_records
from tests.samples import GROUP_G, RECORDED_AT, batch, follow_up, imposed, jsonl

RECORDS = [
    imposed("early"),
    imposed("other", items=["Ga"]),
    follow_up("measure_suspended", "early", effective_on="2025-06-01"),
    imposed("third", items=["Ge"], destinations=["@g"]),
    GROUP_G,
]


def _raw(records: list[dict[str, Any]] = RECORDS) -> list[tuple[int, Any, None]]:
    return [(line, raw, None) for line, raw in read_raw_records(io.BytesIO(jsonl(*records)))]


def test_the_outline_read_ahead_equals_the_outline_of_the_validated_batch() -> None:
    ahead, read = outline_of_raw(_raw()), outline_of(batch(*RECORDS).records)
    assert ahead == read
    assert ahead.last["measure"] == {"early": 2, "other": 1, "third": 3}
    assert (ahead.groups, ahead.named["group"], ahead.records) == ({"g"}, {"g"}, 5)


def test_a_group_whose_definition_is_wrong_is_not_defined_by_the_outline() -> None:
    records = [*RECORDS[:4], {**RECORDS[4], "members": ["XX"]}]
    assert outline_of_raw(_raw(records)).groups == set()


def test_a_measure_is_held_until_its_last_record_and_let_go_after(popo_app: Regimes) -> None:
    planner = Planner(popo_app.repository, RECORDED_AT, outline_of_raw(_raw()))
    held: list[object] = []
    for ordinal, (line, raw, _) in enumerate(_raw()):
        planner.check(ordinal, read_entry(line, raw))
        held.append(planner.loaded[measure_id("early")])
    assert [type(found) for found in held[:2]] == [Measure, Measure]
    assert held[2:] == [Measure, Measure, Measure]  # the class alone: let go
    assert planner.finish() == 0
    assert len(planner.take_events()) == 5


def test_a_record_about_a_measure_let_go_too_early_fails_loudly(popo_app: Regimes) -> None:
    """An outline that lied (the input changed after it was made) would otherwise impose the
    measure a second time."""
    outline = outline_of_raw(_raw())
    outline.last["measure"]["early"] = 0
    planner = Planner(popo_app.repository, RECORDED_AT, outline)
    entries = [(ordinal, read_entry(line, raw)) for ordinal, (line, raw, _) in enumerate(_raw())]
    planner.check(*entries[0])
    planner.check(*entries[1])
    with pytest.raises(InputChanged, match="follows what was its last one"):
        planner.check(*entries[2])

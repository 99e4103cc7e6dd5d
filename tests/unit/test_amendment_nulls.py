"""An amendment may clear only what a measure can be without (its sunset, its end users):
a null kind, item list, destination list or certainty is refused, located, because the
measure would have no regime left (it crashed every later query)."""

from __future__ import annotations

import json

import pytest

from domain.records import RecordErrors, parse_record
from tests.commands import invoke, invoked
from tests.samples import follow_up, imposed, jsonl

REQUIRED_BY_A_MEASURE = ("kind", "items", "certainty", "destinations", "origins")


@pytest.mark.parametrize("field", REQUIRED_BY_A_MEASURE)
def test_an_amendment_cannot_clear_what_a_measure_needs(field: str) -> None:
    record = {**follow_up("measure_amended", effective_on="2025-05-01"), field: None}
    with pytest.raises(RecordErrors) as raised:
        parse_record(record, 3)
    assert [(error.line, error.field) for error in raised.value.errors] == [(3, field)]
    assert "cannot be cleared" in raised.value.errors[0].message


@pytest.mark.parametrize("field", ["until", "end_users"])
def test_an_amendment_may_clear_a_sunset_or_the_end_users(field: str) -> None:
    record = {**follow_up("measure_amended", effective_on="2025-05-01"), field: None}
    assert parse_record(record, 1).changes() == {field: None}  # type: ignore[union-attr]


def test_a_store_refuses_a_null_kind_and_keeps_answering(tmp_path: object) -> None:
    store = f"{tmp_path}/store.db"
    invoked("--store", store, "append", "-", stdin=jsonl(imposed()))
    result = invoke(
        "--store",
        store,
        "append",
        "-",
        stdin=jsonl(follow_up("measure_amended", effective_on="2025-05-01", kind=None)),
    )
    assert result.exit_code == 1
    assert "line 1: kind: " in result.stderr
    answer = json.loads(
        invoked("--store", store, "as-of", "2025-06-01", "-e", "Dy", "--format", "json").stdout
    )
    assert answer["flows"][0]["level"] == "licence_required"

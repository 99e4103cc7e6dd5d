"""For any history, a timeline of several items is the union of each item's own timeline,
with and without `--from`/`--to` (docs/output.md §3)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from projections.flows import FlowQuery
from tests.properties.test_view_matches_fold import (
    ITEMS,
    PROPERTY_SETTINGS,
    Record,
    histories,
    popo_store,
    record_history,
)

countries = st.sampled_from((None, "CN", "JP", "US"))


def _key(change: dict[str, Any]) -> tuple[str, str, str, str]:
    return change["date"], change["item"], change["from"], change["to"]


@PROPERTY_SETTINGS
@given(
    history=histories(),
    items=st.lists(st.sampled_from(ITEMS), min_size=2, max_size=4, unique=True),
    exporter=countries,
    importer=countries,
)
def test_a_timeline_of_several_items_is_the_union_of_each_items_timeline(
    history: list[list[Record]], items: list[str], exporter: str | None, importer: str | None
) -> None:
    with popo_store() as (app, reader):
        record_history(app, history)
        together = reader.timeline(FlowQuery(tuple(items), exporter, importer)).changes
        alone = [
            change
            for item in items
            for change in reader.timeline(FlowQuery((item,), exporter, importer)).changes
        ]
    assert sorted((change.to_json() for change in together), key=_key) == sorted(
        (change.to_json() for change in alone), key=_key
    )

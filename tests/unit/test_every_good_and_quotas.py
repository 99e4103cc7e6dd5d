"""`*` in a measure's items (every good) and the `quota` level (docs/vocabulary.md): answered
alike by the pure fold and the persisted view."""

from __future__ import annotations

from datetime import date

import pytest

from domain.application import Regimes
from domain.errors import BatchRejected
from domain.vocabulary import Level
from projections.flows import FlowQuery
from projections.fold import regimes_as_of
from projections.queries import RegimeReader
from tests.samples import RECORDED_AT, batch, imposed
from tests.unit.test_scenarios import logged_events

EMBARGO = imposed("embargo", kind="export_ban", items=["*"], destinations=["KP"])
QUOTA = imposed("quota", kind="export_quota", items=["La"], destinations=["*"])


def flows(app: Regimes, query: FlowQuery, day: date = date(2025, 6, 1)) -> list[dict[str, object]]:
    answer: list[dict[str, object]] = RegimeReader(app).as_of(day, query).to_json()["flows"]
    assert answer == [flow.to_json() for flow in regimes_as_of(logged_events(app), day, query)]
    return answer


def test_a_measure_on_every_good_lands_on_each_item_asked(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(EMBARGO), RECORDED_AT)
    answer = flows(sqlite_app, FlowQuery(("Dy", "graphite"), "CN", "KP"))
    assert [(flow["item"], flow["level"]) for flow in answer] == [
        ("Dy", "ban"),
        ("graphite", "ban"),
    ]
    assert flows(sqlite_app, FlowQuery(("Dy",), "CN", "JP"))[0]["level"] == "none"


def test_without_an_item_asked_a_measure_on_every_good_is_on_the_flow_of_every_good(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(EMBARGO), RECORDED_AT)
    [flow] = flows(sqlite_app, FlowQuery((), "CN", "KP"))
    assert (flow["item"], flow["level"]) == ("*", "ban")


def test_a_quota_sits_between_tightened_review_and_end_user_bans(sqlite_app: Regimes) -> None:
    assert Level.tightened_review < Level.quota < Level.end_user_ban
    sqlite_app.append(batch(QUOTA), RECORDED_AT)
    [flow] = flows(sqlite_app, FlowQuery(("La",), "CN", "JP"))
    assert flow["level"] == "quota"


@pytest.mark.parametrize("items", [["**"], ["*x"]])
def test_a_malformed_every_good_is_refused(sqlite_app: Regimes, items: list[str]) -> None:
    with pytest.raises(BatchRejected):
        sqlite_app.append(batch(imposed(items=items)), RECORDED_AT)

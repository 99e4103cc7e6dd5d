"""`*` in a measure's items (every good) and the `quota` level (docs/vocabulary.md): answered
alike by the pure fold and the persisted view."""

from __future__ import annotations

from datetime import date
from typing import Any

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


def flows(app: Regimes, query: FlowQuery, day: date = date(2025, 6, 1)) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = RegimeReader(app).as_of(day, query).to_json()["flows"]
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


# --- except: the countries a measure's places leave out ------------------------------------

KOREA_LEFT_OUT: dict[str, Any] = {"except": ["KR"]}
EXCEPT_KOREA = imposed("all-but-korea", destinations=["*"], **KOREA_LEFT_OUT)


def test_a_country_in_except_is_exempt_and_the_others_are_covered(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(EXCEPT_KOREA), RECORDED_AT)
    [korea] = flows(sqlite_app, FlowQuery(("Dy",), "CN", "KR"))
    assert (korea["level"], korea["in_force"]) == ("none", [])
    assert korea["exempt"] == [
        {
            "measure": "all-but-korea",
            "except": "KR",
            "since": None,
            "document": None,
        }
    ]
    [japan] = flows(sqlite_app, FlowQuery(("Dy",), "CN", "JP"))
    assert (japan["level"], japan["exempt"]) == ("licence_required", [])
    assert japan["in_force"][0]["except"] == ["KR"]
    assert japan["in_force"][0]["destinations"] == ["*"]


def test_an_amendment_adds_an_exception_from_its_date(sqlite_app: Regimes) -> None:
    from tests.samples import follow_up

    amended = follow_up("measure_amended", effective_on="2025-09-01", **KOREA_LEFT_OUT)
    sqlite_app.append(batch(imposed(), amended), RECORDED_AT)
    before = flows(sqlite_app, FlowQuery(("Dy",), "CN", "KR"), date(2025, 8, 31))
    after = flows(sqlite_app, FlowQuery(("Dy",), "CN", "KR"), date(2025, 9, 1))
    assert before[0]["level"] == "licence_required"
    assert (after[0]["level"], [held["measure"] for held in after[0]["exempt"]]) == (
        "none",
        ["cn-mofcom-2025-18"],
    )


def test_except_may_not_be_every_country(sqlite_app: Regimes) -> None:
    everyone: dict[str, Any] = {"except": ["*"]}
    with pytest.raises(BatchRejected) as refused:
        sqlite_app.append(batch(imposed(**everyone)), RECORDED_AT)
    assert "except[0]" in str(refused.value.errors[0])


def test_except_prints_back_in_the_log(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(EXCEPT_KOREA), RECORDED_AT)
    [logged] = list(sqlite_app.records())
    assert logged.record["except"] == ["KR"]
    assert sqlite_app.append(batch(logged.record), RECORDED_AT).appended == 0


def test_an_exempt_measure_is_a_csv_row_of_its_own(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(EXCEPT_KOREA), RECORDED_AT)
    answer = RegimeReader(sqlite_app).as_of(date(2025, 6, 1), FlowQuery(("Dy",), "CN", "KR"))
    [row] = answer.rows()
    assert (row["level"], row["measure"], row["status"], row["via"]) == (
        "none",
        "all-but-korea",
        "exempt",
        "KR",
    )


def test_every_good_stands_alone_in_a_measure_s_items(sqlite_app: Regimes) -> None:
    with pytest.raises(BatchRejected) as refused:
        sqlite_app.append(batch(imposed(items=["*", "Dy"])), RECORDED_AT)
    assert "stands alone" in str(refused.value.errors[0])


def test_every_good_asked_as_an_item_answers_its_own_flows_alone(sqlite_app: Regimes) -> None:
    """`--item '*'` (docs/vocabulary.md §1): the flows of the measures on every good, and no
    other item's."""
    sqlite_app.append(batch(EMBARGO, QUOTA), RECORDED_AT)
    answer = flows(sqlite_app, FlowQuery(("*",), "CN", "KP"))
    assert [(flow["item"], flow["level"]) for flow in answer] == [("*", "ban")]
    from click.testing import CliRunner

    from cli.main import main

    result = CliRunner().invoke(main, ["as-of", "2025-06-01", "--item", "**"])
    assert result.exit_code == 2
    assert "unknown item" in result.output

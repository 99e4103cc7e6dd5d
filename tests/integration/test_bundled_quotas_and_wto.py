"""The bundled quotas_and_wto history (regimes/bundled/quotas-and-wto.yaml): China's rare-earth
export quotas 2010-2014 and export duties 2006-2015, their removal in 2015, and the WTO disputes
over them, pinned on the day before, of and after each boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from domain.application import Regimes
from projections.answers import Knowledge
from projections.flows import FlowQuery
from projections.queries import RegimeReader
from regimes.bundled import bundled_batch
from store.locations import MAPPER_ENV
from tests.commands import answered
from tests.samples import RECORDED_AT

DUTY = "cn-ree-w-mo-export-duty"
Q2010 = "cn-ree-export-quota-2010"
Q2011 = "cn-ree-export-quota-2011"
Q2012 = "cn-ree-export-quota-2012"
Q2013 = "cn-ree-export-quota-2013"
Q2014 = "cn-ree-export-quota-2014"
LICENCE = "cn-ree-export-licence-2015"
ADOPTED = "wto-2014-ds431-433-reports-adopted"


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegimeReader]:
    path = tmp_path_factory.mktemp("quotas") / "store.db"
    app = Regimes(
        env={**MAPPER_ENV, "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    )
    app.append(bundled_batch(), RECORDED_AT)
    reader = RegimeReader(app)
    yield reader
    reader.close()
    app.close()


@pytest.fixture(scope="module")
def store(bundled_module_store: str) -> str:
    return bundled_module_store


PINNED = [
    # item, from, to, date, level, in force, pending
    # the duty (2006-12-07), from the earliest day the research shows it in force
    ("La", "CN", "JP", "2006-12-06", "none", [], []),
    ("La", "CN", "JP", "2006-12-07", "duty", [DUTY], []),
    ("La", "CN", "JP", "2006-12-08", "duty", [DUTY], []),
    # the 2010 quota (a calendar-year quota)
    ("La", "CN", "JP", "2009-12-31", "duty", [DUTY], []),
    ("La", "CN", "JP", "2010-01-01", "quota", [Q2010, DUTY], []),
    ("La", "CN", "JP", "2010-01-02", "quota", [Q2010, DUTY], []),
    # 2011: the duty increase (amendment) and the next year's quota
    ("La", "CN", "JP", "2010-12-31", "quota", [Q2010, DUTY], [Q2011]),
    ("La", "CN", "JP", "2011-01-01", "quota", [Q2011, DUTY], []),
    ("La", "CN", "JP", "2011-01-02", "quota", [Q2011, DUTY], []),
    # rare-earth ferroalloys under the quota from 20 May 2011 (a derived date)
    ("rare-earth-ferroalloys", "CN", "JP", "2011-05-19", "none", [], []),
    ("rare-earth-ferroalloys", "CN", "JP", "2011-05-20", "quota", [Q2011], []),
    ("rare-earth-ferroalloys", "CN", "JP", "2011-05-21", "quota", [Q2011], []),
    ("rare-earth-ferroalloys", "CN", "JP", "2012-01-01", "quota", [Q2012], []),
    # 2012
    ("La", "CN", "JP", "2011-12-31", "quota", [Q2011, DUTY], [Q2012]),
    ("La", "CN", "JP", "2012-01-01", "quota", [Q2012, DUTY], []),
    ("La", "CN", "JP", "2012-01-02", "quota", [Q2012, DUTY], []),
    ("La", "CN", "JP", "2012-06-01", "quota", [Q2012, DUTY], []),
    # 2013 (its announcement is dated after its effect: no pending phase)
    ("La", "CN", "JP", "2012-12-31", "quota", [Q2012, DUTY], []),
    ("La", "CN", "JP", "2013-01-01", "quota", [Q2013, DUTY], []),
    ("La", "CN", "JP", "2013-01-02", "quota", [Q2013, DUTY], []),
    # 2014, announced 13 Dec 2013
    ("La", "CN", "JP", "2013-12-12", "quota", [Q2013, DUTY], []),
    ("La", "CN", "JP", "2013-12-13", "quota", [Q2013, DUTY], [Q2014]),
    ("La", "CN", "JP", "2013-12-31", "quota", [Q2013, DUTY], [Q2014]),
    ("La", "CN", "JP", "2014-01-01", "quota", [Q2014, DUTY], []),
    ("La", "CN", "JP", "2014-01-02", "quota", [Q2014, DUTY], []),
    # quotas abolished 1 Jan 2015 (announced 31 Dec 2014); a licence still required
    ("La", "CN", "JP", "2014-12-30", "quota", [Q2014, DUTY], []),
    ("La", "CN", "JP", "2014-12-31", "quota", [Q2014, DUTY], [LICENCE]),
    ("La", "CN", "JP", "2015-01-01", "licence_required", [LICENCE, DUTY], []),
    ("La", "CN", "JP", "2015-01-02", "licence_required", [LICENCE, DUTY], []),
    # duties abolished 1 May 2015 (announced 23 Apr 2015)
    ("La", "CN", "JP", "2015-04-30", "licence_required", [LICENCE, DUTY], []),
    ("La", "CN", "JP", "2015-05-01", "licence_required", [LICENCE], []),
    ("La", "CN", "JP", "2015-05-02", "licence_required", [LICENCE], []),
    # the 2015 catalogue's year ends: the research dates the licence no further
    ("La", "CN", "JP", "2015-12-31", "licence_required", [LICENCE], []),
    ("La", "CN", "JP", "2016-01-01", "none", [], []),
    ("La", "CN", "JP", "2016-01-02", "none", [], []),
    # tungsten and molybdenum: the duty only (their quotas are undated in the research)
    ("W", "CN", "US", "2012-06-01", "duty", [DUTY], []),
    ("W", "CN", "US", "2015-04-30", "duty", [DUTY], []),
    ("W", "CN", "US", "2015-05-01", "none", [], []),
    ("Mo", "CN", "DE", "2006-12-06", "none", [], []),
    ("Mo", "CN", "DE", "2006-12-07", "duty", [DUTY], []),
    ("Mo", "CN", "DE", "2015-05-01", "none", [], []),
    # the 2010 quota beside the de-facto halt to Japan
    ("La", "CN", "JP", "2010-09-21", "ban", ["cn-2010-rare-earth-halt-japan", Q2010, DUTY], []),
    ("La", "CN", "JP", "2010-11-19", "quota", [Q2010, DUTY], []),
]


@pytest.mark.parametrize(
    ("item", "exporter", "importer", "day", "level", "in_force", "pending"),
    PINNED,
    ids=[f"{row[0]}-{row[1]}-{row[2]}-{row[3]}" for row in PINNED],
)
def test_pinned_answers(
    reader: RegimeReader,
    item: str,
    exporter: str,
    importer: str,
    day: str,
    level: str,
    in_force: list[str],
    pending: list[str],
) -> None:
    answer = reader.as_of(date.fromisoformat(day), FlowQuery((item,), exporter, importer))
    [flow] = answer.flows
    assert flow.level.name == level
    assert sorted(entry.measure for entry in flow.in_force) == sorted(in_force)
    assert [entry.measure for entry in flow.suspended] == []
    assert sorted(entry.measure for entry in flow.pending) == sorted(pending)


def test_the_announced_liftings_are_scheduled_before_they_take_effect(
    reader: RegimeReader,
) -> None:
    def scheduled(day: str, measure: str) -> list[tuple[str, str, str]]:
        [flow] = reader.as_of(date.fromisoformat(day), FlowQuery(("La",), "CN", "JP")).flows
        entry = next(entry for entry in flow.in_force if entry.measure == measure)
        return [(s["type"], s["announced_on"], s["effective_on"]) for s in entry.scheduled]

    assert scheduled("2014-12-30", Q2014) == []
    assert scheduled("2014-12-31", Q2014) == [("lifted", "2014-12-31", "2015-01-01")]
    assert scheduled("2015-04-22", DUTY) == []
    assert scheduled("2015-04-23", DUTY) == [("lifted", "2015-04-23", "2015-05-01")]
    assert scheduled("2010-12-13", DUTY) == []
    assert scheduled("2010-12-14", DUTY) == [("amended", "2010-12-14", "2011-01-01")]


def test_what_was_known_before_the_2012_quota_was_announced(reader: RegimeReader) -> None:
    """Known at 26 Dec 2011, 1 Jun 2012 had no quota yet (the 2011 quota runs to the end of
    2011); known a day later, the 2012 quota."""
    query = FlowQuery(("La",), "CN", "JP")
    day = date(2012, 6, 1)
    [then] = reader.as_of(day, query, Knowledge(date(2011, 12, 26))).flows
    assert (then.level.name, [e.measure for e in then.in_force]) == ("duty", [DUTY])
    [later] = reader.as_of(day, query, Knowledge(date(2011, 12, 27))).flows
    assert later.level.name == "quota"
    assert {e.measure for e in later.in_force} == {Q2012, DUTY}


def test_as_of_on_the_command_line_before_and_after_the_2015_removal(store: str) -> None:
    asked = ("-e", "La", "--from", "CN", "--to", "JP")
    [before] = answered(store, "as-of", "2012-06-01", *asked)["flows"]
    assert before["level"] == "quota"
    assert {s["measure"] for s in before["in_force"]} == {Q2012, DUTY}
    [after] = answered(store, "as-of", "2015-06-01", *asked)["flows"]
    assert after["level"] == "licence_required"
    assert [s["measure"] for s in after["in_force"]] == [LICENCE]


#: The DS431-433 chain, each step responding to the one before, back to the measures.
CHAIN = {
    ADOPTED: ["wto-2014-ds431-433-appellate-report"],
    "wto-2014-ds431-433-appellate-report": ["cn-2014-wto-ds431-433-appeal"],
    "cn-2014-wto-ds431-433-appeal": ["wto-2014-ds431-433-panel-report"],
    "wto-2014-ds431-433-panel-report": ["wto-2012-ds431-433-panel-established"],
    "wto-2012-ds431-433-panel-established": [
        "us-2012-wto-ds431-panel-request",
        "eu-2012-wto-ds432-panel-request",
        "jp-2012-wto-ds433-panel-request",
        "cn-2012-wto-ds431-433-panel-blocked",
    ],
    "cn-2012-wto-ds431-433-panel-blocked": [
        "us-2012-wto-ds431-panel-request",
        "eu-2012-wto-ds432-panel-request",
        "jp-2012-wto-ds433-panel-request",
    ],
    "us-2012-wto-ds431-panel-request": ["us-2012-wto-ds431-consultations"],
    "eu-2012-wto-ds432-panel-request": ["eu-2012-wto-ds432-consultations"],
    "jp-2012-wto-ds433-panel-request": ["jp-2012-wto-ds433-consultations"],
    "us-2012-wto-ds431-consultations": [Q2012, DUTY],
    "eu-2012-wto-ds432-consultations": [Q2012, DUTY],
    "jp-2012-wto-ds433-consultations": [Q2012, DUTY],
}


def test_the_timeline_shows_the_wto_steps_the_removals_answer(store: str) -> None:
    answer = answered(store, "timeline", "-e", "La", "--from", "CN", "--to", "JP", "--actions")
    causes = {
        (change["date"], measure["measure"], measure["cause"])
        for change in answer["changes"]
        for measure in change["measures"]
    }
    assert ("2015-01-01", Q2014, "lifted") in causes
    assert ("2015-05-01", DUTY, "lifted") in causes
    assert ("2011-01-01", DUTY, "amended") in causes
    assert ("2016-01-01", LICENCE, "expired") in causes
    actions = {action["action"]: action for action in answer["actions"]}
    assert actions[ADOPTED]["issuer"] == "@wto"
    assert actions[ADOPTED]["occurred_on"] == "2014-08-29"
    # the whole chain, back to the complaints (each step answers the one before), and none
    # of the raw-materials case, which no measure here answers
    assert not [name for name in actions if "ds394" in name]
    assert {name for name in actions if "ds43" in name} == set(CHAIN)
    assert [action["occurred_on"] for action in answer["actions"]] == sorted(
        action["occurred_on"] for action in answer["actions"]
    )


def test_each_wto_step_responds_to_the_one_before(store: str) -> None:
    issuers = {}
    for action, answers in CHAIN.items():
        [record] = [r["record"] for r in answered(store, "show", action)["records"]]
        assert record["responds_to"] == answers, action
        issuers[action] = (record["issuer"], record["occurred_on"])
    assert issuers["us-2012-wto-ds431-consultations"] == ("US", "2012-03-13")
    assert issuers["eu-2012-wto-ds432-consultations"] == ("@eu", "2012-03-13")
    assert issuers["jp-2012-wto-ds433-consultations"] == ("JP", "2012-03-13")
    assert issuers["cn-2014-wto-ds431-433-appeal"] == ("CN", "2014-04-25")
    assert issuers["wto-2012-ds431-433-panel-established"] == ("@wto", "2012-07-23")
    assert issuers["wto-2014-ds431-433-panel-report"] == ("@wto", "2014-03-26")
    assert issuers["wto-2014-ds431-433-appellate-report"] == ("@wto", "2014-08-07")
    lifted = answered(store, "show", Q2014)["records"][-1]["record"]
    assert (lifted["type"], lifted["responds_to"]) == ("measure_lifted", [ADOPTED])


def test_the_raw_materials_dispute_is_a_chain_of_its_own(store: str) -> None:
    chain = [
        ("wto-2012-ds394-398-reports-adopted", "@wto", "2012-02-22"),
        ("wto-2012-ds394-398-appellate-report", "@wto", "2012-01-30"),
        ("wto-2011-ds394-398-panel-report", "@wto", "2011-07-05"),
        ("wto-2009-ds394-398-panel-established", "@wto", "2009-12-21"),
        ("us-2009-wto-ds394-panel-request", "US", "2009-11-04"),
        ("us-2009-wto-ds394-consultations", "US", "2009-06-23"),
    ]
    for (action, issuer, day), following in zip(chain, [*chain[1:], None], strict=True):
        [record] = [r["record"] for r in answered(store, "show", action)["records"]]
        assert (record["issuer"], record["occurred_on"]) == (issuer, day)
        assert record.get("responds_to") == ([following[0]] if following else None)
    found = answered(store, "search", "DS398")
    assert "mx-2009-wto-ds398-consultations" in {hit["id"] for hit in found["results"]}

"""Scenario tables: a flow's regime on the day before, of and after each boundary (docs/time.md §3,
docs/output.md §2).

Every answer is computed twice, by the pure fold (the reference) and by the persisted view of a
SQLite store through `RegimeReader.as_of`; the two must agree before the expected level and the
measures in force, suspended and pending are checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple, cast

import pytest

from domain.application import Regimes
from domain.events import RecordedEvent
from projections.answers import Knowledge
from projections.flows import FlowQuery
from projections.fold import regimes_as_of
from projections.queries import RegimeReader
from store.locations import MAPPER_ENV
from tests.samples import RECORDED_AT, batch, follow_up, imposed

Record = dict[str, Any]
FlowKey = tuple[str, str, str]

LICENCE = "cn-mofcom-2025-18"  # the samples' licence requirement on Dy to every country
DY_CN_JP: FlowKey = ("Dy", "CN", "JP")
ONE_DAY = timedelta(days=1)
ONE_MICROSECOND = timedelta(microseconds=1)
TOKYO = timezone(timedelta(hours=9))


# -- answering through both the fold and the view ---------------------------------------------


def logged_events(app: Regimes) -> list[tuple[int, RecordedEvent]]:
    """The whole log as (position, event) pairs, the input of the pure fold."""
    return [
        (notification.id, cast(RecordedEvent, app.mapper.to_domain_event(notification)))
        for notification in app.recorder.select_notifications(start=1, limit=10**6)
    ]


def position_known_at(
    log: Sequence[tuple[int, RecordedEvent]], known_at: datetime | None
) -> int | None:
    """The last position recorded at or before `known_at` (None: everything recorded)."""
    if known_at is None:
        return None
    return max((position for position, event in log if event.timestamp <= known_at), default=0)


def as_of(
    app: Regimes, day: date, query: FlowQuery, known_at: datetime | None = None
) -> dict[str, Any]:
    """The view's JSON answer, once the fold has been seen to give the same flows."""
    log = logged_events(app)
    folded = regimes_as_of(log, day, query, position_known_at(log, known_at))
    answer = RegimeReader(app).as_of(day, query, Knowledge(recorded_at=known_at)).to_json()
    assert answer["flows"] == [flow.to_json() for flow in folded]
    for listing, statuses in (
        ("in_force", {"in_force"}),
        ("suspended", {"suspended"}),
        ("pending", {"announced", "reported"}),
    ):
        for flow in answer["flows"]:
            assert {summary["status"] for summary in flow[listing]} <= statuses
    return answer


def record(app: Regimes, records: Sequence[Record], recorded_at: datetime = RECORDED_AT) -> None:
    """Appends `records` as one batch recorded at `recorded_at`."""
    app.append(batch(*records), recorded_at)


def query_of(flow: FlowKey) -> FlowQuery:
    item, exporter, importer = flow
    return FlowQuery((item,), exporter, importer)


@dataclass(frozen=True)
class Standing:
    """What one flow shows on one date: its level and which measures stand how on it."""

    level: str
    in_force: tuple[str, ...] = ()
    suspended: tuple[str, ...] = ()
    pending: tuple[tuple[str, str], ...] = ()  # (measure, status)

    @classmethod
    def of(cls, flow: dict[str, Any]) -> Standing:
        return cls(
            flow["level"],
            tuple(summary["measure"] for summary in flow["in_force"]),
            tuple(summary["measure"] for summary in flow["suspended"]),
            tuple((summary["measure"], summary["status"]) for summary in flow["pending"]),
        )


NOTHING = Standing("none")


def standing(answer: dict[str, Any], flow: FlowKey) -> Standing:
    """The standing of `flow` in an answer that asked about exactly that flow."""
    item, exporter, importer = flow
    [listed] = answer["flows"]
    assert (listed["item"], listed["from"], listed["to"]) == (item, exporter, importer)
    return Standing.of(listed)


def in_force(level: str, *measures: str) -> Standing:
    return Standing(level, in_force=measures)


def suspended(*measures: str) -> Standing:
    return Standing("none", suspended=measures)


def announced(*measures: str) -> Standing:
    return Standing("none", pending=tuple((measure, "announced") for measure in measures))


def reported(*measures: str) -> Standing:
    return Standing("none", pending=tuple((measure, "reported") for measure in measures))


# -- the valid-time scenario table ------------------------------------------------------------


class Case(NamedTuple):
    id: str
    records: tuple[Record, ...]
    flow: FlowKey
    day: date
    expected: Standing


def around(
    name: str,
    records: Sequence[Record],
    boundary: str,
    before: Standing,
    on: Standing,
    after: Standing,
    flow: FlowKey = DY_CN_JP,
) -> list[Case]:
    """Three cases: the day before `boundary`, the day itself and the day after."""
    day = date.fromisoformat(boundary)
    return [
        Case(f"{name}-{label}", tuple(records), flow, day + offset * ONE_DAY, expected)
        for label, offset, expected in (
            ("day-before", -1, before),
            ("day-of", 0, on),
            ("day-after", 1, after),
        )
    ]


LICENCE_ANNOUNCED_EARLY = imposed(announced_on="2025-04-04", effective_on="2025-05-01")
LICENCE_NOW = imposed()  # announced and effective on 2025-04-04
SUSPENDED_OPEN = follow_up("measure_suspended", effective_on="2025-06-01")
SUSPENDED_UNTIL = follow_up("measure_suspended", effective_on="2025-06-01", until="2025-09-01")
RESUMED_EARLY = follow_up("measure_resumed", effective_on="2025-07-15")
LIFTED = follow_up("measure_lifted", effective_on="2025-12-01")
HO_ADDED = follow_up("measure_amended", effective_on="2025-10-09", items=["Dy", "Ho"])
SUNSET = imposed(until="2025-11-10")
REPORTED_BAN = imposed(
    "cn-ban-reported",
    kind="export_ban",
    certainty="reported",
    announced_on="2025-08-01",
    effective_on="2025-09-01",
)
EMBARGO = imposed(
    "cn-embargo",
    kind="de_facto_embargo",
    certainty="de_facto",
    announced_on="2025-10-01",
    effective_on="2025-10-01",
)
SUSPENDED_BEFORE_EFFECT = follow_up(
    "measure_suspended", effective_on="2025-04-20", until="2025-06-01"
)
SUSPENDED_ONLY_BEFORE_EFFECT = follow_up(
    "measure_suspended", effective_on="2025-04-20", until="2025-04-25"
)
MILITARY_BAN = imposed(
    "cn-military-ban",
    kind="export_ban",
    end_users="military",
    destinations=["JP"],
    announced_on="2025-07-01",
    effective_on="2025-07-01",
)
DCS_INVESTIGATION = imposed(
    "cn-mofcom-2025-ad-dcs",
    issuer="CN",
    direction="import",
    kind="anti_dumping_investigation",
    items=["dichlorosilane"],
    destinations=None,
    origins=["JP"],
    announced_on="2025-09-13",
    effective_on="2025-09-13",
)
RETROACTIVE = imposed(announced_on="2025-05-01", effective_on="2025-04-01")
SUSPENSION_EXTENDED = follow_up("measure_suspended", effective_on="2025-06-20", until="2025-08-01")
SUSPENDED_SHORT = follow_up("measure_suspended", effective_on="2025-06-01", until="2025-07-01")
REPORTED_ENACTED = follow_up(
    "measure_amended", "cn-ban-reported", effective_on="2025-10-01", certainty="in_force"
)
SUNSET_EXTENDED = follow_up("measure_amended", effective_on="2025-10-01", until="2026-01-01")
GENERAL_LICENCE = imposed(
    "cn-general-licence",
    kind="general_licence",
    announced_on="2025-08-01",
    effective_on="2025-08-01",
)

LICENSED = in_force("licence_required", LICENCE)
LICENSED_AND_REPORTED = Standing(
    "licence_required", in_force=(LICENCE,), pending=(("cn-ban-reported", "reported"),)
)

CASES: list[Case] = [
    *around(
        "announced-not-effective",
        [LICENCE_ANNOUNCED_EARLY],
        "2025-04-04",
        NOTHING,
        announced(LICENCE),
        announced(LICENCE),
    ),
    *around(
        "effective", [LICENCE_ANNOUNCED_EARLY], "2025-05-01", announced(LICENCE), LICENSED, LICENSED
    ),
    *around(
        "suspension-start",
        [LICENCE_NOW, SUSPENDED_OPEN],
        "2025-06-01",
        LICENSED,
        suspended(LICENCE),
        suspended(LICENCE),
    ),
    *around(
        "suspension-until-resumes-by-itself",
        [LICENCE_NOW, SUSPENDED_UNTIL],
        "2025-09-01",
        suspended(LICENCE),
        LICENSED,
        LICENSED,
    ),
    *around(
        "early-resume",
        [LICENCE_NOW, SUSPENDED_UNTIL, RESUMED_EARLY],
        "2025-07-15",
        suspended(LICENCE),
        LICENSED,
        LICENSED,
    ),
    *around(
        "early-resume-stays-in-force-past-until",
        [LICENCE_NOW, SUSPENDED_UNTIL, RESUMED_EARLY],
        "2025-09-01",
        LICENSED,
        LICENSED,
        LICENSED,
    ),
    *around(
        "retroactive-effect-has-no-pending-phase",
        [RETROACTIVE],
        "2025-04-01",
        NOTHING,
        LICENSED,
        LICENSED,
    ),
    *around(
        "retroactive-effect-announced", [RETROACTIVE], "2025-05-01", LICENSED, LICENSED, LICENSED
    ),
    *around(
        "overlapping-suspension-extends",
        [LICENCE_NOW, SUSPENDED_SHORT, SUSPENSION_EXTENDED],
        "2025-07-01",
        suspended(LICENCE),
        suspended(LICENCE),
        suspended(LICENCE),
    ),
    *around(
        "overlapping-suspension-ends",
        [LICENCE_NOW, SUSPENDED_SHORT, SUSPENSION_EXTENDED],
        "2025-08-01",
        suspended(LICENCE),
        LICENSED,
        LICENSED,
    ),
    *around("lifting", [LICENCE_NOW, LIFTED], "2025-12-01", LICENSED, NOTHING, NOTHING),
    *around(
        "amendment-adds-item",
        [LICENCE_NOW, HO_ADDED],
        "2025-10-09",
        NOTHING,
        LICENSED,
        LICENSED,
        flow=("Ho", "CN", "JP"),
    ),
    *around(
        "amendment-keeps-earlier-item",
        [LICENCE_NOW, HO_ADDED],
        "2025-10-09",
        LICENSED,
        LICENSED,
        LICENSED,
    ),
    *around(
        "reported-announced",
        [REPORTED_BAN],
        "2025-08-01",
        NOTHING,
        reported("cn-ban-reported"),
        reported("cn-ban-reported"),
    ),
    *around(
        "reported-never-raises-level",
        [REPORTED_BAN],
        "2025-09-01",
        reported("cn-ban-reported"),
        reported("cn-ban-reported"),
        reported("cn-ban-reported"),
    ),
    *around(
        "reported-beside-licence",
        [LICENCE_NOW, REPORTED_BAN],
        "2025-09-01",
        LICENSED_AND_REPORTED,
        LICENSED_AND_REPORTED,
        LICENSED_AND_REPORTED,
    ),
    *around(
        "reported-enacted-by-amendment",
        [REPORTED_BAN, REPORTED_ENACTED],
        "2025-10-01",
        reported("cn-ban-reported"),
        in_force("ban", "cn-ban-reported"),
        in_force("ban", "cn-ban-reported"),
    ),
    *around(
        "general-licence-is-listed-but-never-raises",
        [GENERAL_LICENCE],
        "2025-08-01",
        NOTHING,
        in_force("none", "cn-general-licence"),
        in_force("none", "cn-general-licence"),
    ),
    *around(
        "general-licence-beside-licence",
        [LICENCE_NOW, GENERAL_LICENCE],
        "2025-08-01",
        LICENSED,
        in_force("licence_required", LICENCE, "cn-general-licence"),
        in_force("licence_required", LICENCE, "cn-general-licence"),
    ),
    *around(
        "de-facto-embargo-is-a-ban",
        [EMBARGO],
        "2025-10-01",
        NOTHING,
        in_force("ban", "cn-embargo"),
        in_force("ban", "cn-embargo"),
    ),
    *around(
        "suspended-before-effective-start",
        [LICENCE_ANNOUNCED_EARLY, SUSPENDED_BEFORE_EFFECT],
        "2025-04-20",
        announced(LICENCE),
        suspended(LICENCE),
        suspended(LICENCE),
    ),
    *around(
        "suspended-before-effective-over-effective-date",
        [LICENCE_ANNOUNCED_EARLY, SUSPENDED_BEFORE_EFFECT],
        "2025-05-01",
        suspended(LICENCE),
        suspended(LICENCE),
        suspended(LICENCE),
    ),
    *around(
        "suspended-before-effective-resumes",
        [LICENCE_ANNOUNCED_EARLY, SUSPENDED_BEFORE_EFFECT],
        "2025-06-01",
        suspended(LICENCE),
        LICENSED,
        LICENSED,
    ),
    *around(
        "suspension-ending-before-effective-date",
        [LICENCE_ANNOUNCED_EARLY, SUSPENDED_ONLY_BEFORE_EFFECT],
        "2025-04-25",
        suspended(LICENCE),
        announced(LICENCE),
        announced(LICENCE),
    ),
    *around("sunset-until-ends-measure", [SUNSET], "2025-11-10", LICENSED, NOTHING, NOTHING),
    *around(
        "sunset-extended-by-amendment",
        [SUNSET, SUNSET_EXTENDED],
        "2025-11-10",
        LICENSED,
        LICENSED,
        LICENSED,
    ),
    *around(
        "sunset-extended-by-amendment-ends",
        [SUNSET, SUNSET_EXTENDED],
        "2026-01-01",
        LICENSED,
        NOTHING,
        NOTHING,
    ),
    *around(
        "end-user-ban-on-top-of-worldwide-rule",
        [LICENCE_NOW, MILITARY_BAN],
        "2025-07-01",
        LICENSED,
        in_force("end_user_ban", "cn-military-ban", LICENCE),
        in_force("end_user_ban", "cn-military-ban", LICENCE),
    ),
    *around(
        "end-user-ban-elsewhere-leaves-worldwide-rule",
        [LICENCE_NOW, MILITARY_BAN],
        "2025-07-01",
        LICENSED,
        LICENSED,
        LICENSED,
        flow=("Dy", "CN", "KR"),
    ),
    *around(
        "import-anti-dumping-investigation",
        [DCS_INVESTIGATION],
        "2025-09-13",
        NOTHING,
        in_force("monitoring", "cn-mofcom-2025-ad-dcs"),
        in_force("monitoring", "cn-mofcom-2025-ad-dcs"),
        flow=("dichlorosilane", "JP", "CN"),
    ),
    *around(
        "import-measure-does-not-apply-to-the-reverse-flow",
        [DCS_INVESTIGATION],
        "2025-09-13",
        NOTHING,
        NOTHING,
        NOTHING,
        flow=("dichlorosilane", "CN", "JP"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_regime_on_each_side_of_a_boundary_is_as_the_rules_say(
    sqlite_app: Regimes, case: Case
) -> None:
    record(sqlite_app, case.records)
    answer = as_of(sqlite_app, case.day, query_of(case.flow))
    assert standing(answer, case.flow) == case.expected


# -- details of single scenarios --------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "day", "resumes_on"),
    [
        ([LICENCE_NOW, SUSPENDED_OPEN], "2025-06-01", None),
        ([LICENCE_NOW, SUSPENDED_UNTIL], "2025-08-31", "2025-09-01"),
        ([LICENCE_NOW, SUSPENDED_UNTIL, RESUMED_EARLY], "2025-07-14", "2025-07-15"),
    ],
    ids=["open-ended", "until", "resumed-early"],
)
def test_a_suspended_measure_says_when_it_resumes(
    sqlite_app: Regimes, records: list[Record], day: str, resumes_on: str | None
) -> None:
    record(sqlite_app, records)
    answer = as_of(sqlite_app, date.fromisoformat(day), query_of(DY_CN_JP))
    [summary] = answer["flows"][0]["suspended"]
    assert summary["suspended_until"] == resumes_on


@pytest.mark.parametrize(
    ("records", "day"),
    [
        ([LICENCE_NOW, SUSPENDED_SHORT, SUSPENSION_EXTENDED], "2025-06-25"),
        ([LICENCE_NOW, SUSPENSION_EXTENDED, SUSPENDED_SHORT], "2025-06-25"),
        ([LICENCE_NOW, SUSPENDED_SHORT, SUSPENSION_EXTENDED], "2025-07-15"),
    ],
    ids=["extension-recorded-last", "extension-recorded-first", "after-the-first-until"],
)
def test_an_extended_suspension_says_it_resumes_when_the_extension_ends(
    sqlite_app: Regimes, records: list[Record], day: str
) -> None:
    record(sqlite_app, records)
    answer = as_of(sqlite_app, date.fromisoformat(day), query_of(DY_CN_JP))
    [summary] = answer["flows"][0]["suspended"]
    assert summary["suspended_until"] == "2025-08-01"


def test_the_order_overlapping_suspensions_were_recorded_in_does_not_change_the_answer(
    sqlite_app: Regimes, tmp_path: Path
) -> None:
    first = follow_up(
        "measure_suspended",
        effective_on="2025-06-01",
        until="2025-07-01",
        document="MOFCOM No. 46 of 2025",
    )
    extension = follow_up(
        "measure_suspended",
        effective_on="2025-06-20",
        until="2025-08-01",
        document="MOFCOM No. 70 of 2025",
    )
    record(sqlite_app, [LICENCE_NOW, first, extension])
    other = Regimes(
        env={
            **MAPPER_ENV,
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "other.db"),
        }
    )
    try:
        record(other, [LICENCE_NOW, extension, first])
        for day in ("2025-06-19", "2025-06-20", "2025-06-30", "2025-07-01"):
            on = date.fromisoformat(day)
            reordered = as_of(other, on, query_of(DY_CN_JP))["flows"]
            assert reordered == as_of(sqlite_app, on, query_of(DY_CN_JP))["flows"]
    finally:
        other.close()


def test_a_measure_that_is_not_shown_leaves_no_flow_when_the_query_is_open(
    sqlite_app: Regimes,
) -> None:
    record(sqlite_app, [LICENCE_NOW, LIFTED])
    assert as_of(sqlite_app, date(2025, 12, 1), FlowQuery(("Dy",), "CN"))["flows"] == []


# -- record time: corrections and retractions -------------------------------------------------

FIRST_RECORDED = RECORDED_AT
LATER_RECORDED = RECORDED_AT + timedelta(days=30)
EFFECTIVE_CORRECTED = follow_up(
    "measure_corrected",
    fields={"effective_on": "2025-06-01"},
    reason="the announcement takes effect on 1 June",
)
RETRACTED = follow_up("measure_retracted", reason="recorded from a hoax")

#: known_at on each side of the second append (None: everything recorded).
KNOWN_AT: dict[str, datetime | None] = {
    "known-before-anything": FIRST_RECORDED - ONE_DAY,
    "known-at-first-append": FIRST_RECORDED,
    "known-just-before-second-append": LATER_RECORDED - ONE_MICROSECOND,
    "known-at-second-append": LATER_RECORDED,
    "known-after-second-append": LATER_RECORDED + ONE_DAY,
    "known-now": None,
    "known-just-before-second-append-in-tokyo-time": (LATER_RECORDED - ONE_MICROSECOND).astimezone(
        TOKYO
    ),
    "known-at-second-append-in-tokyo-time": LATER_RECORDED.astimezone(TOKYO),
}
OLD_BELIEF = (
    "known-at-first-append",
    "known-just-before-second-append",
    "known-just-before-second-append-in-tokyo-time",
)
NEW_BELIEF = (
    "known-at-second-append",
    "known-after-second-append",
    "known-now",
    "known-at-second-append-in-tokyo-time",
)


class RecordTimeCase(NamedTuple):
    id: str
    known_at: datetime | None
    day: date
    expected: Standing


def record_time_cases(beliefs: dict[tuple[str, ...], dict[str, Standing]]) -> list[RecordTimeCase]:
    return [
        RecordTimeCase(f"{known}-{day}", KNOWN_AT[known], date.fromisoformat(day), expected)
        for knowns, by_day in beliefs.items()
        for known in knowns
        for day, expected in by_day.items()
    ]


CORRECTION_CASES = record_time_cases(
    {
        ("known-before-anything",): {"2025-05-01": NOTHING, "2025-06-01": NOTHING},
        OLD_BELIEF: {
            "2025-04-30": announced(LICENCE),
            "2025-05-01": LICENSED,
            "2025-05-02": LICENSED,
            "2025-05-31": LICENSED,
            "2025-06-01": LICENSED,
            "2025-06-02": LICENSED,
        },
        NEW_BELIEF: {
            "2025-04-30": announced(LICENCE),
            "2025-05-01": announced(LICENCE),
            "2025-05-02": announced(LICENCE),
            "2025-05-31": announced(LICENCE),
            "2025-06-01": LICENSED,
            "2025-06-02": LICENSED,
        },
    }
)


@pytest.mark.parametrize("case", CORRECTION_CASES, ids=[case.id for case in CORRECTION_CASES])
def test_a_corrected_effective_date_applies_from_its_record_time_on(
    sqlite_app: Regimes, case: RecordTimeCase
) -> None:
    record(sqlite_app, [LICENCE_ANNOUNCED_EARLY], FIRST_RECORDED)
    record(sqlite_app, [EFFECTIVE_CORRECTED], LATER_RECORDED)
    answer = as_of(sqlite_app, case.day, query_of(DY_CN_JP), case.known_at)
    assert standing(answer, DY_CN_JP) == case.expected


class CorrectionCase(NamedTuple):
    imposition: Record
    fields: Record
    day: str
    old: Standing
    new: Standing


CORRECTIONS: dict[str, CorrectionCase] = {
    "items": CorrectionCase(LICENCE_NOW, {"items": ["Tb"]}, "2025-07-01", LICENSED, NOTHING),
    "effective_on": CorrectionCase(
        LICENCE_NOW, {"effective_on": "2025-08-01"}, "2025-07-01", LICENSED, announced(LICENCE)
    ),
    "kind": CorrectionCase(
        LICENCE_NOW, {"kind": "export_ban"}, "2025-07-01", LICENSED, in_force("ban", LICENCE)
    ),
    "certainty": CorrectionCase(
        REPORTED_BAN,
        {"certainty": "in_force"},
        "2025-09-15",
        reported("cn-ban-reported"),
        in_force("ban", "cn-ban-reported"),
    ),
    "until": CorrectionCase(LICENCE_NOW, {"until": "2025-06-01"}, "2025-07-01", LICENSED, NOTHING),
    "destinations": CorrectionCase(
        LICENCE_NOW, {"destinations": ["KR"]}, "2025-07-01", LICENSED, NOTHING
    ),
    "end_users": CorrectionCase(
        imposed(kind="export_ban"),
        {"end_users": "military"},
        "2025-07-01",
        in_force("ban", LICENCE),
        in_force("end_user_ban", LICENCE),
    ),
}


@pytest.mark.parametrize("case", list(CORRECTIONS.values()), ids=list(CORRECTIONS))
def test_a_correction_of_any_term_applies_from_its_record_time_on(
    sqlite_app: Regimes, case: CorrectionCase
) -> None:
    record(sqlite_app, [case.imposition], FIRST_RECORDED)
    correction = follow_up(
        "measure_corrected",
        case.imposition["measure"],
        fields=case.fields,
        reason="we had it wrong",
    )
    record(sqlite_app, [correction], LATER_RECORDED)
    day = date.fromisoformat(case.day)
    before = as_of(sqlite_app, day, query_of(DY_CN_JP), LATER_RECORDED - ONE_MICROSECOND)
    after = as_of(sqlite_app, day, query_of(DY_CN_JP))
    assert (standing(before, DY_CN_JP), standing(after, DY_CN_JP)) == (case.old, case.new)


RETRACTION_CASES = record_time_cases(
    {
        ("known-before-anything",): {"2025-04-04": NOTHING, "2025-04-05": NOTHING},
        OLD_BELIEF: {"2025-04-03": NOTHING, "2025-04-04": LICENSED, "2025-04-05": LICENSED},
        NEW_BELIEF: {"2025-04-03": NOTHING, "2025-04-04": NOTHING, "2025-04-05": NOTHING},
    }
)


@pytest.mark.parametrize("case", RETRACTION_CASES, ids=[case.id for case in RETRACTION_CASES])
def test_a_retracted_measure_is_gone_but_visible_as_known_before_the_retraction(
    sqlite_app: Regimes, case: RecordTimeCase
) -> None:
    record(sqlite_app, [LICENCE_NOW], FIRST_RECORDED)
    record(sqlite_app, [RETRACTED], LATER_RECORDED)
    answer = as_of(sqlite_app, case.day, query_of(DY_CN_JP), case.known_at)
    assert standing(answer, DY_CN_JP) == case.expected


@pytest.mark.parametrize(
    ("known", "position"),
    [
        ("known-before-anything", 0),
        ("known-at-first-append", 1),
        ("known-just-before-second-append", 1),
        ("known-at-second-append", 3),
        ("known-after-second-append", 3),
        ("known-now", 3),
    ],
    ids=[
        "known-before-anything",
        "known-at-first-append",
        "known-just-before-second-append",
        "known-at-second-append",
        "known-after-second-append",
        "known-now",
    ],
)
def test_position_is_the_last_log_position_the_answer_reflects(
    sqlite_app: Regimes, known: str, position: int
) -> None:
    record(sqlite_app, [LICENCE_NOW], FIRST_RECORDED)
    record(sqlite_app, [MILITARY_BAN, SUSPENDED_OPEN], LATER_RECORDED)
    answer = as_of(sqlite_app, date(2025, 7, 1), query_of(DY_CN_JP), KNOWN_AT[known])
    assert answer["position"] == position


def test_recorded_at_is_echoed_and_null_means_everything_recorded(sqlite_app: Regimes) -> None:
    record(sqlite_app, [LICENCE_NOW], FIRST_RECORDED)
    known = as_of(sqlite_app, date(2025, 7, 1), query_of(DY_CN_JP), FIRST_RECORDED)
    everything = as_of(sqlite_app, date(2025, 7, 1), query_of(DY_CN_JP))
    assert known["recorded_at"] == "2026-01-10T09:30:00.000000Z"
    assert known["known_at"] is None
    assert everything["recorded_at"] is None
    assert everything["known_at"] is None


def test_a_query_reflects_records_appended_after_the_reader_was_opened(
    sqlite_app: Regimes,
) -> None:
    reader = RegimeReader(sqlite_app)
    record(sqlite_app, [LICENCE_NOW], FIRST_RECORDED)
    assert reader.as_of(date(2025, 7, 1), query_of(DY_CN_JP)).position == 1
    record(sqlite_app, [MILITARY_BAN], LATER_RECORDED)
    answer = reader.as_of(date(2025, 7, 1), query_of(DY_CN_JP))
    assert answer.position == 2
    assert standing(answer.to_json(), DY_CN_JP) == in_force(
        "end_user_ban", "cn-military-ban", LICENCE
    )


# -- which flows are listed (docs/output.md §2) -----------------------------------------------


def flow_keys(answer: dict[str, Any]) -> list[FlowKey]:
    return [(flow["item"], flow["from"], flow["to"]) for flow in answer["flows"]]


def test_with_to_given_worldwide_measures_resolve_onto_that_country(sqlite_app: Regimes) -> None:
    record(sqlite_app, [LICENCE_NOW])
    answer = as_of(sqlite_app, date(2025, 7, 1), FlowQuery(("Dy",), "CN", "KR"))
    assert flow_keys(answer) == [("Dy", "CN", "KR")]
    assert standing(answer, ("Dy", "CN", "KR")) == LICENSED


def test_with_only_to_given_worldwide_measures_resolve_onto_that_country(
    sqlite_app: Regimes,
) -> None:
    record(sqlite_app, [LICENCE_NOW])
    answer = as_of(sqlite_app, date(2025, 7, 1), FlowQuery(importer="KR"))
    assert flow_keys(answer) == [("Dy", "CN", "KR")]


def test_with_to_given_measures_on_other_destinations_are_not_listed(sqlite_app: Regimes) -> None:
    record(sqlite_app, [MILITARY_BAN])
    answer = as_of(sqlite_app, date(2025, 7, 1), FlowQuery(("Dy",), "CN", "US"))
    assert standing(answer, ("Dy", "CN", "US")) == NOTHING


def test_with_to_given_worldwide_export_measures_do_not_land_on_the_issuers_own_imports(
    sqlite_app: Regimes,
) -> None:
    record(sqlite_app, [LICENCE_NOW])
    assert as_of(sqlite_app, date(2025, 7, 1), FlowQuery(importer="CN"))["flows"] == []


def test_a_measure_naming_both_every_country_and_the_asked_one_is_listed_once(
    sqlite_app: Regimes,
) -> None:
    record(sqlite_app, [imposed(destinations=["*", "JP"])])
    answer = as_of(sqlite_app, date(2025, 7, 1), FlowQuery(("Dy",), "CN", "JP"))
    assert standing(answer, DY_CN_JP) == LICENSED


def test_without_to_worldwide_measures_appear_on_the_flow_to_every_country(
    sqlite_app: Regimes,
) -> None:
    record(sqlite_app, [LICENCE_NOW, MILITARY_BAN])
    answer = as_of(sqlite_app, date(2025, 7, 1), FlowQuery(("Dy",), "CN"))
    assert flow_keys(answer) == [("Dy", "CN", "*"), ("Dy", "CN", "JP")]
    by_flow = {
        key: Standing.of(flow) for key, flow in zip(flow_keys(answer), answer["flows"], strict=True)
    }
    assert by_flow[("Dy", "CN", "*")] == LICENSED
    assert by_flow[("Dy", "CN", "JP")] == in_force("end_user_ban", "cn-military-ban")


GRAPHITE_IMPORT_BAN = imposed(
    "us-graphite-ban",
    issuer="US",
    direction="import",
    kind="import_ban",
    items=["graphite"],
    destinations=None,
    origins=["*"],
    announced_on="2025-03-01",
    effective_on="2025-03-01",
)


@pytest.mark.parametrize(
    ("query", "flows"),
    [
        (FlowQuery(("graphite",)), [("graphite", "*", "US")]),
        (FlowQuery(("graphite",), importer="US"), [("graphite", "*", "US")]),
        (FlowQuery(("graphite",), "CN"), [("graphite", "CN", "US")]),
        (FlowQuery(("graphite",), "CN", "US"), [("graphite", "CN", "US")]),
        (FlowQuery(("graphite",), "US"), []),
    ],
    ids=["no-from-no-to", "to-only", "from-only", "from-and-to", "from-the-issuer-itself"],
)
def test_import_measures_from_every_origin_resolve_only_when_from_is_given(
    sqlite_app: Regimes, query: FlowQuery, flows: list[FlowKey]
) -> None:
    record(sqlite_app, [GRAPHITE_IMPORT_BAN])
    answer = as_of(sqlite_app, date(2025, 7, 1), query)
    assert flow_keys(answer) == flows
    assert all(flow["level"] == "ban" for flow in answer["flows"])


@pytest.mark.parametrize(
    ("query", "flows"),
    [
        (FlowQuery(("Ga",), "CN", "JP"), [("Ga", "CN", "JP")]),
        (FlowQuery(("Ga", "Tb"), "CN", "JP"), [("Ga", "CN", "JP"), ("Tb", "CN", "JP")]),
        (FlowQuery(("Ga",), "CN"), []),
        (FlowQuery(("Ga",), importer="JP"), []),
        (FlowQuery((), "CN", "JP"), []),
        (FlowQuery(("Ga",)), []),
    ],
    ids=["item-from-to", "two-items-from-to", "no-to", "no-from", "no-item", "item-only"],
)
def test_a_flow_with_nothing_is_listed_only_when_item_from_and_to_are_all_given(
    sqlite_app: Regimes, query: FlowQuery, flows: list[FlowKey]
) -> None:
    record(sqlite_app, [LICENCE_NOW])
    answer = as_of(sqlite_app, date(2025, 4, 3), query)
    assert flow_keys(answer) == flows
    assert all(Standing.of(flow) == NOTHING for flow in answer["flows"])


def test_a_flow_given_in_full_lists_its_measures_and_no_empty_twin(sqlite_app: Regimes) -> None:
    record(sqlite_app, [LICENCE_NOW])
    answer = as_of(sqlite_app, date(2025, 7, 1), FlowQuery(("Dy", "Ga"), "CN", "JP"))
    assert flow_keys(answer) == [("Dy", "CN", "JP"), ("Ga", "CN", "JP")]
    assert Standing.of(answer["flows"][0]) == LICENSED
    assert Standing.of(answer["flows"][1]) == NOTHING

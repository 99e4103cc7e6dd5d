"""Publication time (docs/time.md §2-§3): what the world knew on a day, whenever the records
were typed in.

Each case appends its records in one batch at `RECORDED_AT` (2026-01-10), long after the
events, so record time alone knows nothing of them; `--known-at` (here `known`) sees each
record from its publication date. Every answer is computed by the pure fold and by the
persisted view of a SQLite store, which must agree, before the flow's standing is checked.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.application import Regimes
from domain.errors import BatchRejected
from projections.answers import Knowledge
from projections.flows import FlowQuery
from projections.fold import regimes_as_of
from projections.queries import RegimeReader
from tests.samples import RECORDED_AT, batch, follow_up, imposed
from tests.unit.test_scenarios import (
    LICENCE,
    NOTHING,
    Standing,
    in_force,
    logged_events,
    suspended,
)

Record = dict[str, Any]
LICENCE_FROM_APRIL = imposed()  # announced and effective 2025-04-04
LICENCE_FROM_MAY = imposed(announced_on="2025-04-04", effective_on="2025-05-01")


def known_on(app: Regimes, day: date, known: date | None) -> dict[str, Any]:
    """The Dy CN→JP flow on `day` as known at the end of day `known` (None: every record),
    the fold and the view agreeing."""
    query = FlowQuery(("Dy",), "CN", "JP")
    folded = regimes_as_of(logged_events(app), day, query, known=known)
    answer = RegimeReader(app).as_of(day, query, Knowledge(known)).to_json()
    assert answer["flows"] == [flow.to_json() for flow in folded]
    assert answer["known_at"] == (known.isoformat() if known else None)
    [flow] = answer["flows"]
    listed: dict[str, Any] = flow
    return listed


SUSPENSION = follow_up(
    "measure_suspended", effective_on="2025-11-07", document="No. 70", until="2026-11-10"
)
SCHEDULED_LIFTING = follow_up(
    "measure_lifted", effective_on="2025-12-01", announced_on="2025-11-10", document="No. 80"
)
CORRECTED_TO_JAPAN_ONLY = follow_up(
    "measure_corrected", fields={"destinations": ["KR"]}, reason="it named Korea only"
)

#: id: (records, valid date, known at, the standing expected).
CASES: dict[str, tuple[list[Record], date, date | None, Standing]] = {
    # a suspension known / not yet known
    "suspension-not-yet-published": (
        [LICENCE_FROM_APRIL, SUSPENSION],
        date(2025, 12, 1),
        date(2025, 11, 6),
        in_force("licence_required", LICENCE),
    ),
    "suspension-published-that-day": (
        [LICENCE_FROM_APRIL, SUSPENSION],
        date(2025, 12, 1),
        date(2025, 11, 7),
        suspended(LICENCE),
    ),
    "suspension-everything-known": (
        [LICENCE_FROM_APRIL, SUSPENSION],
        date(2025, 12, 1),
        None,
        suspended(LICENCE),
    ),
    "suspension-published-late-by-its-own-date": (
        [LICENCE_FROM_APRIL, {**SUSPENSION, "published_on": "2025-11-20"}],
        date(2025, 12, 1),
        date(2025, 11, 19),
        in_force("licence_required", LICENCE),
    ),
    "suspension-published-on-the-last-day": (
        [LICENCE_FROM_APRIL, {**SUSPENSION, "published_on": "9999-12-31"}],
        date(2025, 12, 1),
        None,
        suspended(LICENCE),
    ),
    "suspension-published-on-the-last-day-known-the-day-before": (
        [LICENCE_FROM_APRIL, {**SUSPENSION, "published_on": "9999-12-31"}],
        date(2025, 12, 1),
        date(9999, 12, 30),
        in_force("licence_required", LICENCE),
    ),
    "measure-not-yet-published": (
        [LICENCE_FROM_APRIL],
        date(2025, 6, 1),
        date(2025, 4, 3),
        NOTHING,
    ),
    "measure-published-the-day-it-was-announced": (
        [LICENCE_FROM_APRIL],
        date(2025, 6, 1),
        date(2025, 4, 4),
        in_force("licence_required", LICENCE),
    ),
    "announced-measure-pending-when-known-before-effect": (
        [LICENCE_FROM_MAY],
        date(2025, 4, 20),
        date(2025, 4, 10),
        Standing("none", pending=((LICENCE, "announced"),)),
    ),
    # a correction without its own published_on: published the day it was recorded
    "correction-published-when-recorded-not-yet": (
        [LICENCE_FROM_APRIL, CORRECTED_TO_JAPAN_ONLY],
        date(2025, 6, 1),
        RECORDED_AT.date().replace(day=9),
        in_force("licence_required", LICENCE),
    ),
    "correction-published-when-recorded": (
        [LICENCE_FROM_APRIL, CORRECTED_TO_JAPAN_ONLY],
        date(2025, 6, 1),
        RECORDED_AT.date(),
        NOTHING,
    ),
    # a correction with its own published_on
    "correction-with-its-date-not-yet": (
        [LICENCE_FROM_APRIL, {**CORRECTED_TO_JAPAN_ONLY, "published_on": "2025-05-15"}],
        date(2025, 6, 1),
        date(2025, 5, 14),
        in_force("licence_required", LICENCE),
    ),
    "correction-with-its-date": (
        [LICENCE_FROM_APRIL, {**CORRECTED_TO_JAPAN_ONLY, "published_on": "2025-05-15"}],
        date(2025, 4, 10),  # valid before the correction was published: it applies to all time
        date(2025, 5, 15),
        NOTHING,
    ),
    # a scheduled lifting: in force, lifting scheduled; then gone
    "scheduled-lifting-not-yet-announced": (
        [LICENCE_FROM_APRIL, SCHEDULED_LIFTING],
        date(2025, 11, 20),
        date(2025, 11, 9),
        in_force("licence_required", LICENCE),
    ),
    "scheduled-lifting-announced": (
        [LICENCE_FROM_APRIL, SCHEDULED_LIFTING],
        date(2025, 11, 20),
        date(2025, 11, 10),
        in_force("licence_required", LICENCE),
    ),
    "scheduled-lifting-in-effect": (
        [LICENCE_FROM_APRIL, SCHEDULED_LIFTING],
        date(2025, 12, 1),
        date(2025, 11, 10),
        NOTHING,
    ),
    "scheduled-lifting-known-only-later-for-that-day": (
        [LICENCE_FROM_APRIL, SCHEDULED_LIFTING],
        date(2025, 12, 1),
        date(2025, 11, 9),
        in_force("licence_required", LICENCE),
    ),
    # a retroactive measure: effective before it was announced (and published)
    "retroactive-not-yet-published": (
        [imposed(announced_on="2025-06-01", effective_on="2025-04-01")],
        date(2025, 4, 15),
        date(2025, 5, 31),
        NOTHING,
    ),
    "retroactive-published": (
        [imposed(announced_on="2025-06-01", effective_on="2025-04-01")],
        date(2025, 4, 15),
        date(2025, 6, 1),
        in_force("licence_required", LICENCE),
    ),
    # a retraction: the measure never existed, from the retraction's publication date
    "retraction-not-yet-published": (
        [
            LICENCE_FROM_APRIL,
            follow_up("measure_retracted", reason="never issued", published_on="2025-08-01"),
        ],
        date(2025, 6, 1),
        date(2025, 7, 31),
        in_force("licence_required", LICENCE),
    ),
    "retraction-published": (
        [
            LICENCE_FROM_APRIL,
            follow_up("measure_retracted", reason="never issued", published_on="2025-08-01"),
        ],
        date(2025, 6, 1),
        date(2025, 8, 1),
        NOTHING,
    ),
}


@pytest.mark.parametrize(("records", "day", "known", "expected"), CASES.values(), ids=list(CASES))
def test_a_flow_stands_as_the_records_published_by_then_say(
    sqlite_app: Regimes, records: list[Record], day: date, known: date | None, expected: Standing
) -> None:
    sqlite_app.append(batch(*records), RECORDED_AT)
    query = FlowQuery(("Dy",), "CN", "JP")
    answer = RegimeReader(sqlite_app).as_of(day, query, Knowledge(known)).to_json()
    folded = regimes_as_of(logged_events(sqlite_app), day, query, known=known)
    assert answer["flows"] == [flow.to_json() for flow in folded]
    flows = answer["flows"]
    assert (Standing.of(flows[0]) if flows else NOTHING) == expected


def test_a_scheduled_lifting_is_listed_on_the_measure_from_its_announcement(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(LICENCE_FROM_APRIL, SCHEDULED_LIFTING), RECORDED_AT)
    [summary] = known_on(sqlite_app, date(2025, 11, 20), None)["in_force"]
    assert summary["scheduled"] == [
        {
            "type": "lifted",
            "announced_on": "2025-11-10",
            "effective_on": "2025-12-01",
            "document": "No. 80",
        }
    ]
    assert summary["published_on"] == "2025-04-04"
    [before] = known_on(sqlite_app, date(2025, 11, 9), None)["in_force"]
    assert before["scheduled"] == []


def test_the_timeline_shows_the_announcement_as_a_change_of_the_listing(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(LICENCE_FROM_APRIL, SCHEDULED_LIFTING), RECORDED_AT)
    timeline = RegimeReader(sqlite_app).timeline(FlowQuery(("Dy",), "CN", "JP")).to_json()
    changes = [
        (change["date"], change["level_before"], change["level_after"], measure)
        for change in timeline["changes"]
        for measure in change["measures"]
    ]
    announced = {
        "measure": LICENCE,
        "before": "in_force",
        "after": "in_force",
        "kind": "licence_requirement",
        "cause": "lifting_announced",
        "document": "No. 80",
    }
    assert ("2025-11-10", "licence_required", "licence_required", announced) in changes
    assert [day for day, *_ in changes] == ["2025-04-04", "2025-11-10", "2025-12-01"]


def test_a_timeline_known_before_the_announcement_has_no_lifting(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(LICENCE_FROM_APRIL, SCHEDULED_LIFTING), RECORDED_AT)
    timeline = (
        RegimeReader(sqlite_app)
        .timeline(FlowQuery(("Dy",), "CN", "JP"), Knowledge(date(2025, 11, 9)))
        .to_json()
    )
    assert [change["date"] for change in timeline["changes"]] == ["2025-04-04"]
    assert timeline["known_at"] == "2025-11-09"


#: Records the append refuses, with the error it names (line 2 is the follow-up).
REFUSED: dict[str, tuple[Record, str]] = {
    "announced-after-effect": (
        follow_up("measure_lifted", effective_on="2025-12-01", announced_on="2025-12-02"),
        "line 2: announced_on: announced_on 2025-12-02 must not be after effective_on 2025-12-01",
    ),
    "follow-up-published-before-the-measure": (
        follow_up("measure_suspended", effective_on="2025-11-07", published_on="2025-03-01"),
        "line 2: published_on: before the measure itself was published (2025-04-04)",
    ),
    "follow-up-announced-before-the-measure": (
        follow_up("measure_lifted", effective_on="2025-12-01", announced_on="2025-03-01"),
        "line 2: published_on: before the measure itself was published (2025-04-04)",
    ),
    "correction-published-before-the-measure": (
        follow_up(
            "measure_corrected",
            fields={"items": ["Tb"]},
            reason="r",
            published_on="2025-04-03",
        ),
        "line 2: published_on: before the measure itself was published (2025-04-04)",
    ),
    "retraction-published-before-the-measure": (
        follow_up("measure_retracted", reason="r", published_on="2024-01-01"),
        "line 2: published_on: before the measure itself was published (2025-04-04)",
    ),
    "publication-date-not-a-date": (
        follow_up("measure_lifted", effective_on="2025-12-01", published_on="soon"),
        "line 2: published_on:",
    ),
    "publication-date-corrected": (
        follow_up("measure_corrected", fields={"published_on": "2025-05-01"}, reason="r"),
        "line 2: fields: cannot change 'published_on'",
    ),
}


@pytest.mark.parametrize(("record", "message"), REFUSED.values(), ids=list(REFUSED))
def test_a_record_breaking_a_publication_rule_is_refused_and_nothing_written(
    sqlite_app: Regimes, record: Record, message: str
) -> None:
    with pytest.raises(BatchRejected) as refused:
        sqlite_app.append(batch(LICENCE_FROM_APRIL, record), RECORDED_AT)
    assert any(str(error).startswith(message) for error in refused.value.errors), [
        str(error) for error in refused.value.errors
    ]
    assert sqlite_app.last_position() == 0


def test_an_exported_correction_keeps_its_publication_date_and_appends_as_a_no_op(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(LICENCE_FROM_APRIL, CORRECTED_TO_JAPAN_ONLY), RECORDED_AT)
    exported = [logged.record for logged in sqlite_app.records()]
    assert exported[1]["published_on"] == RECORDED_AT.date().isoformat()
    assert "published_on" not in exported[0]  # its announcement date gives it back
    later = RECORDED_AT.replace(month=3)
    assert sqlite_app.append(batch(*exported), later).appended == 0
    # the original records again, without the date: the same records, nothing appended
    assert (
        sqlite_app.append(batch(LICENCE_FROM_APRIL, CORRECTED_TO_JAPAN_ONLY), later).appended == 0
    )
    # the same correction published on another day is a conflict: the date is fixed
    other_day = {**CORRECTED_TO_JAPAN_ONLY, "published_on": "2026-02-01"}
    with pytest.raises(BatchRejected) as refused:
        sqlite_app.append(batch(other_day), later)
    assert [str(error) for error in refused.value.errors] == [
        "line 1: published_on: the log holds this record published on 2026-01-10; a "
        "record's publication date is fixed when it is appended"
    ]


def test_an_old_follow_up_dated_before_its_measure_exports_so_that_it_appends_again(
    sqlite_app: Regimes, popo_app: Regimes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before publication time, a follow-up of a measure effective before it was announced
    could take effect before the announcement; its default publication date (its effect)
    precedes the measure's, so it is exported with the measure's date, which the view gave
    it all along."""
    from domain.measure import Measure
    from domain.records import _Record

    def as_before(record: _Record, recorded_at: object) -> dict[str, Any]:
        return {**record.payload(), "published_on": None}  # no date fixed, as before 0.4.0

    monkeypatch.setattr(_Record, "appended_payload", as_before)
    monkeypatch.setattr(Measure, "published_on", date.min)  # no publication rule either
    retroactive = imposed(announced_on="2025-05-01", effective_on="2025-04-01")
    suspended = follow_up("measure_suspended", effective_on="2025-04-15")
    sqlite_app.append(batch(retroactive, suspended), RECORDED_AT)
    monkeypatch.undo()
    exported = [logged.record for logged in sqlite_app.records()]
    assert exported[1]["published_on"] == "2025-05-01"
    assert popo_app.append(batch(*exported), RECORDED_AT).appended == 2

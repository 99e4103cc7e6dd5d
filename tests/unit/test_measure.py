"""State rules of measures and actions (docs/records.md §5), given a log, when a batch is
appended."""

from __future__ import annotations

import gc
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.application import LoggedRecord, Regimes
from domain.batch import Batch
from domain.errors import (
    BatchRejected,
    MeasureLifted,
    MeasureRetracted,
    RecordConflict,
    RecordError,
    RegimesError,
)
from domain.ids import action_id, measure_id
from domain.measure import Measure
from domain.records import (
    ActionTakenRecord,
    GroupChangedRecord,
    GroupDefinedRecord,
    MeasureImposedRecord,
    MeasureRecord,
    PartyCorrectedRecord,
    PartyIdentifiedRecord,
    parse_record,
)
from regimes.reading import read_into
from tests.samples import RECORDED_AT, action, batch, follow_up, imposed

LATER = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)

SUSPENDED = follow_up("measure_suspended", effective_on="2025-05-01", until="2025-09-01")
LIFTED = follow_up("measure_lifted", effective_on="2025-06-01")


def given(app: Regimes, *records: dict[str, Any]) -> list[LoggedRecord]:
    """Appends the records as history, returning the log."""
    app.append(batch(*records), RECORDED_AT)
    return list(app.records())


def refused(app: Regimes, *records: dict[str, Any]) -> list[tuple[int, str]]:
    """The (line, field) of every error when the records are appended as one batch."""
    with pytest.raises(BatchRejected) as caught:
        app.append(batch(*records), LATER)
    return [(error.line, error.field) for error in caught.value.errors]


def imposed_record(**fields: Any) -> MeasureImposedRecord:
    record = parse_record(imposed(**fields), 1)
    assert isinstance(record, MeasureImposedRecord)
    return record


def follow_up_record(record_type: str, **fields: Any) -> MeasureRecord:
    record = parse_record(follow_up(record_type, **fields), 1)
    assert not isinstance(
        record,
        ActionTakenRecord
        | MeasureImposedRecord
        | GroupDefinedRecord
        | GroupChangedRecord
        | PartyIdentifiedRecord
        | PartyCorrectedRecord,
    )
    return record


# --- unknown and retracted measures -------------------------------------------------------------

FOLLOW_UPS = [
    pytest.param(
        follow_up("measure_amended", effective_on="2025-07-01", items=["Ho"]), id="measure_amended"
    ),
    pytest.param(follow_up("measure_suspended", effective_on="2025-07-01"), id="measure_suspended"),
    pytest.param(follow_up("measure_resumed", effective_on="2025-07-01"), id="measure_resumed"),
    pytest.param(follow_up("measure_lifted", effective_on="2025-07-01"), id="measure_lifted"),
    pytest.param(
        follow_up("measure_corrected", fields={"items": ["Ho"]}, reason="r"), id="measure_corrected"
    ),
    pytest.param(follow_up("measure_retracted", reason="a second thought"), id="measure_retracted"),
]


@pytest.mark.parametrize("record", FOLLOW_UPS)
def test_a_follow_up_on_an_unknown_measure_is_refused(
    popo_app: Regimes, record: dict[str, Any]
) -> None:
    given(popo_app, imposed("another-measure"))
    assert refused(popo_app, record) == [(1, "measure")]


@pytest.mark.parametrize("record", FOLLOW_UPS)
def test_any_follow_up_on_a_retracted_measure_is_refused(
    popo_app: Regimes, record: dict[str, Any]
) -> None:
    given(popo_app, imposed(), SUSPENDED, follow_up("measure_retracted", reason="never happened"))
    assert refused(popo_app, record) == [(1, "measure")]


def test_a_follow_up_after_a_retraction_in_the_same_batch_is_refused(popo_app: Regimes) -> None:
    given(popo_app, imposed())
    assert refused(
        popo_app,
        follow_up("measure_retracted", reason="r"),
        follow_up("measure_lifted", effective_on="2025-07-01"),
    ) == [(2, "measure")]


def test_a_follow_up_on_a_measure_imposed_earlier_in_the_batch_is_accepted(
    popo_app: Regimes,
) -> None:
    report = popo_app.append(batch(imposed(), SUSPENDED, LIFTED), RECORDED_AT)
    assert (report.appended, report.first_position, report.last_position) == (3, 1, 3)


def test_a_follow_up_on_a_measure_whose_imposition_is_invalid_is_not_blamed_too(
    popo_app: Regimes,
) -> None:
    assert refused(popo_app, imposed(items=["Xx"]), LIFTED) == [(1, "items[0]")]


# --- lifting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "effective_on",
    ["2025-05-31", "2025-06-01", "2025-07-01"],
    ids=["earlier", "same-day-other-source", "later"],
)
def test_lifting_a_lifted_measure_is_refused(popo_app: Regimes, effective_on: str) -> None:
    given(popo_app, imposed(), LIFTED)
    again = follow_up(
        "measure_lifted", effective_on=effective_on, sources=[{"title": "Global Times"}]
    )
    assert refused(popo_app, again) == [(1, "measure")]


def test_lifting_twice_in_one_batch_is_refused(popo_app: Regimes) -> None:
    given(popo_app, imposed())
    assert refused(popo_app, LIFTED, follow_up("measure_lifted", effective_on="2025-08-01")) == [
        (2, "measure")
    ]


def test_lifting_a_lifted_measure_raises_measure_lifted_on_the_aggregate() -> None:
    measure = Measure.impose(imposed_record(), RECORDED_AT)
    assert measure.record(
        follow_up_record("measure_lifted", effective_on="2025-06-01"), RECORDED_AT
    )
    with pytest.raises(MeasureLifted) as caught:
        measure.record(follow_up_record("measure_lifted", effective_on="2025-07-01"), LATER)
    assert caught.value.field == "measure"
    assert measure.lifted_on is not None
    assert measure.lifted_on.isoformat() == "2025-06-01"


AFTER_LIFTING = [
    pytest.param(record_type, day, accepted, id=f"{record_type}-{name}")
    for record_type in ("measure_suspended", "measure_resumed", "measure_amended")
    for day, accepted, name in (
        ("2025-05-31", True, "day-before"),
        ("2025-06-01", False, "day-of"),
        ("2025-06-02", False, "day-after"),
    )
]


@pytest.mark.parametrize(("record_type", "effective_on", "accepted"), AFTER_LIFTING)
def test_follow_ups_effective_on_or_after_the_lifting_are_refused(
    popo_app: Regimes, record_type: str, effective_on: str, accepted: bool
) -> None:
    given(popo_app, imposed(), SUSPENDED, LIFTED)
    changes = {"kind": "export_ban"} if record_type == "measure_amended" else {}
    record = follow_up(record_type, effective_on=effective_on, **changes)
    if accepted:
        assert popo_app.append(batch(record), LATER).appended == 1
    else:
        assert refused(popo_app, record) == [(1, "effective_on")]


def test_a_correction_after_the_lifting_is_accepted(popo_app: Regimes) -> None:
    given(popo_app, imposed(), LIFTED)
    corrected = follow_up("measure_corrected", fields={"items": ["Tb"]}, reason="r")
    assert popo_app.append(batch(corrected), LATER).appended == 1


# --- suspension and resumption -------------------------------------------------------------------


def test_resuming_a_measure_never_suspended_is_refused(popo_app: Regimes) -> None:
    given(popo_app, imposed())
    assert refused(popo_app, follow_up("measure_resumed", effective_on="2025-05-01")) == [
        (1, "effective_on")
    ]


@pytest.mark.parametrize(
    ("effective_on", "accepted"),
    [("2025-04-30", False), ("2025-05-01", True), ("2025-05-02", True)],
    ids=["day-before-the-suspension", "day-of", "day-after"],
)
def test_resuming_needs_a_suspension_starting_on_or_before_it(
    popo_app: Regimes, effective_on: str, accepted: bool
) -> None:
    given(popo_app, imposed(), SUSPENDED)
    resumed = follow_up("measure_resumed", effective_on=effective_on)
    if accepted:
        assert popo_app.append(batch(resumed), LATER).appended == 1
    else:
        assert refused(popo_app, resumed) == [(1, "effective_on")]


def test_resuming_a_suspension_recorded_earlier_in_the_batch_is_accepted(
    popo_app: Regimes,
) -> None:
    given(popo_app, imposed())
    report = popo_app.append(
        batch(SUSPENDED, follow_up("measure_resumed", effective_on="2025-06-01")), LATER
    )
    assert report.appended == 2


def test_suspensions_may_overlap(popo_app: Regimes) -> None:
    given(popo_app, imposed(), SUSPENDED)
    extension = follow_up("measure_suspended", effective_on="2025-08-01", until="2025-12-01")
    assert popo_app.append(batch(extension), LATER).appended == 1


# --- conflicts and idempotency -------------------------------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"items": ["Dy", "Tb"]}, id="items"),
        pytest.param({"kind": "export_ban"}, id="kind"),
        pytest.param({"notes": "a new note"}, id="notes"),
        pytest.param({"sources": [{"title": "Xinhua"}]}, id="sources"),
        pytest.param({"certainty": "reported"}, id="certainty"),
    ],
)
def test_imposing_an_existing_measure_with_different_content_is_a_conflict(
    popo_app: Regimes, changed: dict[str, Any]
) -> None:
    given(popo_app, imposed())
    assert refused(popo_app, imposed(**changed)) == [(1, "measure")]


def test_a_conflicting_imposition_raises_record_conflict_on_the_aggregate() -> None:
    measure = Measure.impose(imposed_record(), RECORDED_AT)
    with pytest.raises(RecordConflict) as caught:
        measure.record(imposed_record(kind="export_ban"), LATER)
    assert caught.value.field == "measure"


def test_imposing_twice_in_one_batch_with_different_content_is_a_conflict(
    popo_app: Regimes,
) -> None:
    assert refused(popo_app, imposed(), imposed(kind="export_ban")) == [(2, "measure")]


HISTORY = [
    imposed(responds_to=["busan-summit"], title="Licence requirement on Dy"),
    action(),
    follow_up("measure_amended", effective_on="2025-05-01", items=["Dy", "Tb"]),
    SUSPENDED,
    follow_up("measure_resumed", effective_on="2025-06-01"),
    follow_up("measure_corrected", fields={"announced_on": "2025-04-03"}, reason="typo"),
    follow_up("measure_lifted", effective_on="2025-10-01"),
    follow_up("measure_retracted", reason="never happened"),
]


@pytest.mark.parametrize("record", HISTORY, ids=[record["type"] for record in HISTORY])
def test_re_appending_an_identical_record_is_a_no_op(
    popo_app: Regimes, record: dict[str, Any]
) -> None:
    log = given(popo_app, *HISTORY)
    report = popo_app.append(batch(record), LATER)
    assert (report.received, report.appended, report.unchanged) == (1, 0, 1)
    assert (report.first_position, report.last_position) == (None, None)
    assert list(popo_app.records()) == log


def test_re_appending_the_whole_history_is_a_no_op(popo_app: Regimes) -> None:
    log = given(popo_app, *HISTORY)
    report = popo_app.append(batch(*HISTORY), LATER)
    assert (report.appended, report.unchanged) == (0, len(HISTORY))
    assert list(popo_app.records()) == log


def test_a_record_repeated_within_one_batch_is_written_once(popo_app: Regimes) -> None:
    report = popo_app.append(batch(imposed(), LIFTED, LIFTED, action(), action()), RECORDED_AT)
    assert (report.appended, report.unchanged) == (3, 2)


def test_repeats_among_many_follow_ups_of_one_measure_are_each_written_once(
    popo_app: Regimes,
) -> None:
    amendments = [
        follow_up(
            "measure_amended", effective_on="2025-07-01", items=["Ho"], notes=f"amendment {number}"
        )
        for number in range(5)
    ]
    given(popo_app, imposed(), *amendments[:2])
    report = popo_app.append(batch(*amendments[1:], amendments[3], amendments[0]), LATER)
    assert (report.appended, report.unchanged) == (3, 3)
    assert popo_app.append(batch(*reversed(amendments)), LATER).unchanged == 5


def test_restating_defaults_or_groups_is_the_same_record(popo_app: Regimes) -> None:
    given(popo_app, imposed(items=["REE"]))
    restated = imposed(
        items=["Sc", "Y", "REE"],
        direction="export",
        certainty="in_force",
        sources=[
            {
                "published_on": "2025-04-04",
                "title": "MOFCOM announcement",
                "url": "https://example.org/mofcom",
            }
        ],
    )
    assert popo_app.append(batch(restated), LATER).unchanged == 1


def test_an_action_reused_with_different_content_is_a_conflict(popo_app: Regimes) -> None:
    given(popo_app, action())
    assert refused(popo_app, action(title="Busan summit")) == [(1, "action")]


def test_an_action_reused_in_one_batch_with_different_content_is_a_conflict(
    popo_app: Regimes,
) -> None:
    assert refused(popo_app, action(), action(occurred_on="2025-10-31")) == [(2, "action")]


def test_a_measure_and_an_action_may_share_a_slug(popo_app: Regimes) -> None:
    report = popo_app.append(batch(imposed("busan"), action("busan")), RECORDED_AT)
    assert report.appended == 2


# --- references ----------------------------------------------------------------------------------


def test_responding_to_an_unknown_id_is_refused(popo_app: Regimes) -> None:
    given(popo_app, action())
    assert refused(popo_app, imposed(responds_to=["busan-summit", "no-such-thing"])) == [
        (1, "responds_to")
    ]


def test_responding_to_an_id_defined_later_in_the_batch_is_accepted(popo_app: Regimes) -> None:
    report = popo_app.append(
        batch(
            imposed("first", responds_to=["second", "busan-summit"]),
            imposed("second"),
            action(responds_to=["first"]),
        ),
        RECORDED_AT,
    )
    assert report.appended == 3


def test_responding_to_an_id_already_in_the_log_is_accepted(popo_app: Regimes) -> None:
    given(popo_app, imposed("us-tariffs"), action("us-statement"))
    report = popo_app.append(
        batch(
            imposed(responds_to=["us-tariffs", "us-statement"]),
            follow_up("measure_suspended", effective_on="2025-11-10", responds_to=["us-tariffs"]),
        ),
        LATER,
    )
    assert report.appended == 2


def test_responding_to_a_record_that_could_not_be_read_is_not_blamed(
    popo_app: Regimes,
) -> None:
    assert refused(popo_app, action(issuer="cn"), imposed(responds_to=["busan-summit"])) == [
        (1, "issuer")
    ]


# --- corrections and amendments keep the measure valid -------------------------------------------


def test_a_correction_to_an_import_without_origins_is_refused(popo_app: Regimes) -> None:
    given(popo_app, imposed())
    corrected = follow_up("measure_corrected", fields={"direction": "import"}, reason="r")
    assert refused(popo_app, corrected) == [(1, "fields")]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"effective_on": "2026-02-01"}, id="effective-after-its-until"),
        pytest.param({"issuer": "JP"}, id="issuer-among-its-destinations"),
        pytest.param({"origins": ["AU"]}, id="origins-on-an-export"),
    ],
)
def test_a_correction_that_would_make_the_measure_invalid_is_refused(
    popo_app: Regimes, fields: dict[str, Any]
) -> None:
    given(popo_app, imposed(destinations=["JP"], until="2026-01-01"))
    corrected = follow_up("measure_corrected", fields=fields, reason="r")
    assert refused(popo_app, corrected) == [(1, "fields")]


def test_a_correction_keeping_the_measure_valid_is_accepted(popo_app: Regimes) -> None:
    given(popo_app, imposed(destinations=["JP"]))
    corrected = follow_up(
        "measure_corrected", reason="r", fields={"issuer": "US", "effective_on": "2025-04-05"}
    )
    assert popo_app.append(batch(corrected), LATER).appended == 1


def test_an_amendment_that_would_make_the_measure_invalid_is_refused(
    popo_app: Regimes,
) -> None:
    given(popo_app, imposed())
    amended = follow_up("measure_amended", effective_on="2025-06-01", destinations=["CN"])
    with pytest.raises(BatchRejected) as caught:
        popo_app.append(batch(amended), LATER)
    [error] = caught.value.errors
    assert error.line == 1
    assert "destinations" in str(error)


# --- all or nothing ------------------------------------------------------------------------------


def test_a_batch_with_several_errors_lists_them_all_by_line_and_writes_nothing(
    popo_app: Regimes,
) -> None:
    log = given(popo_app, imposed(), action())
    data = (
        b"\n".join(
            [
                b'{"type": "measure_imposed", "measure": "new", "issuer": "US", "kind": "tariff",'
                b' "items": ["Ga"], "destinations": ["CN"], "announced_on": "2025-02-01",'
                b' "effective_on": "2025-02-04", "sources": [{"title": "USTR"}]}',
                b'{"type": "measure_lifted", "measure": "nowhere", "effective_on": "2025-05-01",'
                b' "sources": [{"title": "t"}]}',
                b"{not json",
                b'{"type": "action_taken", "action": "busan-summit", "issuer": "US",'
                b' "kind": "summit",'
                b' "occurred_on": "2025-10-30", "title": "t", "sources": [{"title": "t"}]}',
                b'{"type": "measure_resumed", "measure": "cn-mofcom-2025-18",'
                b' "effective_on": "2025-05-01", "sources": [{"title": "t"}]}',
                b'{"type": "measure_suspended", "measure": "new", "effective_on": "2025-02-30",'
                b' "sources": [{"title": "t"}]}',
                b'{"type": "measure_suspended", "measure": "new", "effective_on": "2025-03-01",'
                b' "responds_to": ["unheard-of"], "sources": [{"title": "t"}]}',
            ]
        )
        + b"\n"
    )
    read = Batch()
    read_into(read, io.BytesIO(data), source="in.jsonl")
    with pytest.raises(BatchRejected) as caught:
        popo_app.append(read, LATER)
    errors = caught.value.errors
    assert [(error.line, error.field) for error in errors] == [
        (2, "measure"),
        (3, "record"),
        (4, "action"),
        (5, "effective_on"),
        (6, "effective_on"),
        (7, "responds_to"),
    ]
    assert {error.source for error in errors} == {"in.jsonl"}
    assert list(popo_app.records()) == log


def test_a_dry_run_checks_everything_and_writes_nothing(popo_app: Regimes) -> None:
    log = given(popo_app, imposed())
    report = popo_app.append(batch(imposed(), LIFTED, action()), LATER, dry_run=True)
    assert (report.appended, report.unchanged, report.dry_run) == (2, 1, True)
    assert list(popo_app.records()) == log
    with pytest.raises(BatchRejected):
        popo_app.append(
            batch(follow_up("measure_resumed", effective_on="2025-01-01")), LATER, dry_run=True
        )


def test_batch_rejected_counts_its_errors_and_is_a_regimes_error() -> None:
    one = BatchRejected([RecordError(3, "items[0]", "unknown item 'Xx'")])
    two = BatchRejected([RecordError(1, "measure", "m"), RecordError(2, "type", "t")])
    assert isinstance(one, RegimesError)
    assert str(one) == "1 error; nothing was written"
    assert str(two) == "2 errors; nothing was written"
    assert [error.line for error in two.errors] == [1, 2]


def test_domain_errors_name_their_field() -> None:
    error = MeasureRetracted("measure", "measure 'x' was retracted")
    assert (error.field, error.message, str(error)) == (
        "measure",
        "measure 'x' was retracted",
        "measure 'x' was retracted",
    )


# --- ids -----------------------------------------------------------------------------------------


def test_measure_ids_are_stable_uuid5s_of_their_slugs() -> None:
    assert measure_id("cn-mofcom-2025-18") == measure_id("cn-mofcom-2025-18")
    assert str(measure_id("cn-mofcom-2025-18")) == "3cb8168b-25a5-5712-bf60-4d190f7b29a5"
    assert measure_id("cn-mofcom-2025-18") != measure_id("cn-mofcom-2025-61")


def test_action_ids_are_stable_and_differ_from_measure_ids_of_the_same_slug() -> None:
    assert str(action_id("busan-summit")) == "06e909c8-1774-586a-9572-a30ed55e2d1b"
    assert action_id("cn-mofcom-2025-18") != measure_id("cn-mofcom-2025-18")


def test_a_measure_is_stored_under_the_id_of_its_slug(popo_app: Regimes) -> None:
    given(popo_app, imposed(), LIFTED)
    measure: Measure = popo_app.repository.get(measure_id("cn-mofcom-2025-18"))
    assert isinstance(measure, Measure)
    assert (measure.slug, measure.version) == ("cn-mofcom-2025-18", 2)


# --- the garbage collector, paused while a batch is read, checked and written ---------------------


def test_the_collector_resumes_after_an_append_whether_it_is_written_or_refused(
    popo_app: Regimes,
) -> None:
    assert gc.isenabled()
    given(popo_app, imposed())
    assert gc.isenabled()
    refused(popo_app, follow_up("measure_resumed", effective_on="2025-05-01"))
    assert gc.isenabled()


def test_an_append_leaves_a_paused_collector_paused(popo_app: Regimes) -> None:
    gc.disable()
    try:
        given(popo_app, imposed())
        assert not gc.isenabled()
    finally:
        gc.enable()

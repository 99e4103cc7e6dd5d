"""A measure's terms (docs/time.md §3): one fold over its events, the same for the aggregate's
rules and for the answers of the read side."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.application import Regimes
from domain.errors import BatchRejected
from domain.events import Source
from domain.ids import measure_id
from domain.measure import Measure
from domain.records import AMENDABLE, CORRECTABLE, field_name
from domain.terms import Amendment, KnownTerms, Terms, source_json, terms_of
from projections.history import MeasureHistory
from tests.samples import RECORDED_AT, batch, follow_up, imposed

#: When a test appends after its history.
LATER = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)

#: Imposed, then (each recorded after the one before): an amendment, an earlier amendment
#: recorded late, a second amendment on the first one's date, and a correction.
HISTORY = [
    imposed(notes="First reported by Caixin"),
    follow_up("measure_amended", effective_on="2025-06-01", items=["Dy", "Tb"]),
    follow_up("measure_amended", effective_on="2025-05-01", kind="export_ban"),
    follow_up("measure_amended", effective_on="2025-06-01", end_users="military"),
    follow_up("measure_corrected", fields={"items": ["Ho"], "title": "Ho"}, reason="r"),
    follow_up("measure_suspended", effective_on="2025-07-01"),
]


def events(app: Regimes, *records: dict[str, Any]) -> list[Measure.Event]:
    """The measure's events once `records` are appended."""
    app.append(batch(*records), RECORDED_AT)
    return cast("list[Measure.Event]", list(app.events.get(measure_id("cn-mofcom-2025-18"))))


def test_the_terms_are_every_field_a_correction_may_replace_and_amendments_change_some() -> None:
    assert tuple(field.name for field in fields(Terms)) == CORRECTABLE
    assert set(map(field_name, AMENDABLE)) < set(CORRECTABLE)


@pytest.mark.parametrize(
    "source",
    [
        Source(title="MOFCOM", url="https://example.org", published_on=date(2025, 4, 4)),
        Source(title="MOFCOM"),
    ],
    ids=["every-field", "title-only"],
)
def test_a_stored_source_is_kept_as_the_json_of_its_event(source: Source) -> None:
    assert source_json(source) == source.model_dump(mode="json")


def test_the_aggregate_and_the_read_side_hold_the_same_terms(popo_app: Regimes) -> None:
    history = events(popo_app, *HISTORY)
    measure: Measure = popo_app.repository.get(measure_id("cn-mofcom-2025-18"))
    assert measure.terms == MeasureHistory.of(history).terms == terms_of(history)


def test_the_read_side_keeps_the_notes_it_was_imposed_with(popo_app: Regimes) -> None:
    """Every field of the imposed record is a term (a correction may replace any of them):
    the read side's own list of term fields used to leave `notes` out unless corrected."""
    corrected = MeasureHistory.of(events(popo_app, *HISTORY)).terms.corrected
    assert (corrected.notes, corrected.title) == ("First reported by Caixin", "Ho")


@pytest.mark.parametrize(
    ("day", "items", "kind", "end_users"),
    [
        ("2025-04-30", ("Ho",), "licence_requirement", None),
        ("2025-05-01", ("Ho",), "export_ban", None),
        ("2025-05-31", ("Ho",), "export_ban", None),
        ("2025-06-01", ("Dy", "Tb"), "export_ban", "military"),
        ("2025-06-02", ("Dy", "Tb"), "export_ban", "military"),
    ],
    ids=[
        "before-any-amendment",
        "day-of-a-back-dated-amendment",
        "day-before-two-amendments",
        "day-of-two-amendments",
        "day-after",
    ],
)
def test_the_terms_on_a_date_are_corrected_then_amended_in_valid_time_order(
    popo_app: Regimes, day: str, items: tuple[str, ...], kind: str, end_users: str | None
) -> None:
    terms = terms_of(events(popo_app, *HISTORY)).on(date.fromisoformat(day))
    assert (terms.items, terms.kind, terms.end_users) == (items, kind, end_users)


def test_amendments_on_one_date_make_one_stage_their_sum(popo_app: Regimes) -> None:
    stages = terms_of(events(popo_app, *HISTORY)).stages
    assert [start for start, _ in stages] == [date.min, date(2025, 5, 1), date(2025, 6, 1)]


def test_a_stored_field_the_terms_do_not_have_is_passed_over(popo_app: Regimes) -> None:
    terms = terms_of(events(popo_app, imposed())).corrected
    assert terms.replaced({"licence_holders": ["x"]}) is terms
    assert terms.replaced({"licence_holders": ["x"], "until": "2026-01-01"}).until == date(
        2026, 1, 1
    )


# --- rules across fields hold for the terms on every date ----------------------------------------

#: Imposed on 2025-01-01 for Japan; from 2025-03-01 amended to end on 2025-12-31 and to cover
#: the United States too.
AMENDED = [
    imposed(destinations=["JP"], announced_on="2024-12-01", effective_on="2025-01-01"),
    follow_up("measure_amended", effective_on="2025-03-01", until="2025-12-31"),
    follow_up("measure_amended", effective_on="2025-06-01", destinations=["US", "JP"]),
]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(
            {"effective_on": "2026-03-01"},
            "until: until 2025-12-31 must be after effective_on 2026-03-01",
            id="effect-moved-past-an-amended-sunset",
        ),
        pytest.param(
            {"issuer": "US"},
            "destinations: the issuer US cannot be one of its own destinations",
            id="issuer-among-amended-destinations",
        ),
    ],
)
def test_a_correction_that_would_leave_the_amended_terms_invalid_is_refused(
    popo_app: Regimes, fields: dict[str, Any], message: str
) -> None:
    """docs/records.md §4: the measure's terms on some date would break a rule across fields.
    The aggregate used to check the terms after corrections alone, and let these in: the first
    left a measure announced for 2026 that ends in 2025, shown on no flow in force ever."""
    events(popo_app, *AMENDED)
    with pytest.raises(BatchRejected) as caught:
        popo_app.append(batch(follow_up("measure_corrected", fields=fields, reason="r")), LATER)
    [error] = caught.value.errors
    assert (error.line, error.field) == (1, "fields")
    assert error.message == f"the measure would become invalid: {message}"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"effective_on": "2025-02-01"}, id="effect-before-the-amended-sunset"),
        pytest.param({"issuer": "KR"}, id="issuer-outside-every-destination"),
    ],
)
def test_a_correction_that_keeps_the_amended_terms_valid_is_accepted(
    popo_app: Regimes, fields: dict[str, Any]
) -> None:
    events(popo_app, *AMENDED)
    corrected = follow_up("measure_corrected", fields=fields, reason="r")
    assert popo_app.append(batch(corrected), LATER).appended == 1


# --- amendments recorded in any order ------------------------------------------------------------

FIRST_TERMS = Terms(
    issuer="CN",
    kind="licence_requirement",
    direction="export",
    items=("Dy",),
    destinations=("*",),
    origins=None,
    except_=None,
    announced_on=date(2025, 4, 4),
    effective_on=date(2025, 4, 4),
    until=None,
    certainty="in_force",
    end_users=None,
    parties=None,
    title=None,
    document=None,
    hs_codes=None,
    control_codes=None,
    responds_to=None,
    notes=None,
    sources=({"title": "MOFCOM"},),
)

amendment_lists = st.lists(
    st.tuples(
        st.dates(date(2025, 1, 1), date(2025, 1, 10)),
        st.sampled_from(["licence_requirement", "export_ban", "tariff"]),
    ),
    max_size=6,
)


@settings(max_examples=50, deadline=None)
@given(amendments=amendment_lists, data=st.data())
def test_the_stages_do_not_depend_on_the_order_amendments_are_folded_in(
    amendments: list[tuple[date, str]], data: st.DataObject
) -> None:
    """`amended_by` extends the stages when an amendment is the latest in valid time and
    rebuilds them otherwise: either way, the terms on each date are the same."""
    recorded = [
        Amendment(day, version, {"kind": kind})
        for version, (day, kind) in enumerate(amendments, start=2)
    ]
    in_order = KnownTerms.imposed(FIRST_TERMS)
    for amendment in sorted(recorded, key=lambda known: (known.effective_on, known.version)):
        in_order = in_order.amended_by(amendment)
    shuffled = KnownTerms.imposed(FIRST_TERMS)
    for amendment in data.draw(st.permutations(recorded)):
        shuffled = shuffled.amended_by(amendment)
    assert shuffled == in_order
    assert shuffled.stages == in_order.stages
    for day in (date(2024, 12, 31), *(date(2025, 1, n) for n in range(1, 12))):
        expected = FIRST_TERMS
        for amendment in sorted(recorded, key=lambda known: (known.effective_on, known.version)):
            if amendment.effective_on <= day:
                expected = expected.replaced(amendment.changes)
        assert shuffled.on(day) == expected

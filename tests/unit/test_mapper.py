"""Stored events: they round-trip through the mapper, old versions upcast, topics never move."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import uuid4

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.action import Action
from domain.application import Regimes
from domain.events import RecordedEvent, Source
from domain.group import Group
from domain.measure import Measure
from domain.party import Party
from domain.records import (
    RECORD_TYPES,
    ActionTakenRecord,
    GroupChangedRecord,
    GroupDefinedRecord,
    MeasureImposedRecord,
    PartyCorrectedRecord,
    PartyIdentifiedRecord,
    parse_record,
)
from store.locations import MAPPER_ENV
from store.mapper import OrjsonTranscoder, PydanticMapper
from tests.samples import RECORDED_AT, SOURCE, action, batch, follow_up, imposed

#: Every topic under which events are stored. These strings are in every log ever written:
#: never change one (register the old topic if a class must move).
GOLDEN_TOPICS = [
    "domain.action:Action.Taken",
    "domain.group:Group.Changed",
    "domain.group:Group.Defined",
    "domain.group:Group.Redefined",
    "domain.measure:Measure.Amended",
    "domain.measure:Measure.Corrected",
    "domain.measure:Measure.Imposed",
    "domain.measure:Measure.Lifted",
    "domain.measure:Measure.Resumed",
    "domain.measure:Measure.Retracted",
    "domain.measure:Measure.Suspended",
    "domain.party:Party.Corrected",
    "domain.party:Party.Identified",
]

FULL_IMPOSED = imposed(
    kind="export_ban",
    items=["Dy", "Tb"],
    destinations=["JP", "US"],
    until="2026-04-04",
    certainty="de_facto",
    end_users="military",
    title="Ban",
    document="MOFCOM 2025-18",
    hs_codes=["2805"],
    responds_to=["busan-summit"],
    notes="n",
    sources=[SOURCE, {"title": "Reuters"}],
)

#: One record of each type, in an order the log accepts.
HISTORY: dict[str, dict[str, Any]] = {
    "action_taken": action(notes="n"),
    "measure_imposed": FULL_IMPOSED,
    "measure_amended": follow_up(
        "measure_amended",
        effective_on="2025-05-01",
        items=["Ho"],
        until="2026-06-01",
        certainty="in_force",
        document="d",
        responds_to=["busan-summit"],
        notes="n",
    ),
    "measure_suspended": follow_up(
        "measure_suspended", effective_on="2025-05-02", until="2025-06-01", notes="n"
    ),
    "measure_resumed": follow_up("measure_resumed", effective_on="2025-05-20"),
    "measure_corrected": follow_up(
        "measure_corrected",
        reason="typo",
        sources=[SOURCE],
        fields={
            "items": ["Ho", "Er"],
            "announced_on": "2025-04-03",
            "sources": [{"title": "Gazette"}],
        },
    ),
    "measure_lifted": follow_up("measure_lifted", effective_on="2025-07-01"),
    "measure_retracted": follow_up("measure_retracted", reason="never happened"),
    "group_defined": {
        "type": "group_defined",
        "group": "white-list",
        "title": "White list",
        "issuer": "JP",
        "members": ["KR", "US"],
        "effective_on": "2004-01-01",
        "announced_on": "2003-12-01",
        "document": "Cabinet order",
        "notes": "n",
        "sources": [SOURCE],
    },
    "group_changed": {
        "type": "group_changed",
        "group": "white-list",
        "removed": ["KR"],
        "added": ["GB"],
        "effective_on": "2019-08-28",
        "announced_on": "2019-08-02",
        "document": "Cabinet order 2019",
        "responds_to": ["busan-summit"],
        "notes": "n",
        "sources": [SOURCE],
    },
    "party_identified": {
        "type": "party_identified",
        "party": "mhi-shipbuilding",
        "name": "Mitsubishi Shipbuilding Co., Ltd.",
        "country": "JP",
        "aliases": ["MHI Shipbuilding"],
        "identifiers": {"jcn": "1010001212345"},
        "notes": "n",
        "sources": [SOURCE],
    },
    "party_corrected": {
        "type": "party_corrected",
        "party": "mhi-shipbuilding",
        "fields": {"aliases": ["MHI Shipbuilding", "Mitsubishi Shipbuilding"]},
        "reason": "another name in use",
    },
}


def mapper() -> PydanticMapper:
    return PydanticMapper(OrjsonTranscoder())


#: A later snapshot of HISTORY's group (stored as `Group.Redefined`).
SECOND_SNAPSHOT = {
    "type": "group_defined",
    "group": "white-list",
    "title": "White list",
    "members": ["US"],
    "effective_on": "2023-07-21",
    "sources": [SOURCE],
}


def stored_event_classes() -> list[type[RecordedEvent]]:
    """Every event class of the aggregates that is made from an input record."""
    return [
        value
        for aggregate in (Measure, Action, Group, Party)
        for value in vars(aggregate).values()
        if isinstance(value, type)
        and issubclass(value, RecordedEvent)
        and hasattr(value, "record_type")
    ]


def history_events() -> dict[str, RecordedEvent]:
    """One event of each type, made by the aggregates from the records of HISTORY."""
    parsed = {record_type: parse_record(raw, 1) for record_type, raw in HISTORY.items()}
    taken = parsed.pop("action_taken")
    first = parsed.pop("measure_imposed")
    assert isinstance(taken, ActionTakenRecord)
    assert isinstance(first, MeasureImposedRecord)
    defined, changed = parsed.pop("group_defined"), parsed.pop("group_changed")
    assert isinstance(defined, GroupDefinedRecord)
    assert isinstance(changed, GroupChangedRecord)
    identified, corrected = parsed.pop("party_identified"), parsed.pop("party_corrected")
    assert isinstance(identified, PartyIdentifiedRecord)
    assert isinstance(corrected, PartyCorrectedRecord)
    party = Party.identify(identified, RECORDED_AT)
    party.record(corrected, RECORDED_AT)
    group = Group.define(defined, RECORDED_AT)
    group.record(changed, RECORDED_AT)
    act = Action.take(taken, RECORDED_AT)
    measure = Measure.impose(first, RECORDED_AT)
    for record in parsed.values():
        assert not isinstance(
            record,
            ActionTakenRecord
            | GroupDefinedRecord
            | GroupChangedRecord
            | PartyIdentifiedRecord
            | PartyCorrectedRecord,
        )
        measure.record(record, RECORDED_AT)
    events: list[Any] = [
        *act.collect_events(),
        *group.collect_events(),
        *party.collect_events(),
        *measure.collect_events(),
    ]
    return {event.record_type: event for event in events}


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("record_type", list(HISTORY))
def test_every_event_round_trips_through_the_mapper(record_type: str) -> None:
    event = history_events()[record_type]
    stored = mapper().to_stored_event(event)
    loaded = mapper().to_domain_event(stored)
    assert type(loaded) is type(event)
    assert loaded == event
    assert stored.topic == get_topic(type(event))
    assert (stored.originator_id, stored.originator_version) == (
        event.originator_id,
        event.originator_version,
    )


def test_the_history_has_an_event_of_every_record_type() -> None:
    assert set(history_events()) == set(RECORD_TYPES)


def test_loaded_events_hold_dates_tuples_and_sources_not_json() -> None:
    events = history_events()
    imposed_event = mapper().to_domain_event(mapper().to_stored_event(events["measure_imposed"]))
    assert isinstance(imposed_event, Measure.Imposed)
    assert imposed_event.effective_on == date(2025, 4, 4)
    assert imposed_event.until == date(2026, 4, 4)
    assert imposed_event.items == ("Dy", "Tb")
    assert imposed_event.destinations == ("JP", "US")
    assert imposed_event.sources == (
        Source(
            title="MOFCOM announcement",
            url="https://example.org/mofcom",
            published_on=date(2025, 4, 4),
        ),
        Source(title="Reuters"),
    )
    assert imposed_event.timestamp == RECORDED_AT


def test_changes_and_fields_keep_their_json_values() -> None:
    events = history_events()
    amended = mapper().to_domain_event(mapper().to_stored_event(events["measure_amended"]))
    corrected = mapper().to_domain_event(mapper().to_stored_event(events["measure_corrected"]))
    assert isinstance(amended, Measure.Amended)
    assert isinstance(corrected, Measure.Corrected)
    assert amended.changes == {"items": ["Ho"], "certainty": "in_force", "until": "2026-06-01"}
    assert corrected.fields == {
        "items": ["Ho", "Er"],
        "announced_on": "2025-04-03",
        "sources": [{"title": "Gazette"}],
    }


def test_the_stored_state_is_json_without_the_id_and_version() -> None:
    stored = mapper().to_stored_event(history_events()["measure_lifted"])
    state = orjson.loads(stored.state)
    assert "originator_id" not in state
    assert "originator_version" not in state
    assert "class_version" not in state
    assert state["effective_on"] == "2025-07-01"
    assert state["measure"] == "cn-mofcom-2025-18"


# --- upcasting ----------------------------------------------------------------------------------


class LiftedV2(Measure.Lifted):
    """Test-only: a later `Measure.Lifted` that says who ended the measure."""

    class_version: ClassVar[int] = 2
    ended_by: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["ended_by"] = "the issuer"


class LiftedV3(LiftedV2):
    """Test-only: a still later `Measure.Lifted` whose notes became a list of remarks."""

    class_version: ClassVar[int] = 3
    remarks: tuple[str, ...]

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        notes = state.pop("notes", None)
        state["remarks"] = [notes] if notes else []


def lifted_v1_state(**fields: Any) -> bytes:
    """The stored state of a version 1 `Measure.Lifted`, as an old log holds it."""
    state = {
        "timestamp": "2025-12-01T10:00:00+00:00",
        "measure": "cn-mofcom-2025-18",
        "effective_on": "2025-07-01",
        "document": None,
        "responds_to": None,
        "notes": None,
        "sources": [{"title": "t", "url": None, "published_on": None}],
    }
    return orjson.dumps({**state, **fields})


def test_a_version_1_state_is_upcast_when_loaded() -> None:
    stored = StoredEvent(
        originator_id=uuid4(),
        originator_version=3,
        topic=get_topic(LiftedV2),
        state=lifted_v1_state(),
    )
    event = mapper().to_domain_event(stored)
    assert isinstance(event, LiftedV2)
    assert event.ended_by == "the issuer"
    assert event.effective_on == date(2025, 7, 1)
    assert event.originator_version == 3


def test_upcasters_run_in_sequence_from_the_stored_version() -> None:
    from_v1 = mapper().to_domain_event(
        StoredEvent(
            originator_id=uuid4(),
            originator_version=2,
            topic=get_topic(LiftedV3),
            state=lifted_v1_state(notes="by decree"),
        )
    )
    from_v2 = mapper().to_domain_event(
        StoredEvent(
            originator_id=uuid4(),
            originator_version=2,
            topic=get_topic(LiftedV3),
            state=lifted_v1_state(class_version=2, ended_by="a court", notes=None),
        )
    )
    assert isinstance(from_v1, LiftedV3)
    assert isinstance(from_v2, LiftedV3)
    assert (from_v1.ended_by, from_v1.remarks) == ("the issuer", ("by decree",))
    assert (from_v2.ended_by, from_v2.remarks) == ("a court", ())


def test_a_current_version_is_stored_with_its_version_and_not_upcast_again() -> None:
    event = LiftedV2(
        originator_id=uuid4(),
        originator_version=2,
        timestamp=RECORDED_AT,
        measure="m",
        effective_on=date(2025, 7, 1),
        sources=(Source(title="t"),),
        ended_by="a court",
    )
    stored = mapper().to_stored_event(event)
    assert orjson.loads(stored.state)["class_version"] == 2
    assert mapper().to_domain_event(stored) == event


# --- topics -------------------------------------------------------------------------------------


def test_stored_event_topics_never_change() -> None:
    assert sorted(get_topic(cls) for cls in stored_event_classes()) == GOLDEN_TOPICS


def test_every_record_type_has_its_own_stored_event_classes() -> None:
    by_type: dict[str, list[str]] = {}
    for cls in stored_event_classes():
        by_type.setdefault(cls.record_type, []).append(cls.__name__)
    assert sorted(by_type) == sorted(RECORD_TYPES)
    # one class each, but a group's first snapshot, which creates the group, and its later ones
    assert {name: classes for name, classes in by_type.items() if len(classes) > 1} == {
        "group_defined": ["Defined", "Redefined"]
    }


def test_the_log_stores_events_under_the_golden_topics(popo_app: Regimes) -> None:
    popo_app.append(batch(*HISTORY.values(), SECOND_SNAPSHOT), RECORDED_AT)
    notifications = popo_app.recorder.select_notifications(start=1, limit=100)
    assert sorted({notification.topic for notification in notifications}) == GOLDEN_TOPICS


# --- events print back their records ------------------------------------------------------------

IMPOSED_DEFAULTS = {"direction": "export", "certainty": "in_force"}
REPLY = action("reply", responds_to=["busan-summit"], notes="n")

TO_RECORD = [
    pytest.param([], imposed(), imposed() | IMPOSED_DEFAULTS, id="measure_imposed-minimal"),
    pytest.param(
        [action()], FULL_IMPOSED, FULL_IMPOSED | {"direction": "export"}, id="measure_imposed-full"
    ),
    pytest.param(
        [],
        imposed(issuer="JP", direction="import", destinations=None, origins=["CN"]),
        imposed(
            issuer="JP", direction="import", destinations=None, origins=["CN"], certainty="in_force"
        ),
        id="measure_imposed-import",
    ),
    pytest.param([], action(), action(), id="action_taken"),
    pytest.param([action()], REPLY, REPLY, id="action_taken-full"),
    *(
        pytest.param(list(HISTORY.values())[:index], record, record, id=record_type)
        for index, (record_type, record) in enumerate(HISTORY.items())
        if index >= 2
    ),
    pytest.param(
        [imposed(until="2026-01-01")],
        follow_up("measure_amended", effective_on="2025-05-01", until=None),
        follow_up("measure_amended", effective_on="2025-05-01", until=None),
        id="measure_amended-removing-the-sunset",
    ),
    pytest.param(
        [imposed(kind="export_ban", end_users="military")],
        follow_up("measure_corrected", fields={"end_users": None}, reason="r"),
        follow_up("measure_corrected", fields={"end_users": None}, reason="r"),
        id="measure_corrected-to-no-end-users",
    ),
]


@pytest.mark.parametrize(("history", "record", "expected"), TO_RECORD)
def test_an_event_prints_back_the_record_it_was_made_from(
    popo_app: Regimes,
    history: list[dict[str, Any]],
    record: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    popo_app.append(batch(*history, record), RECORDED_AT)
    *_, logged = popo_app.records()
    if record["type"] in ("measure_corrected", "measure_retracted"):
        # no date of its own to give its publication: the day it was recorded, written out
        expected = {**expected, "published_on": RECORDED_AT.date().isoformat()}
    assert logged.record == expected
    assert logged.recorded_at == RECORDED_AT


def test_the_printed_log_appends_as_itself(popo_app: Regimes) -> None:
    popo_app.append(batch(*HISTORY.values()), RECORDED_AT)
    printed = [logged.record for logged in popo_app.records()]
    assert popo_app.append(batch(*printed), RECORDED_AT).unchanged == len(printed)
    fresh = Regimes(env={**MAPPER_ENV, "PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        assert fresh.append(batch(*printed), RECORDED_AT).appended == len(printed)
        assert [logged.record for logged in fresh.records()] == printed
    finally:
        fresh.close()

"""Input records (docs/records.md §1-§4, §7): what the append format accepts, and how it names what
it refuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from domain.errors import RecordError
from domain.records import (
    AMENDABLE,
    CORRECTABLE,
    RECORD_TYPES,
    ActionTakenRecord,
    GroupChangedRecord,
    GroupDefinedRecord,
    MeasureAmendedRecord,
    MeasureCorrectedRecord,
    MeasureImposedRecord,
    MeasureLiftedRecord,
    MeasureResumedRecord,
    MeasureRetractedRecord,
    MeasureSuspendedRecord,
    PartyCorrectedRecord,
    PartyIdentifiedRecord,
    RecordErrors,
    json_name,
    parse_record,
)
from tests.samples import SOURCE, action, follow_up, imposed

#: The 17 rare earths, in the order `REE` expands to.
RARE_EARTHS = [
    "Sc",
    "Y",
    "La",
    "Ce",
    "Pr",
    "Nd",
    "Pm",
    "Sm",
    "Eu",
    "Gd",
    "Tb",
    "Dy",
    "Ho",
    "Er",
    "Tm",
    "Yb",
    "Lu",
]

BARE_SOURCE = {"title": "Reuters"}
LINE = 7

#: A value for every field a `measure_corrected` record may replace (valid together).
CORRECTED_FIELDS: dict[str, Any] = {
    "issuer": "CN",
    "kind": "export_ban",
    "direction": "export",
    "items": ["Ga", "Ge"],
    "destinations": ["US"],
    "origins": ["JP"],
    "except": ["KR"],
    "announced_on": "2024-12-03",
    "effective_on": "2024-12-03",
    "until": "2026-11-27",
    "certainty": "de_facto",
    "end_users": "military",
    "parties": ["lockheed-martin"],
    "title": "Ban on gallium to the US",
    "document": "MOFCOM 2024-46",
    "hs_codes": ["8112"],
    "control_codes": ["1C902.c"],
    "responds_to": ["us-bis-2024-12"],
    "notes": "corrected from the Gazette",
    "sources": [SOURCE],
}


def _without(record: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != name}


def minimal(record_type: str) -> dict[str, Any]:
    """The smallest valid record of each type."""
    records: dict[str, dict[str, Any]] = {
        "measure_imposed": {
            "type": "measure_imposed",
            "measure": "m",
            "issuer": "CN",
            "kind": "licence_requirement",
            "items": ["Dy"],
            "destinations": ["JP"],
            "announced_on": "2025-04-04",
            "effective_on": "2025-04-04",
            "sources": [BARE_SOURCE],
        },
        "measure_amended": {
            "type": "measure_amended",
            "measure": "m",
            "effective_on": "2025-05-01",
            "kind": "export_ban",
            "sources": [BARE_SOURCE],
        },
        "measure_suspended": {
            "type": "measure_suspended",
            "measure": "m",
            "effective_on": "2025-05-01",
            "sources": [BARE_SOURCE],
        },
        "measure_resumed": {
            "type": "measure_resumed",
            "measure": "m",
            "effective_on": "2025-05-01",
            "sources": [BARE_SOURCE],
        },
        "measure_lifted": {
            "type": "measure_lifted",
            "measure": "m",
            "effective_on": "2025-05-01",
            "sources": [BARE_SOURCE],
        },
        "measure_corrected": {
            "type": "measure_corrected",
            "measure": "m",
            "fields": {"items": ["Ho"]},
            "reason": "typo",
        },
        "measure_retracted": {"type": "measure_retracted", "measure": "m", "reason": "hoax"},
        "group_defined": {
            "type": "group_defined",
            "group": "jp-group-a",
            "title": "Group A",
            "members": [],
            "effective_on": "2004-01-01",
            "sources": [BARE_SOURCE],
        },
        "group_changed": {
            "type": "group_changed",
            "group": "jp-group-a",
            "effective_on": "2019-08-28",
            "removed": ["KR"],
            "sources": [BARE_SOURCE],
        },
        "action_taken": {
            "type": "action_taken",
            "action": "a",
            "issuer": "CN",
            "kind": "statement",
            "occurred_on": "2025-10-09",
            "title": "MOFCOM statement",
            "sources": [BARE_SOURCE],
        },
        "party_identified": {
            "type": "party_identified",
            "party": "mhi-shipbuilding",
            "name": "Mitsubishi Shipbuilding",
            "country": "JP",
            "sources": [BARE_SOURCE],
        },
        "party_corrected": {
            "type": "party_corrected",
            "party": "mhi-shipbuilding",
            "fields": {"name": "Mitsubishi Shipbuilding Co., Ltd."},
            "reason": "the full name",
        },
    }
    return records[record_type]


def full(record_type: str) -> dict[str, Any]:
    """A valid record of each type with every optional field given."""
    extra: dict[str, dict[str, Any]] = {
        "measure_imposed": {
            "kind": "export_ban",
            "direction": "export",
            "items": ["Dy", "dichlorosilane"],
            "destinations": ["JP", "US"],
            "until": "2026-04-04",
            "certainty": "de_facto",
            "end_users": "military",
            "title": "Export ban on dysprosium",
            "document": "MOFCOM 2025-18",
            "hs_codes": ["2805", "28053010"],
            "control_codes": ["1C902.c", "3A090"],
            "responds_to": ["us-tariffs-2025"],
            "notes": "as reported by customs",
            "sources": [SOURCE, BARE_SOURCE],
        },
        "measure_amended": {
            "items": ["Ho"],
            "destinations": ["JP"],
            "kind": "export_ban",
            "end_users": "military",
            "certainty": "in_force",
            "until": "2026-01-01",
            "document": "MOFCOM 2025-61",
            "responds_to": ["busan-summit"],
            "notes": "n",
            "sources": [SOURCE],
        },
        "measure_suspended": {
            "until": "2026-11-10",
            "announced_on": "2025-04-20",
            "published_on": "2025-04-21",
            "document": "MOFCOM 2025-70",
            "responds_to": ["busan-summit"],
            "notes": "one year",
            "sources": [SOURCE],
        },
        "measure_resumed": {
            "document": "d",
            "responds_to": ["busan-summit"],
            "notes": "n",
            "sources": [SOURCE],
        },
        "measure_lifted": {
            "document": "d",
            "responds_to": ["busan-summit"],
            "notes": "n",
            "sources": [SOURCE],
        },
        "measure_corrected": {
            "fields": CORRECTED_FIELDS,
            "sources": [SOURCE],
            "published_on": "2026-01-05",
        },
        "measure_retracted": {"sources": [SOURCE], "published_on": "2026-01-05"},
        "group_defined": {
            "members": ["KR", "US"],
            "issuer": "JP",
            "announced_on": "2003-12-01",
            "document": "Cabinet order",
            "notes": "n",
            "published_on": "2003-12-02",
        },
        "group_changed": {
            "added": ["GB"],
            "announced_on": "2019-08-02",
            "document": "Cabinet order 2019",
            "responds_to": ["busan-summit"],
            "notes": "n",
            "published_on": "2019-08-02",
        },
        "action_taken": {
            "counterparts": ["US", "JP"],
            "responds_to": ["us-tariffs-2025"],
            "notes": "n",
            "sources": [SOURCE, BARE_SOURCE],
        },
        "party_identified": {
            "aliases": ["MHI Shipbuilding"],
            "identifiers": {"jcn": "1010001212345"},
            "notes": "n",
            "sources": [SOURCE],
        },
        "party_corrected": {
            "fields": {"name": "Mitsubishi Shipbuilding Co., Ltd.", "aliases": ["MHI"]},
            "sources": [SOURCE],
        },
    }
    return {**minimal(record_type), **extra[record_type]}


MODELS: dict[str, type[Any]] = {
    "measure_imposed": MeasureImposedRecord,
    "measure_amended": MeasureAmendedRecord,
    "measure_suspended": MeasureSuspendedRecord,
    "measure_resumed": MeasureResumedRecord,
    "measure_lifted": MeasureLiftedRecord,
    "measure_corrected": MeasureCorrectedRecord,
    "measure_retracted": MeasureRetractedRecord,
    "action_taken": ActionTakenRecord,
    "group_defined": GroupDefinedRecord,
    "group_changed": GroupChangedRecord,
    "party_identified": PartyIdentifiedRecord,
    "party_corrected": PartyCorrectedRecord,
}

ACCEPTED = [
    *(pytest.param(minimal(name), name, id=f"{name}-minimal") for name in MODELS),
    *(pytest.param(full(name), name, id=f"{name}-full") for name in MODELS),
    pytest.param(
        _without(minimal("measure_imposed"), "destinations")
        | {"direction": "import", "origins": ["AU"]},
        "measure_imposed",
        id="measure_imposed-import",
    ),
    pytest.param(
        _without(minimal("measure_imposed"), "destinations")
        | {"direction": "import", "origins": ["*"]},
        "measure_imposed",
        id="measure_imposed-import-from-everywhere",
    ),
    pytest.param(
        minimal("measure_imposed") | {"destinations": ["*"]},
        "measure_imposed",
        id="measure_imposed-to-everywhere",
    ),
    pytest.param(
        minimal("measure_imposed") | {"announced_on": "2025-05-01", "effective_on": "2025-04-01"},
        "measure_imposed",
        id="measure_imposed-retroactive",
    ),
    pytest.param(
        minimal("measure_imposed") | {"measure": "a" * 100},
        "measure_imposed",
        id="measure_imposed-id-of-100-characters",
    ),
    pytest.param(
        _without(minimal("measure_amended"), "kind") | {"until": None},
        "measure_amended",
        id="measure_amended-removes-its-sunset",
    ),
]


def rejection(raw: object) -> list[RecordError]:
    """The errors `parse_record` reports for a record it must refuse."""
    with pytest.raises(RecordErrors) as caught:
        parse_record(raw, LINE)
    return caught.value.errors


# --- accepted ------------------------------------------------------------------------------


def test_the_accepted_table_covers_every_record_type_in_both_forms() -> None:
    ids = {param.id for param in ACCEPTED}
    assert {f"{name}-{form}" for name in RECORD_TYPES for form in ("minimal", "full")} <= ids


@pytest.mark.parametrize(("raw", "record_type"), ACCEPTED)
def test_every_record_type_is_accepted_in_its_minimal_and_full_forms(
    raw: dict[str, Any], record_type: str
) -> None:
    record = parse_record(raw, LINE)
    assert isinstance(record, MODELS[record_type])
    assert record.type == record_type
    assert set(raw) <= record.model_fields_set


def test_imposed_defaults_to_an_export_measure_in_force() -> None:
    record = parse_record(minimal("measure_imposed"), LINE)
    assert isinstance(record, MeasureImposedRecord)
    assert (record.direction, record.certainty) == ("export", "in_force")


def test_every_field_of_measure_imposed_but_measure_can_be_corrected() -> None:
    refused: dict[str, str] = {}
    for name in map(json_name, CORRECTABLE):
        raw = follow_up("measure_corrected", fields={name: CORRECTED_FIELDS[name]}, reason="r")
        try:
            parse_record(raw, LINE)
        except Exception as error:
            refused[name] = f"{type(error).__name__}: {error}"
    assert refused == {}
    assert set(map(json_name, CORRECTABLE)) == set(CORRECTED_FIELDS)


def test_a_correction_holds_its_fields_as_json_ready_values() -> None:
    record = parse_record(
        follow_up(
            "measure_corrected",
            reason="r",
            fields={"items": ["Ho"], "effective_on": "2025-04-05", "sources": [BARE_SOURCE]},
        ),
        LINE,
    )
    assert isinstance(record, MeasureCorrectedRecord)
    assert record.fields == {
        "items": ["Ho"],
        "effective_on": "2025-04-05",
        "sources": [{"title": "Reuters"}],
    }


def test_an_amendment_lists_only_the_fields_it_changes_in_a_stable_order() -> None:
    record = parse_record(
        follow_up(
            "measure_amended",
            effective_on="2025-05-01",
            until="2026-01-01",
            items=["Ho"],
            notes="n",
        ),
        LINE,
    )
    assert isinstance(record, MeasureAmendedRecord)
    assert list(record.changes().items()) == [("items", ["Ho"]), ("until", "2026-01-01")]


# --- element groups and countries ------------------------------------------------------------


def test_ree_expands_to_the_seventeen_rare_earths_in_order() -> None:
    record = parse_record(imposed(items=["REE"]), LINE)
    assert isinstance(record, MeasureImposedRecord)
    assert list(record.items) == RARE_EARTHS


def test_ree_expansion_keeps_the_first_place_of_each_item_and_drops_duplicates() -> None:
    record = parse_record(imposed(items=["Dy", "REE", "Ga", "Lu", "REE"]), LINE)
    assert isinstance(record, MeasureImposedRecord)
    assert list(record.items) == ["Dy", *(e for e in RARE_EARTHS if e != "Dy"), "Ga"]


def test_ree_expands_in_amendments_and_corrections_too() -> None:
    amended = parse_record(
        follow_up("measure_amended", effective_on="2025-05-01", items=["REE"]), LINE
    )
    corrected = parse_record(
        follow_up("measure_corrected", fields={"items": ["REE", "Sc"]}, reason="r"), LINE
    )
    assert isinstance(amended, MeasureAmendedRecord)
    assert isinstance(corrected, MeasureCorrectedRecord)
    assert amended.changes()["items"] == RARE_EARTHS
    assert corrected.fields["items"] == RARE_EARTHS


def test_every_country_is_allowed_in_destinations_and_origins() -> None:
    export = parse_record(imposed(destinations=["*"]), LINE)
    imports = parse_record(
        imposed(issuer="JP", direction="import", destinations=None, origins=["*"]), LINE
    )
    assert isinstance(export, MeasureImposedRecord)
    assert isinstance(imports, MeasureImposedRecord)
    assert (export.destinations, imports.origins) == (("*",), ("*",))


def test_every_country_is_allowed_as_counterparts_of_an_action() -> None:
    taken = parse_record(action(counterparts=["*"]), LINE)
    assert isinstance(taken, ActionTakenRecord)
    assert taken.counterparts == ("*",)


def test_everyone_as_issuer_is_refused_without_offering_everyone() -> None:
    error = rejection(imposed(issuer="*"))[0]
    assert error.field == "issuer"
    assert "or '*'" not in error.message


# --- rejected --------------------------------------------------------------------------------


REJECTED = [
    # items
    pytest.param(imposed(items=["Xx"]), "items[0]", "Xx", id="unknown-element"),
    pytest.param(imposed(items=["Dy", "dy"]), "items[1]", "dy", id="lower-case-element"),
    pytest.param(imposed(items=["DY"]), "items[0]", "case-exact", id="upper-case-element"),
    pytest.param(imposed(items=["ree"]), "items[0]", "ree", id="lower-case-group"),
    pytest.param(
        imposed(items=["graphite\n"]),
        "items[0]",
        "graphite",
        id="product-slug-with-a-trailing-newline",
    ),
    pytest.param(imposed(items=[]), "items", "at least one", id="empty-items"),
    # countries
    pytest.param(
        imposed(destinations=["jp"]), "destinations[0]", "upper case", id="lower-case-country"
    ),
    pytest.param(imposed(destinations=["JPN"]), "destinations[0]", "JPN", id="alpha-3-country"),
    pytest.param(imposed(destinations=["XX"]), "destinations[0]", "XX", id="unknown-country"),
    pytest.param(imposed(issuer="cn"), "issuer", "upper case", id="lower-case-issuer"),
    pytest.param(imposed(issuer="*"), "issuer", "*", id="everyone-as-issuer"),
    pytest.param(action(issuer="*"), "issuer", "*", id="everyone-as-action-issuer"),
    pytest.param(
        action(counterparts=["us"]), "counterparts[0]", "upper case", id="lower-case-counterpart"
    ),
    pytest.param(imposed(destinations=[]), "destinations", "at least one", id="empty-destinations"),
    # dates
    pytest.param(
        imposed(effective_on="2025-02-30"), "effective_on", "2025-02-30", id="february-30"
    ),
    pytest.param(
        imposed(announced_on="2025-04-04T10:00:00"), "announced_on", "date", id="date-time-string"
    ),
    pytest.param(
        imposed(effective_on=datetime(2025, 4, 4, 10, 0)),
        "effective_on",
        "date and time",
        id="date-time-value",
    ),
    pytest.param(
        imposed(effective_on="04/04/2025"), "effective_on", "04/04/2025", id="not-iso-date"
    ),
    pytest.param(imposed(effective_on=20250404), "effective_on", "20250404", id="number-as-date"),
    pytest.param(
        imposed(sources=[{"title": "t", "published_on": "2025-13-01"}]),
        "sources[0].published_on",
        "2025-13-01",
        id="source-date",
    ),
    # shape
    pytest.param(imposed(colour="red"), "colour", "unknown field", id="unknown-field"),
    pytest.param(  # a key is quoted short, as values are: not 100 KB on stderr
        {**imposed(), "k" * 100_000: 1},
        "'" + "k" * 58 + "…",
        "unknown field",
        id="unknown-field-with-a-long-name",
    ),
    pytest.param(
        imposed(sources=[{"title": "t", "author": "me"}]),
        "sources[0].author",
        "unknown field",
        id="unknown-source-field",
    ),
    pytest.param(_without(imposed(), "type"), "type", "missing record type", id="missing-type"),
    pytest.param(imposed(type="measure_frozen"), "type", "measure_frozen", id="unknown-type"),
    pytest.param(
        _without(follow_up("measure_lifted"), "effective_on") | {"measure": "m"},
        "effective_on",
        "required",
        id="missing-required-field",
    ),
    pytest.param(imposed(kind="embargo"), "kind", "embargo", id="unknown-kind"),
    pytest.param(imposed(certainty="rumoured"), "certainty", "rumoured", id="unknown-certainty"),
    pytest.param(imposed(direction="both"), "direction", "both", id="unknown-direction"),
    pytest.param(imposed(hs_codes=["28.05x"]), "hs_codes[0]", "28.05x", id="hs-code"),
    pytest.param(imposed(hs_codes=["28"]), "hs_codes[0]", "4 to 10 digits", id="hs-code-short"),
    pytest.param(imposed(hs_codes=["9999"]), "hs_codes[0]", "no HS 2022 heading", id="hs-heading"),
    pytest.param(
        imposed(hs_codes=["2805.99"]), "hs_codes[0]", "no HS 2022 subheading", id="hs-subheading"
    ),
    # ids
    pytest.param(imposed(measure="cn mofcom"), "measure", "cn mofcom", id="id-with-space"),
    pytest.param(imposed(measure="CN-mofcom"), "measure", "CN-mofcom", id="id-upper-case"),
    pytest.param(imposed(measure="cn\x00mofcom"), "measure", "does not match", id="id-with-nul"),
    pytest.param(imposed(measure="cn\tmofcom"), "measure", "does not match", id="id-with-tab"),
    pytest.param(
        imposed(measure="cn-mofcom\n"), "measure", "does not match", id="id-with-trailing-newline"
    ),
    pytest.param(
        imposed(measure="-cn-mofcom"), "measure", "does not match", id="id-starting-with-hyphen"
    ),
    pytest.param(imposed(measure="a" * 101), "measure", "100", id="id-over-100-characters"),
    pytest.param(imposed(measure=""), "measure", "does not match", id="id-empty"),
    pytest.param(action(slug="Busan Summit"), "action", "Busan Summit", id="action-id-with-space"),
    pytest.param(
        imposed(responds_to=["Busan"]), "responds_to[0]", "Busan", id="responds-to-id-upper-case"
    ),
    # sources
    pytest.param(imposed(sources=[]), "sources", "at least one", id="empty-sources"),
    pytest.param(_without(imposed(), "sources"), "sources", "required", id="missing-sources"),
    pytest.param(
        imposed(sources=[{"title": "t", "url": "ftp://example.org/x"}]),
        "sources[0].url",
        "ftp://",
        id="ftp-url",
    ),
    pytest.param(
        imposed(sources=[{"title": "t", "url": "javascript:alert(1)"}]),
        "sources[0].url",
        "javascript",
        id="javascript-url",
    ),
    pytest.param(
        imposed(sources=[{"title": "t", "url": "example.org/x"}]),
        "sources[0].url",
        "example.org",
        id="url-without-scheme",
    ),
    pytest.param(imposed(sources=[{"title": ""}]), "sources[0].title", "", id="empty-source-title"),
    # direction
    pytest.param(
        imposed(issuer="JP", direction="import", origins=["CN"]),
        "destinations",
        "import",
        id="destinations-for-an-import",
    ),
    pytest.param(
        imposed(issuer="JP", direction="import", destinations=None),
        "origins",
        "required",
        id="import-without-origins",
    ),
    pytest.param(
        imposed(destinations=None), "destinations", "required", id="export-without-destinations"
    ),
    pytest.param(imposed(origins=["JP"]), "origins", "export", id="origins-for-an-export"),
    pytest.param(
        imposed(destinations=["JP", "CN"]),
        "destinations",
        "issuer",
        id="issuer-in-its-own-destinations",
    ),
    pytest.param(
        imposed(issuer="JP", direction="import", destinations=None, origins=["JP"]),
        "origins",
        "issuer",
        id="issuer-in-its-own-origins",
    ),
    # until
    pytest.param(imposed(until="2025-04-04"), "until", "after", id="imposed-until-same-day"),
    pytest.param(imposed(until="2025-04-03"), "until", "after", id="imposed-until-before"),
    pytest.param(
        follow_up("measure_suspended", effective_on="2025-05-01", until="2025-05-01"),
        "until",
        "after",
        id="suspended-until-same-day",
    ),
    pytest.param(
        follow_up("measure_suspended", effective_on="2025-05-01", until="2025-04-01"),
        "until",
        "after",
        id="suspended-until-before",
    ),
    pytest.param(
        follow_up("measure_amended", effective_on="2025-05-01", until="2025-05-01"),
        "until",
        "after",
        id="amended-until-same-day",
    ),
    # amendments
    pytest.param(
        follow_up("measure_amended", effective_on="2025-05-01"),
        "record",
        "amendment",
        id="amendment-changing-nothing",
    ),
    pytest.param(
        follow_up("measure_amended", effective_on="2025-05-01", notes="n", document="d"),
        "record",
        "amendment",
        id="amendment-changing-only-notes",
    ),
    pytest.param(
        follow_up("measure_amended", effective_on="2025-05-01", issuer="US"),
        "issuer",
        "unknown field",
        id="amendment-changing-the-issuer",
    ),
    pytest.param(
        follow_up("measure_amended", effective_on="2025-05-01", items=["Xx"]),
        "items[0]",
        "Xx",
        id="amendment-with-an-unknown-element",
    ),
    # corrections
    pytest.param(
        follow_up("measure_corrected", fields={"measure": "other"}, reason="r"),
        "fields",
        "measure",
        id="correction-of-the-id",
    ),
    pytest.param(
        follow_up("measure_corrected", fields={"type": "action_taken"}, reason="r"),
        "fields",
        "type",
        id="correction-of-the-type",
    ),
    pytest.param(
        follow_up("measure_corrected", fields={"colour": "red"}, reason="r"),
        "fields",
        "colour",
        id="correction-of-an-unknown-field",
    ),
    pytest.param(
        follow_up("measure_corrected", fields={}, reason="r"),
        "fields",
        "one or more",
        id="correction-of-nothing",
    ),
    pytest.param(
        follow_up("measure_corrected", fields={"items": ["Xx"]}, reason="r"),
        "fields",
        "Xx",
        id="correction-to-an-unknown-element",
    ),
    pytest.param(
        follow_up("measure_corrected", fields={"effective_on": "2025-02-30"}, reason="r"),
        "fields",
        "2025-02-30",
        id="correction-to-an-impossible-date",
    ),
    pytest.param(
        follow_up("measure_corrected", fields={"kind": "embargo"}, reason="r"),
        "fields",
        "embargo",
        id="correction-to-an-unknown-kind",
    ),
    pytest.param(
        follow_up("measure_corrected", fields={"destinations": ["jp"]}, reason="r"),
        "fields",
        "jp",
        id="correction-to-a-lower-case-country",
    ),
    pytest.param(
        _without(follow_up("measure_corrected", fields={"items": ["Ho"]}), "reason"),
        "reason",
        "required",
        id="correction-without-a-reason",
    ),
    pytest.param(
        follow_up("measure_retracted", reason=""),
        "reason",
        "",
        id="retraction-with-an-empty-reason",
    ),
    # publication time
    pytest.param(
        follow_up("measure_lifted", effective_on="2025-05-01", announced_on="2025-05-02"),
        "announced_on",
        "must not be after effective_on",
        id="follow-up-announced-after-its-effect",
    ),
    pytest.param(
        follow_up("measure_corrected", fields={"published_on": "2025-01-01"}, reason="r"),
        "fields",
        "cannot change 'published_on'",
        id="correction-of-a-publication-date",
    ),
    pytest.param(
        imposed(published_on="2025-13-01"), "published_on", "calendar date", id="bad-publication"
    ),
    # groups
    pytest.param(
        {**minimal("group_defined"), "members": ["KR", "@jp-group-a"]},
        "members[1]",
        "countries, not groups",
        id="group-among-members",
    ),
    pytest.param(
        {**minimal("group_defined"), "members": ["KR", "KR"]},
        "members",
        "listed twice",
        id="member-listed-twice",
    ),
    pytest.param(
        {**minimal("group_defined"), "members": ["*"]},
        "members[0]",
        "countries, not groups",
        id="every-country-as-a-member",
    ),
    pytest.param(
        {**minimal("group_defined"), "group": "@jp-group-a"},
        "group",
        "does not match",
        id="group-id-with-its-at-sign",
    ),
    pytest.param(
        {**minimal("group_changed"), "removed": ["KR", "KR"]},
        "removed",
        "listed twice",
        id="member-removed-twice",
    ),
    pytest.param(
        _without(minimal("group_changed"), "removed"),
        "record",
        "adds or removes",
        id="group-change-changing-nothing",
    ),
    pytest.param(
        {**minimal("group_changed"), "added": ["KR"]},
        "record",
        "both added and removed",
        id="group-change-adding-and-removing-one-country",
    ),
    pytest.param(
        {**minimal("group_changed"), "announced_on": "2019-09-01"},
        "announced_on",
        "must not be after effective_on",
        id="group-change-announced-after-its-effect",
    ),
]


@pytest.mark.parametrize(("raw", "field", "message_part"), REJECTED)
def test_a_record_breaking_one_rule_is_refused_with_one_error_naming_its_field(
    raw: dict[str, Any], field: str, message_part: str
) -> None:
    errors = rejection(raw)
    assert [(error.line, error.field) for error in errors] == [(LINE, field)]
    assert message_part.lower() in errors[0].message.lower()


def test_a_record_breaking_several_rules_gets_every_error() -> None:
    raw = imposed(measure="Bad Id", issuer="cn", items=["Xx"], colour="red")
    fields = {error.field for error in rejection(raw)}
    assert fields == {"measure", "issuer", "items[0]", "colour"}


def test_an_input_that_is_not_an_object_is_refused_as_a_whole() -> None:
    errors = rejection(["measure_imposed"])
    assert [(error.line, error.field) for error in errors] == [(LINE, "record")]


def test_a_record_error_reads_as_line_field_message() -> None:
    error = rejection(imposed(destinations=["jp"]))[0]
    assert str(error) == f"line {LINE}: destinations[0]: {error.message}"
    assert str(RecordError(3, "items", "bad", "in.jsonl")) == "in.jsonl: line 3: items: bad"


def test_hs_codes_are_kept_as_digits_without_dots_and_spaces() -> None:
    record = parse_record(imposed(hs_codes=["2805.30", "8112 92 10", "811299"]), LINE)
    assert isinstance(record, MeasureImposedRecord)
    assert record.hs_codes == ("280530", "81129210", "811299")


def test_amendable_fields_are_the_ones_the_design_lists() -> None:
    assert set(AMENDABLE) == {
        "items",
        "destinations",
        "origins",
        "except",
        "kind",
        "end_users",
        "parties",  # DESIGN §10: an amendment with parties replaces the list
        "certainty",
        "until",
    }

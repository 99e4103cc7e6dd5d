"""The input records of the append format (docs/records.md §2-§4): shape and vocabulary, validated
once.

These models are the strict front door. What is stored is the events of `domain.measure` and
`domain.action`, whose field types stay lenient so that a stricter rule here never makes an
old log unreadable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.fields import (
    ActionKind,
    ControlCode,
    EndUsers,
    Excepted,
    HsCode,
    IsoDate,
    Issuer,
    Items,
    Notes,
    Place,
    Places,
    Slug,
    SourceRecord,
    Sources,
    Text,
    _after,
    _Dated,
    _once,
    _Record,
    _Strict,
)
from domain.group_records import GroupChangedRecord, GroupDefinedRecord, GroupRecord
from domain.party_records import Parties, PartyCorrectedRecord, PartyIdentifiedRecord, PartyRecord
from domain.record_errors import RecordErrors as RecordErrors
from domain.record_errors import field_path, located_errors, message_for, shown
from domain.vocabulary import (
    Certainty,
    Direction,
    MeasureKind,
    is_group,
)

#: Also read from here: the group records, and the bases every record shares.
__all__ = [
    "GroupChangedRecord",
    "GroupDefinedRecord",
    "GroupRecord",
    "PartyCorrectedRecord",
    "PartyIdentifiedRecord",
    "PartyRecord",
    "RecordErrors",
    "SourceRecord",
    "_Record",
    "_Strict",
]


class MeasureImposedRecord(_Record):
    """A measure comes into the world: who issues it, on what, for whom, from when."""

    type: Literal["measure_imposed"]
    measure: Slug
    issuer: Issuer
    kind: MeasureKind
    direction: Direction = "export"
    items: Items
    destinations: Places | None = Field(default=None, validate_default=True)
    origins: Places | None = Field(default=None, validate_default=True)
    except_: Excepted | None = Field(default=None, alias="except")
    announced_on: IsoDate
    effective_on: IsoDate
    until: IsoDate | None = None
    certainty: Certainty = "in_force"
    end_users: EndUsers | None = None
    #: The named parties it applies to (an entity list), in its places: None for everyone.
    parties: Parties | None = None
    title: Text | None = None
    document: Text | None = None
    hs_codes: tuple[HsCode, ...] | None = None
    #: The export-control list's own numbers of its items (`1C902.c`), kept as written.
    control_codes: tuple[ControlCode, ...] | None = None
    responds_to: tuple[Slug, ...] | None = None
    notes: Notes | None = None
    sources: Sources

    @field_validator("destinations")
    @classmethod
    def _destinations_for_exports(
        cls, value: tuple[str, ...] | None, info: ValidationInfo
    ) -> tuple[str, ...] | None:
        return _places_for("export", "destinations", value, info)

    @field_validator("origins")
    @classmethod
    def _origins_for_imports(
        cls, value: tuple[str, ...] | None, info: ValidationInfo
    ) -> tuple[str, ...] | None:
        return _places_for("import", "origins", value, info)

    @field_validator("until")
    @classmethod
    def _until_after_effect(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _after("effective_on", "until", value, info)

    @field_validator("except_")
    @classmethod
    def _leaves_out_others(
        cls, value: tuple[str, ...] | None, info: ValidationInfo
    ) -> tuple[str, ...] | None:
        if value is None:
            return value
        if info.data.get("issuer") in value:
            raise ValueError(f"the issuer {info.data['issuer']} is never covered: leave it out")
        return _once(value, "except")

    def default_publication(self, recorded_on: date) -> date:
        return self.announced_on


def _places_for(
    direction: str, field: str, value: tuple[str, ...] | None, info: ValidationInfo
) -> tuple[str, ...] | None:
    given = info.data.get("direction")
    if given is None:
        return value
    if given == direction and value is None:
        raise ValueError(f"required for direction {direction!r}")
    if given != direction and value is not None:
        raise ValueError(f"not allowed for direction {given!r}")
    issuer = info.data.get("issuer")
    if value is not None and issuer in value:
        raise ValueError(f"the issuer {issuer} cannot be one of its own {field}")
    return value


#: Fields a `measure_amended` record may change from its `effective_on`, as records name them.
AMENDABLE = (
    "items",
    "destinations",
    "origins",
    "except",
    "kind",
    "end_users",
    "parties",
    "certainty",
    "until",
)
#: Fields a `measure_corrected` record may replace for all valid time (not the publication
#: date: a record's is fixed when it is appended), as the terms name them (`except_`).
CORRECTABLE = tuple(
    name
    for name in MeasureImposedRecord.model_fields
    if name not in ("type", "measure", "published_on")
)


def json_name(name: str) -> str:
    """A field's name in records (`except` for `except_`)."""
    return name.rstrip("_")


def field_name(key: str) -> str:
    """A record key's field name (`except_` for `except`)."""
    return f"{key}_" if key == "except" else key


@cache
def _field_adapter(name: str) -> TypeAdapter[Any]:
    field = MeasureImposedRecord.model_fields[name]
    annotated: Any = field.annotation
    if field.metadata:
        annotated = Annotated.__class_getitem__((annotated, *field.metadata))  # type: ignore[attr-defined]
    return TypeAdapter(annotated)


def validate_terms(fields: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Checks each field as `measure_imposed` would, returning them as JSON-ready values."""
    names = [json_name(name) for name in allowed]
    unknown = sorted(set(fields) - set(names))
    if unknown:
        raise ValueError(
            f"cannot change {', '.join(map(shown, unknown))}; allowed: {', '.join(names)}"
        )
    if not fields:
        raise ValueError(f"give one or more of {', '.join(names)}")
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None and name in ("until", "end_users"):
            checked[name] = None
            continue
        if value is None and name == "parties":  # it would apply to every buyer
            raise ValueError(
                "parties: cannot be cleared: an entity list stays one (retract it, or lift it)"
            )
        adapter = _field_adapter(field_name(name))
        try:
            checked[name] = adapter.dump_python(
                adapter.validate_python(value), mode="json", exclude_none=True
            )
        except ValidationError as error:
            detail = error.errors()[0]
            path = field_path([name, *detail["loc"]])
            raise ValueError(f"{path}: {message_for(detail)}") from None
    return checked


class _DatedFollowUp(_Dated):
    """A change in the world to an existing measure, from `effective_on`."""

    measure: Slug
    document: Text | None = None
    responds_to: tuple[Slug, ...] | None = None
    notes: Notes | None = None
    sources: Sources


class MeasureAmendedRecord(_DatedFollowUp):
    """The measure changes in the world from `effective_on` (new items, an enactment...)."""

    type: Literal["measure_amended"]
    items: Items | None = None
    destinations: Places | None = None
    origins: Places | None = None
    except_: Excepted | None = Field(default=None, alias="except")
    kind: MeasureKind | None = None
    end_users: EndUsers | None = None
    parties: Parties | None = None
    certainty: Certainty | None = None
    until: IsoDate | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> MeasureAmendedRecord:
        if not self.model_fields_set & {field_name(name) for name in AMENDABLE}:
            raise ValueError(f"an amendment changes one or more of {', '.join(AMENDABLE)}")
        return self

    @field_validator("items", "destinations", "origins", "kind", "certainty", "parties")
    @classmethod
    def _not_cleared(cls, value: object, info: ValidationInfo) -> object:
        # A measure has these for all its life (only `until` and `end_users` may go): a null
        # would leave it without a regime.
        if value is None:
            raise ValueError(
                f"cannot be cleared: an amendment gives the measure a new "
                f"{info.field_name}; leave the field out to keep the one it has"
            )
        return value

    @field_validator("until")
    @classmethod
    def _until_after_effect(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _after("effective_on", "until", value, info)

    def changes(self) -> dict[str, Any]:
        """The amended fields, as JSON-ready values, in a stable order."""
        amended = {field_name(name) for name in AMENDABLE} & self.model_fields_set
        dumped = self.model_dump(mode="json", include=amended)
        return {name: dumped[name] for name in AMENDABLE if name in dumped}

    def payload(self) -> dict[str, Any]:
        payload = self.model_dump(
            include={
                "measure",
                "effective_on",
                "announced_on",
                "document",
                "responds_to",
                "notes",
                "sources",
                "published_on",
            }
        )
        payload["changes"] = self.changes()
        return payload


class MeasureSuspendedRecord(_DatedFollowUp):
    """The measure stops applying from `effective_on`; it resumes by itself on `until`. With
    `parties`, for those named parties only."""

    type: Literal["measure_suspended"]
    until: IsoDate | None = None
    parties: Parties | None = None

    @field_validator("until")
    @classmethod
    def _until_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _after("effective_on", "until", value, info)


class MeasureResumedRecord(_DatedFollowUp):
    """The measure applies again from `effective_on`, ending its suspensions early. With
    `parties`, for those named parties only."""

    type: Literal["measure_resumed"]
    parties: Parties | None = None


class MeasureLiftedRecord(_DatedFollowUp):
    """The measure no longer applies from `effective_on`, inclusive. With `parties`, to
    those named parties only (they are delisted)."""

    type: Literal["measure_lifted"]
    parties: Parties | None = None


class MeasureCorrectedRecord(_Record):
    """We had the measure wrong: these fields are replaced for all valid time."""

    type: Literal["measure_corrected"]
    measure: Slug
    fields: dict[str, Any]
    reason: Text
    sources: tuple[SourceRecord, ...] | None = None

    @field_validator("fields")
    @classmethod
    def _correctable(cls, value: dict[str, Any]) -> dict[str, Any]:
        return validate_terms(value, CORRECTABLE)


class MeasureRetractedRecord(_Record):
    """The measure never existed: it was recorded in error."""

    type: Literal["measure_retracted"]
    measure: Slug
    reason: Text
    sources: tuple[SourceRecord, ...] | None = None


class ActionTakenRecord(_Record):
    """A one-off diplomatic or trade act without a regime of its own."""

    type: Literal["action_taken"]
    action: Slug
    issuer: Issuer
    kind: ActionKind
    occurred_on: IsoDate
    title: Text
    counterparts: tuple[Place, ...] | None = None
    responds_to: tuple[Slug, ...] | None = None
    notes: Notes | None = None
    sources: Sources

    def default_publication(self, recorded_on: date) -> date:
        return self.occurred_on


MeasureRecord = (
    MeasureImposedRecord
    | MeasureAmendedRecord
    | MeasureSuspendedRecord
    | MeasureResumedRecord
    | MeasureLiftedRecord
    | MeasureCorrectedRecord
    | MeasureRetractedRecord
)
Record = MeasureRecord | ActionTakenRecord | GroupRecord | PartyRecord
RECORD_TYPES: tuple[str, ...] = tuple(
    get_args(model.model_fields["type"].annotation)[0] for model in get_args(Record)
)

_RECORD_ADAPTER: TypeAdapter[Record] = TypeAdapter(Annotated[Record, Field(discriminator="type")])


def parse_record(raw: object, line: int) -> Record:
    """One validated record, or a `RecordErrors` listing every problem with its field."""
    try:
        return _RECORD_ADAPTER.validate_python(raw)
    except ValidationError as error:
        raise RecordErrors(located_errors(line, error.errors(), RECORD_TYPES)) from None


#: The fields of measure and action records that may name country groups (`@slug`).
GROUP_FIELDS = ("issuer", "destinations", "origins", "except", "counterparts")
#: Each of them with where a record keeps it: a correction's `fields` by name, a record's
#: attributes by field name (`except_`).
_GROUP_KEYS = tuple((name, name) for name in GROUP_FIELDS)
_GROUP_ATTRIBUTES = tuple((name, field_name(name)) for name in GROUP_FIELDS)


def groups_named(record: object) -> dict[str, list[str]]:
    """The groups (slugs, without `@`) a measure or action record names, by field: in its
    places, its `except`, its issuer, an action's counterparts, or the fields a correction
    replaces."""
    # A record's own values (`vars`): asking a model for a field it lacks is slow, and
    # most records lack most of these. Asked of every record checked.
    given, keys = (
        (record.fields, _GROUP_KEYS)
        if isinstance(record, MeasureCorrectedRecord)
        else (vars(record), _GROUP_ATTRIBUTES)
    )
    return _groups_by_field(given, keys)


def groups_written(record: Mapping[str, Any]) -> set[str]:
    """The groups (slugs) a record in the append format names, as `groups_named` finds them
    in a validated one (a correction's in its `fields`)."""
    given = record.get("fields") if record.get("type") == "measure_corrected" else record
    named = _groups_by_field(given or {}, _GROUP_KEYS)
    return {slug for slugs in named.values() for slug in slugs}


def _groups_by_field(
    given: Mapping[str, Any], keys: tuple[tuple[str, str], ...]
) -> dict[str, list[str]]:
    """The groups each of `keys` (a field's name, and its key in `given`) names."""
    named: dict[str, list[str]] = {}
    for name, key in keys:
        value = given.get(key)
        if not value:
            continue
        groups = [
            place[1:]
            for place in ((value,) if isinstance(value, str) else value)
            if is_group(place)
        ]
        if groups:
            named[name] = groups
    return named


def parties_named(record: object) -> dict[str, list[str]]:
    """The parties a measure record names, by field (`parties`, or a correction's
    `fields.parties`)."""
    named = (
        record.fields.get("parties")
        if isinstance(record, MeasureCorrectedRecord)
        else vars(record).get("parties")
    )
    return {"parties": list(named)} if named else {}

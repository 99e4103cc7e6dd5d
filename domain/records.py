"""The input records of the append format (docs/records.md §2-§4): shape and vocabulary, validated
once.

These models are the strict front door. What is stored is the events of `domain.measure` and
`domain.action`, whose field types stay lenient so that a stricter rule here never makes an
old log unreadable.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.controls import NOTES_PATTERN, TEXT_PATTERN, URL_PATTERN
from domain.record_errors import RecordErrors as RecordErrors
from domain.record_errors import field_path, located_errors, message_for, shown
from domain.vocabulary import (
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    Certainty,
    Direction,
    MeasureKind,
    check_country,
    check_item,
    expand_items,
    is_group,
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    if (
        type(value) is str
        and len(value) == 10
        and value[4] == value[7] == "-"
        and value[:4].isdigit()
    ):
        try:  # the common case first: records carry many dates
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a calendar date: {error}") from None
    if isinstance(value, datetime):
        raise ValueError("expected a calendar date YYYY-MM-DD, not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a calendar date: {error}") from None
    raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=TEXT_PATTERN)]
Notes = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=NOTES_PATTERN)]
Country = Annotated[str, AfterValidator(lambda code: check_country(code, worldwide=False))]
Place = Annotated[str, AfterValidator(check_country)]
Places = Annotated[tuple[Place, ...], Field(min_length=1)]
Items = Annotated[
    tuple[Annotated[str, AfterValidator(check_item)], ...],
    Field(min_length=1),
    AfterValidator(expand_items),
]
#: The countries a measure's destinations (or origins) leave out: never `*`.
Excepted = Annotated[
    tuple[Annotated[str, AfterValidator(lambda code: check_country(code, worldwide=False))], ...],
    Field(min_length=1),
]
HsCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4,10}$")]
EndUsers = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_ -]*$", max_length=100)]
ActionKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=50)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN, max_length=2_000)]


class _Strict(BaseModel):
    # `except` is a keyword: the field is `except_`, read and written as "except".
    model_config = ConfigDict(
        extra="forbid", frozen=True, serialize_by_alias=True, validate_by_alias=True
    )


class SourceRecord(_Strict):
    """Where a record's facts come from."""

    title: Text
    url: Url | None = None
    published_on: IsoDate | None = None


Sources = Annotated[tuple[SourceRecord, ...], Field(min_length=1)]


class _Record(_Strict):
    #: When the world could know what the record says (docs/time.md §2); without it, a
    #: default by type (`publication_date`).
    published_on: IsoDate | None = None

    def payload(self) -> dict[str, Any]:
        """The record's fields as the keyword arguments of its stored event."""
        return self.model_dump(exclude={"type"})

    def appended_payload(self, recorded_at: datetime) -> dict[str, Any]:
        """The payload of the event the record becomes when appended at `recorded_at`: its
        publication date fixed there."""
        payload = self.payload()
        payload["published_on"] = self.publication_date(recorded_at.astimezone(UTC).date())
        return payload

    def publication_date(self, recorded_on: date) -> date:
        """The record's publication date, were it appended on `recorded_on` (UTC): its own
        `published_on`, else the default of its type."""
        return self.published_on or self.default_publication(recorded_on)

    def default_publication(self, recorded_on: date) -> date:
        """The publication date of the record without a `published_on`: most types take one
        of their dates; corrections and retractions the day they are recorded."""
        return recorded_on


def _after(earlier: str, later: str, value: date | None, info: ValidationInfo) -> date | None:
    start = info.data.get(earlier)
    if value is not None and start is not None and value <= start:
        raise ValueError(f"{later} {value} must be after {earlier} {start}")
    return value


class MeasureImposedRecord(_Record):
    """A measure comes into the world: who issues it, on what, for whom, from when."""

    type: Literal["measure_imposed"]
    measure: Slug
    issuer: Country
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
    title: Text | None = None
    document: Text | None = None
    hs_codes: tuple[HsCode, ...] | None = None
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


class _Dated(_Record):
    """A record that takes effect on `effective_on`, perhaps announced before: published
    on its announcement, else on its effect."""

    effective_on: IsoDate
    #: Announced before it takes effect: a measure lists it as scheduled meanwhile.
    announced_on: IsoDate | None = None

    @field_validator("announced_on")
    @classmethod
    def _announced_by_effect(cls, value: date | None, info: ValidationInfo) -> date | None:
        effective_on = info.data.get("effective_on")
        if value is not None and effective_on is not None and value > effective_on:
            raise ValueError(f"announced_on {value} must not be after effective_on {effective_on}")
        return value

    def default_publication(self, recorded_on: date) -> date:
        return self.announced_on or self.effective_on


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
    certainty: Certainty | None = None
    until: IsoDate | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> MeasureAmendedRecord:
        if not self.model_fields_set & {field_name(name) for name in AMENDABLE}:
            raise ValueError(f"an amendment changes one or more of {', '.join(AMENDABLE)}")
        return self

    @field_validator("items", "destinations", "origins", "kind", "certainty")
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
    """The measure stops applying from `effective_on`; it resumes by itself on `until`."""

    type: Literal["measure_suspended"]
    until: IsoDate | None = None

    @field_validator("until")
    @classmethod
    def _until_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _after("effective_on", "until", value, info)


class MeasureResumedRecord(_DatedFollowUp):
    """The measure applies again from `effective_on`, ending its suspensions early."""

    type: Literal["measure_resumed"]


class MeasureLiftedRecord(_DatedFollowUp):
    """The measure no longer applies from `effective_on`, inclusive."""

    type: Literal["measure_lifted"]


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
    issuer: Country
    kind: ActionKind
    occurred_on: IsoDate
    title: Text
    counterparts: tuple[Place, ...] | None = None
    responds_to: tuple[Slug, ...] | None = None
    notes: Notes | None = None
    sources: Sources

    def default_publication(self, recorded_on: date) -> date:
        return self.occurred_on


def _member(code: str) -> str:
    if is_group(code) or code == "*":
        raise ValueError(f"a group's members are countries, not groups ({code[:40]!r})")
    return check_country(code, worldwide=False)


Members = tuple[Annotated[str, AfterValidator(_member)], ...]


class _GroupRecord(_Dated):
    """A record about a country group's membership, from `effective_on`."""

    group: Slug
    document: Text | None = None
    notes: Notes | None = None
    sources: Sources


class GroupDefinedRecord(_GroupRecord):
    """The group's members, exactly, from `effective_on` (a snapshot)."""

    type: Literal["group_defined"]
    title: Text
    members: Members
    issuer: Country | None = None

    @field_validator("members")
    @classmethod
    def _listed_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _once(value, "members")


class GroupChangedRecord(_GroupRecord):
    """Members added to and removed from the group from `effective_on`."""

    type: Literal["group_changed"]
    added: Members | None = None
    removed: Members | None = None
    responds_to: tuple[Slug, ...] | None = None

    @field_validator("added", "removed")
    @classmethod
    def _listed_once(cls, value: tuple[str, ...] | None, info: ValidationInfo) -> object:
        if value is not None and not value:
            raise ValueError("give one or more countries, or leave the field out")
        return value if value is None else _once(value, str(info.field_name))

    @model_validator(mode="after")
    def _changes_something(self) -> GroupChangedRecord:
        added, removed = set(self.added or ()), set(self.removed or ())
        if not added and not removed:
            raise ValueError("a group change adds or removes one or more members")
        both = sorted(added & removed)
        if both:
            raise ValueError(f"{', '.join(both)} both added and removed")
        return self


def _once(value: tuple[str, ...], field: str) -> tuple[str, ...]:
    repeated = sorted({code for code in value if value.count(code) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} listed twice in {field}")
    return value


GroupRecord = GroupDefinedRecord | GroupChangedRecord


MeasureRecord = (
    MeasureImposedRecord
    | MeasureAmendedRecord
    | MeasureSuspendedRecord
    | MeasureResumedRecord
    | MeasureLiftedRecord
    | MeasureCorrectedRecord
    | MeasureRetractedRecord
)
Record = MeasureRecord | ActionTakenRecord | GroupRecord
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

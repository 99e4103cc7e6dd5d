"""The field types and base models of the input records (docs/records.md §2): dates, slugs,
text, countries, items and sources, each validated once, and what every record has (its
publication date) or every dated one (`effective_on`, `announced_on`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from domain.controls import NOTES_PATTERN, TEXT_PATTERN, URL_PATTERN
from domain.hs import check_hs_code, normalised
from domain.vocabulary import (
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    WORLDWIDE,
    check_country,
    check_item,
    check_place,
    expand_items,
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
#: Where a measure applies or who issues it: a country, `*` (places only) or a group `@slug`.
Place = Annotated[str, AfterValidator(check_place)]
Issuer = Annotated[str, AfterValidator(lambda code: check_place(code, worldwide=False))]
Places = Annotated[tuple[Place, ...], Field(min_length=1)]


def _every_good_alone(items: tuple[str, ...]) -> tuple[str, ...]:
    if WORLDWIDE in items and len(items) > 1:
        raise ValueError("'*' (every good) stands alone: give it without other items")
    return items


Items = Annotated[
    tuple[Annotated[str, AfterValidator(check_item)], ...],
    Field(min_length=1),
    AfterValidator(_every_good_alone),
    AfterValidator(expand_items),
]
#: The countries and groups a measure's destinations (or origins) leave out: never `*`.
Excepted = Annotated[
    tuple[Annotated[str, AfterValidator(lambda code: check_place(code, worldwide=False))], ...],
    Field(min_length=1),
]
#: Dots and spaces dropped, then checked against HS 2022 (`domain.hs`).
HsCode = Annotated[str, BeforeValidator(normalised), AfterValidator(check_hs_code)]
#: An export-control list's item number, kept as written (`1C902.c`, `3A090`).
ControlCode = Annotated[
    str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]*$", max_length=40)
]
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


def _once(value: tuple[str, ...], field: str) -> tuple[str, ...]:
    repeated = sorted({code for code in value if value.count(code) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} listed twice in {field}")
    return value

"""The records of named parties (docs/records.md §3): an organisation that entity lists name,
and a correction of what we have on it. A party has no publication date: its records pass
every `--known-at`, since a listing, not the party, is what the world learns of."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator

from domain.fields import Country, Notes, Slug, Sources, Text, _once, _Record
from domain.record_errors import shown

#: The parties a measure names: slugs of `party_identified` records, each once.
Parties = Annotated[
    tuple[Slug, ...],
    Field(min_length=1),
    AfterValidator(lambda parties: _once(parties, "parties")),
]

#: What a `party_corrected` may replace.
PARTY_FIELDS = ("name", "country", "aliases", "identifiers", "notes")


class _PartyRecord(_Record):
    party: Slug

    @field_validator("published_on")
    @classmethod
    def _no_publication(cls, value: date | None) -> date | None:
        if value is not None:
            raise ValueError(
                "a party has no publication date: its records pass every --known-at "
                "(a listing's date is its measure's)"
            )
        return value

    def default_publication(self, recorded_on: date) -> date:
        return date.min


class PartyIdentifiedRecord(_PartyRecord):
    """An organisation that measures may name: its name, country, other names and ids."""

    type: Literal["party_identified"]
    name: Text
    country: Country
    aliases: tuple[Text, ...] | None = None
    #: Ids in registers, by register (`{"uscc": "…"}`).
    identifiers: dict[Slug, Text] | None = None
    notes: Notes | None = None
    sources: Sources

    @field_validator("aliases")
    @classmethod
    def _each_once(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else _once(value, "aliases")


class PartyCorrectedRecord(_PartyRecord):
    """We had the party wrong: these fields replace what its identification said."""

    type: Literal["party_corrected"]
    fields: dict[str, Any]
    reason: Text
    sources: Sources | None = None

    @field_validator("fields")
    @classmethod
    def _correctable(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(PARTY_FIELDS))
        if unknown:
            listed = ", ".join(map(shown, unknown))
            raise ValueError(f"cannot change {listed}; allowed: {', '.join(PARTY_FIELDS)}")
        if not value:
            raise ValueError(f"give one or more of {', '.join(PARTY_FIELDS)}")
        base = {"party": "x", "name": "x", "country": "US", "sources": [{"title": "x"}]}
        try:
            checked = PartyIdentifiedRecord.model_validate(
                {**base, **value, "type": "party_identified"}
            )
        except ValidationError as error:
            detail = error.errors()[0]
            name = ".".join(str(part) for part in detail["loc"])
            message = str(detail["msg"]).removeprefix("Value error, ")
            raise ValueError(f"{name}: {message}") from None
        return checked.model_dump(mode="json", include=set(value))


PartyRecord = PartyIdentifiedRecord | PartyCorrectedRecord

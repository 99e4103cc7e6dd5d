"""The records of country groups (docs/records.md §3-§5): a snapshot of a group's members from
a date, and members added and removed from a date."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ValidationInfo, field_validator, model_validator

from domain.fields import Country, Notes, Slug, Sources, Text, _Dated, _once
from domain.vocabulary import check_country, is_group


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


GroupRecord = GroupDefinedRecord | GroupChangedRecord

"""Country groups on a date (docs/time.md §5): who was a member, since when, and the record
that made each one a member.

A group's membership over valid time is the fold of its records in `(effective_on, version)`
order (`domain.group`); here it is swept once into each member's spans, so that a member on a
date names the record its membership began with, and a snapshot that lists a member again
leaves its span whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domain.group import Group


@dataclass(frozen=True)
class Membership:
    """A country a member of a group over [since, until), made one by a record's document."""

    group: str  # `@slug`
    country: str
    since: date
    until: date | None
    document: str | None
    #: The document of the record that ended the membership on `until`.
    ended_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "country": self.country,
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "document": self.document,
        }


@dataclass(frozen=True)
class GroupStanding:
    """A group as its records stand: its title, issuer and every membership span."""

    group: str  # `@slug`
    title: str | None
    issuer: str | None
    memberships: tuple[Membership, ...]

    def members_on(self, day: date) -> list[Membership]:
        """The memberships that hold on `day`, by country."""
        return sorted(
            (
                membership
                for membership in self.memberships
                if membership.since <= day and (membership.until is None or day < membership.until)
            ),
            key=lambda membership: membership.country,
        )


def standing(slug: str, events: Sequence[Group.Event]) -> GroupStanding:
    """The group from its records (those that pass the knowledge filters, in record order)."""
    group = f"@{slug}"
    ordered = sorted(events, key=lambda event: (event.effective_on, event.originator_version))
    current: dict[str, tuple[date, str | None]] = {}  # member: since, document
    spans: list[Membership] = []
    title = issuer = None
    for event in ordered:
        members = event.members_after(set(current))
        for country in sorted(set(current) - members):
            since, document = current.pop(country)
            if since < event.effective_on:  # joined and left on one day: never a member
                spans.append(
                    Membership(group, country, since, event.effective_on, document, event.document)
                )
        for country in sorted(members - set(current)):
            current[country] = (event.effective_on, event.document)
    for country, (since, document) in sorted(current.items()):
        spans.append(Membership(group, country, since, None, document))
    snapshots = [event for event in events if event.record_type == "group_defined"]
    if snapshots:  # the latest recorded snapshot names the group
        latest: Any = snapshots[-1]
        title, issuer = latest.title, latest.issuer
    return GroupStanding(group, title, issuer, tuple(spans))

"""Where a measure applies on a date (docs/time.md §5): the countries its places, its `except`
and its issuer name directly, or through the groups they were members of that day.

Rows of the view keep a measure's places as written (`@jp-group-a`, never its members), so
that a membership change rewrites no row of the measures that name the group; answers resolve
groups onto the country asked about here, with the memberships known to the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from itertools import pairwise
from typing import NamedTuple

from domain.vocabulary import WORLDWIDE, is_group
from projections.groups import GroupStanding, Membership


class Memberships:
    """The groups an answer knows (their records up to its position, published by its day),
    each read on first use: most answers name no group and read none."""

    def __init__(self, load: Callable[[str], GroupStanding]) -> None:
        self._load = load  # a standing by slug (no `@`)
        self._standings: dict[str, GroupStanding] = {}
        self._held: dict[tuple[str, str], tuple[Membership, ...]] = {}

    @classmethod
    def of(cls, standings: Iterable[GroupStanding]) -> Memberships:
        """Memberships from standings already made (the pure fold's)."""
        known = {standing.group: standing for standing in standings}
        return cls(lambda slug: known.get(f"@{slug}") or GroupStanding(f"@{slug}", None, None, ()))

    def spans(self, group: str, country: str) -> tuple[Membership, ...]:
        """Every span of `country`'s membership of `group` (`@slug`)."""
        key = (group, country)
        found = self._held.get(key)
        if found is None:
            standing = self._standings.get(group)
            if standing is None:
                standing = self._standings[group] = self._load(group[1:])
            found = self._held[key] = tuple(
                membership for membership in standing.memberships if membership.country == country
            )
        return found

    def held(self, group: str, country: str, day: date) -> Membership | None:
        """The membership that makes `country` a member of `group` on `day`, or None."""
        for membership in self.spans(group, country):
            if membership.since <= day and (membership.until is None or day < membership.until):
                return membership
        return None

    def changed(self, group: str, country: str, day: date) -> tuple[str, str | None] | None:
        """Whether `country` joined or left `group` on `day`: (`joined_group` or
        `left_group`, the document of the record that made it so), or None."""
        for membership in self.spans(group, country):
            if membership.since == day:
                return "joined_group", membership.document
            if membership.until == day:
                return "left_group", membership.ended_by
        return None

    def cuts(self, groups: Iterable[str], country: str, start: date, end: date) -> list[date]:
        """The days strictly between `start` and `end` on which `country` joins or leaves
        one of `groups`."""
        days: set[date] = set()
        for group in groups:
            for membership in self.spans(group, country):
                days.update(
                    day
                    for day in (membership.since, membership.until)
                    if day is not None and start < day < end
                )
        return sorted(days)


class Placement(NamedTuple):
    """How a measure reaches a flow on a date: `via` its place (`listed`, `*`, or a group with
    the membership behind it), or left out by an `except` entry (`exempt`, with the
    membership when that entry is a group)."""

    via: str
    membership: Membership | None
    exempt: bool


def sides(direction: str, pair: tuple[str, str]) -> tuple[str, str]:
    """(the issuer's side, the place's side) of an (exporter, importer) pair: an export
    measure's issuer exports to its destinations, an import measure's imports from its
    origins."""
    exporter, importer = pair
    return (importer, exporter) if direction == "import" else (exporter, importer)


def groups_in(places: Iterable[str]) -> set[str]:
    """The groups among `places` (a measure's issuer, places and `except`)."""
    return {place for place in places if is_group(place)}


def groups_by_side(
    direction: str, issuer: str, places: Iterable[str], excepted: Iterable[str]
) -> list[tuple[str, int]]:
    """Each group a measure names with the side of a flow whose country it resolves onto
    (0: the exporter, 1: the importer): an issuer group its issuer's side, the groups of its
    places and `except` the other side (and the issuer group that side too: it never covers
    its own members)."""
    issuing, covered = (1, 0) if direction == "import" else (0, 1)
    found = {(group, covered) for group in groups_in((*places, *excepted))}
    if is_group(issuer):
        found |= {(issuer, issuing), (issuer, covered)}
    return sorted(found)


def place(
    direction: str,
    scope: tuple[str, str],
    excepted: Iterable[str],
    flow: tuple[str, str],
    day: date,
    memberships: Memberships,
) -> Placement | None:
    """How a measure in `direction` reaching `flow` through `scope` (its exporter and
    importer as written) places on `day`, or None where it does not apply (docs/time.md §5):
    a group is resolved onto the flow's country by membership that day; a group issuer
    issues for each member, and never covers its own members."""
    issuer, covering = sides(direction, scope)
    issuing, country = sides(direction, flow)
    concrete = country != WORLDWIDE and not is_group(country)  # one country, not many
    if is_group(issuer):
        if issuing != issuer and memberships.held(issuer, issuing, day) is None:
            return None  # issued for the group's members only
        if concrete and memberships.held(issuer, country, day) is not None:
            return None  # never covering its own members, whoever on the issuer's side
    membership = None
    if covering == WORLDWIDE:
        via = WORLDWIDE
    elif is_group(covering) and country != covering:
        membership = memberships.held(covering, country, day)
        if membership is None:
            return None
        via = covering
    else:
        via = "listed"
    for left in excepted:
        if left == country:
            return Placement(left, None, exempt=True)
        if is_group(left) and concrete:
            held = memberships.held(left, country, day)
            if held is not None:
                return Placement(left, held, exempt=True)
    return Placement(via, membership, exempt=False)


def periods(
    groups: Iterable[str],
    flow: tuple[str, str],
    start: date,
    end: date,
    memberships: Memberships,
) -> list[tuple[date, date]]:
    """[start, end) cut where one of the flow's countries joins or leaves one of `groups`:
    over each period a measure naming them places the same."""
    days = {start, end}
    for country in set(flow):
        days.update(memberships.cuts(groups, country, start, end))
    return list(pairwise(sorted(days)))

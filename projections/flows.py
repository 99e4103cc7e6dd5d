"""Which flows a query asks about, and how the measures on a flow make its regime."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from domain.vocabulary import WORLDWIDE, Level, is_group
from projections.places import place
from projections.summaries import MeasureSummary

if TYPE_CHECKING:
    from projections.places import Memberships


@dataclass(frozen=True)
class FlowQuery:
    """The flows asked about: items (groups expanded), exporter and importer, each optional;
    `named` keeps the items as asked (groups unexpanded), for warnings."""

    items: tuple[str, ...] = ()
    exporter: str | None = None
    importer: str | None = None
    named: tuple[str, ...] = ()
    #: The named party asked about (a buyer, or a seller for import measures), by slug: the
    #: measures naming it count for the flow; without one, they are listed apart.
    party: str | None = None
    #: An HS code asked about (`--hs`), and once looked up (`hs_covered`) the measures whose
    #: codes match it, each with its coverage (`part` or `all`): only they are answered.
    hs: str | None = None
    hs_cover: Mapping[str, str] | None = field(default=None, compare=False)

    def resolve(self, item: str, exporter: str, importer: str) -> tuple[str, str] | None:
        """The flow a measure's (item, exporter, importer) may land on, or None if not asked.

        With `--from`/`--to` given as a country, worldwide (`*`) scopes are resolved onto
        that country, and so are groups (`@slug`) if it is a member on the date asked
        (`projections.places`); a measure on every good (`*` items) applies to any item
        asked (`landing`).
        """
        if self.items and item not in self.items and item != WORLDWIDE:
            return None
        if self.exporter is not None:
            if not _reaches(exporter, self.exporter):
                return None
            exporter = self.exporter
        if self.importer is not None:
            if not _reaches(importer, self.importer):
                return None
            importer = self.importer
        if exporter == importer != WORLDWIDE:
            return None
        return exporter, importer

    def places(self, country: str | None, groups: Sequence[str]) -> tuple[str, ...] | None:
        """The places of rows that may reach `country` (the exporter or importer asked):
        itself, `*`, and, for a country, each of `groups` (None: any place)."""
        if country is None:
            return None
        if is_group(country) or country == WORLDWIDE:
            return (country, WORLDWIDE)
        return (country, WORLDWIDE, *groups)

    def landing(self, item: str) -> tuple[str, ...]:
        """The items asked about that a measure's item lands on: itself, or for `*` (every
        good) each item asked (itself, when none was)."""
        if not self.items:
            return (item,)
        if item == WORLDWIDE:
            return self.items
        return (item,) if item in self.items else ()


def _reaches(place: str, asked: str) -> bool:
    """Whether a row's place may reach the country (or group) asked: it is that one, `*`, or
    a group, which reaches a country on the days the country is a member."""
    return place in (asked, WORLDWIDE) or (
        is_group(place) and not is_group(asked) and asked != WORLDWIDE
    )


class Entry(NamedTuple):
    """One measure on one flow: its status, the level it sets, and how it is listed."""

    item: str
    exporter: str
    importer: str
    status: str
    level: Level
    summary: MeasureSummary

    @property
    def key(self) -> tuple[str, str, str]:
        """The flow: (item, exporter, importer)."""
        return self.item, self.exporter, self.importer


#: The status of a party-scoped measure on a flow asked about without a party: listed under
#: `named_parties`, never raising the flow's level.
NAMED = "named_parties"


def placed_on(
    query: FlowQuery,
    flow: tuple[str, str],
    item: str,
    scope: tuple[str, str],
    level: Level,
    summary: MeasureSummary,
    day: date,
    memberships: Memberships,
) -> Iterator[Entry]:
    """The measure (its `summary` on `day`) on the asked `flow` that its `item` and `scope`
    (exporter, importer, as written) reach, for each asked item it lands on: listed `via`
    its place, or `exempt` via the `except` entry that leaves the flow's country out; nothing
    where it does not apply that day (a group the country is no member of)."""
    if query.hs_cover is not None:
        coverage = query.hs_cover.get(summary.measure)
        if coverage is None:
            return  # its codes do not match the one asked
        summary = summary._replace(hs_match={"code": query.hs or "", "coverage": coverage})
    placement = place(summary.direction, scope, summary.excepted, flow, day, memberships)
    if placement is None:
        return
    if summary.parties:  # an entity list: for its named parties only (docs/time.md §6)
        if query.party is None:
            if not summary.listed_parties():  # every party it named is delisted
                return
            status = NAMED
        elif query.party in summary.parties:
            found = summary.for_party(query.party)
            if found is None:  # delisted
                return
            summary, status = found, found.status
        else:
            return
    else:
        status = summary.status
    listed = summary.listed_via(placement.via, placement.membership)
    if placement.exempt:
        status = "exempt"
    for landed in query.landing(item):
        yield Entry(landed, *flow, status, level, listed)


@dataclass
class Flow:
    """The regime of one flow on one date: its level and the measures behind it."""

    item: str
    exporter: str
    importer: str
    level: Level = Level.none
    in_force: list[MeasureSummary] = field(default_factory=list)
    suspended: list[MeasureSummary] = field(default_factory=list)
    pending: list[MeasureSummary] = field(default_factory=list)
    #: Measures whose places cover the flow's country but whose `except` leaves it out, each
    #: listed `via` the `except` entry that does.
    exempt: list[MeasureSummary] = field(default_factory=list)
    #: Without a party asked: the measures on the flow that name parties (entity lists), which
    #: apply to those parties only and never raise the level.
    named_parties: list[MeasureSummary] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.item, self.exporter, self.importer

    def to_json(self) -> dict[str, Any]:
        """The flow as in docs/output.md §2."""
        return {
            "item": self.item,
            "from": self.exporter,
            "to": self.importer,
            "level": self.level.name,
            "in_force": [summary.to_json() for summary in self.in_force],
            "suspended": [summary.to_json() for summary in self.suspended],
            "pending": [summary.to_json() for summary in self.pending],
            "exempt": [_exemption(summary) for summary in self.exempt],
            "named_parties": [
                {**summary.to_json(), "party_count": len(summary.listed_parties())}
                for summary in self.named_parties
            ],
        }

    def listed(self) -> list[MeasureSummary]:
        """Every measure on the flow: in force, then suspended, then pending."""
        return [*self.in_force, *self.suspended, *self.pending]


def _exemption(summary: MeasureSummary) -> dict[str, Any]:
    """A measure on a flow's `exempt` list (docs/output.md §2): the `except` entry that
    leaves the country out. `since` and `document` name the membership record behind an
    entry that is a group; for a country `except` lists by name there is none: `since` is
    null, `document` the measure's."""
    membership = summary.membership
    return {
        "measure": summary.measure,
        "except": summary.via,
        "since": membership.since.isoformat() if membership else None,
        "document": membership.document if membership else summary.document,
    }


def _rank(summary: MeasureSummary) -> tuple[int, str]:
    """How much a measure's `via` on a flow says: listed by name most, then a group (the
    first by name, whatever order the rows came in), then `*`."""
    via = summary.via or ""
    return (0 if via == "listed" else 2 if via == WORLDWIDE else 1), via


def assemble(entries: Iterable[Entry], query: FlowQuery) -> list[Flow]:
    """Flows from the measures standing on them, in a stable order.

    When items, exporter and importer are all given, flows with nothing on them are listed too.
    """
    flows: dict[tuple[str, str, str], Flow] = {}
    # where each measure is listed on each flow: its list, and its place there
    seen: dict[tuple[str, str, str, str], tuple[list[MeasureSummary], int]] = {}
    for entry in entries:
        key = (entry.item, entry.exporter, entry.importer)
        summary = entry.summary
        listing = (*key, summary.measure)
        if listing in seen:  # reached by several places: the one that says most is kept
            listed, index = seen[listing]
            if _rank(summary) < _rank(listed[index]):
                listed[index] = summary
            continue
        flow = flows.get(key)
        if flow is None:
            flow = flows[key] = Flow(*key)
        if entry.status == "exempt":
            listed = flow.exempt
        elif entry.status == NAMED:
            listed = flow.named_parties
        elif entry.status == "in_force":
            listed = flow.in_force
            flow.level = max(flow.level, entry.level)
        elif entry.status == "suspended":
            listed = flow.suspended
        else:
            listed = flow.pending
        seen[listing] = (listed, len(listed))
        listed.append(summary)
    if query.exporter is not None and query.importer is not None:
        for item in query.items:
            if query.resolve(item, query.exporter, query.importer):
                flows.setdefault(
                    (item, query.exporter, query.importer),
                    Flow(item, query.exporter, query.importer),
                )
    for flow in flows.values():
        for listed in (
            flow.in_force,
            flow.suspended,
            flow.pending,
            flow.exempt,
            flow.named_parties,
        ):
            listed.sort(key=lambda summary: (-summary.level, summary.measure))
    return [flows[key] for key in sorted(flows)]

"""Which flows a query asks about, and how the measures on a flow make its regime."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from domain.vocabulary import WORLDWIDE, Level
from projections.summaries import MeasureSummary, via


@dataclass(frozen=True)
class FlowQuery:
    """The flows asked about: items (groups expanded), exporter and importer, each optional;
    `named` keeps the items as asked (groups unexpanded), for warnings."""

    items: tuple[str, ...] = ()
    exporter: str | None = None
    importer: str | None = None
    named: tuple[str, ...] = ()

    def resolve(self, item: str, exporter: str, importer: str) -> tuple[str, str] | None:
        """The flow a measure's (item, exporter, importer) lands on, or None if not asked.

        With `--from`/`--to` given, worldwide (`*`) scopes are resolved onto those countries;
        a measure on every good (`*` items) applies to any item asked (`landing`).
        """
        if self.items and item not in self.items and item != WORLDWIDE:
            return None
        if self.exporter is not None:
            if exporter not in (self.exporter, WORLDWIDE):
                return None
            exporter = self.exporter
        if self.importer is not None:
            if importer not in (self.importer, WORLDWIDE):
                return None
            importer = self.importer
        if exporter == importer != WORLDWIDE:
            return None
        return exporter, importer

    def landing(self, item: str) -> tuple[str, ...]:
        """The items asked about that a measure's item lands on: itself, or for `*` (every
        good) each item asked (itself, when none was)."""
        if not self.items:
            return (item,)
        if item == WORLDWIDE:
            return self.items
        return (item,) if item in self.items else ()


def excepted(summary: MeasureSummary, flow: tuple[str, str]) -> str | None:
    """The entry of the measure's `except` that leaves the flow's country out (the importer
    of an export measure, the exporter of an import one), or None."""
    if not summary.excepted:
        return None
    country = flow[0] if summary.direction == "import" else flow[1]
    return country if country in summary.excepted else None


class Entry(NamedTuple):
    """One measure on one flow: its status, the level it sets, and how it is listed."""

    item: str
    exporter: str
    importer: str
    status: str
    level: Level
    summary: MeasureSummary

    @classmethod
    def on_flow(
        cls,
        item: str,
        flow: tuple[str, str],
        status: str,
        level: Level,
        summary: MeasureSummary,
        scope: tuple[str, str],
    ) -> Entry:
        """The measure on `flow`, reached through its `scope` (exporter, importer): its
        summary says `via` how the flow's country is covered (listed, or `*`), or, where its
        `except` leaves the country out, which entry does (status `exempt`)."""
        return cls.placed(item, flow, status, level, summary.on_flow(scope))

    @classmethod
    def from_view(
        cls,
        item: str,
        flow: tuple[str, str],
        level: Level,
        summary: Mapping[str, Any],
        scope: tuple[str, str],
    ) -> Entry:
        """The measure on `flow` from a row of the view, with its summary as stored there."""
        listed = MeasureSummary.from_json(summary, via(summary["direction"], scope))
        return cls.placed(item, flow, listed.status, level, listed)

    @classmethod
    def placed(
        cls, item: str, flow: tuple[str, str], status: str, level: Level, summary: MeasureSummary
    ) -> Entry:
        """The measure on `flow` in its own status, or `exempt` (listed via the entry of its
        `except` that leaves the flow's country out)."""
        left_out = excepted(summary, flow)
        if left_out is not None:
            return cls(item, *flow, "exempt", level, summary.listed_via(left_out))
        return cls(item, *flow, status, level, summary)


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
        }

    def listed(self) -> list[MeasureSummary]:
        """Every measure on the flow: in force, then suspended, then pending."""
        return [*self.in_force, *self.suspended, *self.pending]


def _exemption(summary: MeasureSummary) -> dict[str, Any]:
    """A measure on a flow's `exempt` list (docs/output.md §2): the `except` entry that
    leaves the country out. `since` and `document` name the membership record behind an
    entry that is a group (groups in `except` are not yet taken); for a country `except`
    lists by name there is none: `since` is null, `document` the measure's."""
    return {
        "measure": summary.measure,
        "except": summary.via,
        "since": None,
        "document": summary.document,
    }


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
        if listing in seen:  # listed by name and through `*`: listed is what says more
            if summary.via == "listed":
                listed, index = seen[listing]
                listed[index] = listed[index].listed_via("listed")
            continue
        flow = flows.get(key)
        if flow is None:
            flow = flows[key] = Flow(*key)
        if entry.status == "exempt":
            listed = flow.exempt
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
        for listed in (flow.in_force, flow.suspended, flow.pending, flow.exempt):
            listed.sort(key=lambda summary: (-summary.level, summary.measure))
    return [flows[key] for key in sorted(flows)]

"""Which flows a query asks about, and how the measures on a flow make its regime."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from domain.vocabulary import WORLDWIDE, Level


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

        With `--from`/`--to` given, worldwide (`*`) scopes are resolved onto those countries.
        """
        if self.items and item not in self.items:
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


class Entry(NamedTuple):
    """One measure on one flow: its status, the level it sets, and how it is listed."""

    item: str
    exporter: str
    importer: str
    status: str
    level: Level
    summary: dict[str, Any]

    @classmethod
    def on_flow(
        cls,
        item: str,
        flow: tuple[str, str],
        status: str,
        level: Level,
        summary: dict[str, Any],
        scope: tuple[str, str],
    ) -> Entry:
        """The measure on `flow`, reached through its `scope` (exporter, importer): its
        summary says `via` how the flow's country is covered (listed, or `*`)."""
        exporter, importer = scope
        covering = importer if summary["direction"] == "export" else exporter
        via = WORLDWIDE if covering == WORLDWIDE else "listed"
        return cls(item, *flow, status, level, {**summary, "via": via})


@dataclass
class Flow:
    """The regime of one flow on one date: its level and the measures behind it."""

    item: str
    exporter: str
    importer: str
    level: Level = Level.none
    in_force: list[dict[str, Any]] = field(default_factory=list)
    suspended: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)

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
            "in_force": self.in_force,
            "suspended": self.suspended,
            "pending": self.pending,
        }


def assemble(entries: Iterable[Entry], query: FlowQuery) -> list[Flow]:
    """Flows from the measures standing on them, in a stable order.

    When items, exporter and importer are all given, flows with nothing on them are listed too.
    """
    flows: dict[tuple[str, str, str], Flow] = {}
    seen: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for entry in entries:
        key = (entry.item, entry.exporter, entry.importer)
        listing = (*key, entry.summary["measure"])
        if listing in seen:  # listed by name and through `*`: listed is what says more
            if entry.summary.get("via") == "listed":
                seen[listing]["via"] = "listed"
            continue
        seen[listing] = entry.summary
        flow = flows.get(key)
        if flow is None:
            flow = flows[key] = Flow(*key)
        if entry.status == "in_force":
            flow.in_force.append(entry.summary)
            flow.level = max(flow.level, entry.level)
        elif entry.status == "suspended":
            flow.suspended.append(entry.summary)
        else:
            flow.pending.append(entry.summary)
    if query.exporter is not None and query.importer is not None:
        for item in query.items:
            if query.resolve(item, query.exporter, query.importer):
                flows.setdefault(
                    (item, query.exporter, query.importer),
                    Flow(item, query.exporter, query.importer),
                )
    for flow in flows.values():
        for listed in (flow.in_force, flow.suspended, flow.pending):
            listed.sort(key=lambda summary: (-Level[summary["level"]], summary["measure"]))
    return [flows[key] for key in sorted(flows)]

"""What the report's chart draws, from a timeline's changes: each measure's status periods on
each flow, and each flow's level over time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from domain.vocabulary import Level
from projections.answers import FOR_NAMED, FlowChange
from projections.lifecycle import ANNOUNCED

#: The chart's colour bands: a pending measure is announced or reported.
BANDS = {
    "in_force": "in_force",
    "suspended": "suspended",
    "announced": "pending",
    "reported": "pending",
}

FlowKey = tuple[str, str, str]


@dataclass(frozen=True)
class Period:
    """A measure standing the same on a flow from `start` until `end` (exclusive; None: it
    still does), begun by the record `cause` names, whose document is `document`."""

    item: str
    exporter: str
    importer: str
    measure: str
    status: str  # in_force, suspended, announced or reported
    kind: str
    start: date
    end: date | None
    cause: str
    document: str | None

    @property
    def flow(self) -> FlowKey:
        return self.item, self.exporter, self.importer

    @property
    def band(self) -> str:
        """The status the chart colours it by: in_force, suspended or pending."""
        return BANDS[self.status]


#: The causes of changes that only announce a follow-up.
ANNOUNCEMENTS = frozenset(ANNOUNCED.values())


def status_periods(changes: Iterable[FlowChange]) -> list[Period]:
    """Every status period of every measure on the changes' flows, by flow, measure, start.

    A measure's status (or level) changing on a flow ends its period there and begins the
    next, so a timeline of all valid time gives each period whole; a follow-up announced
    ahead of its effect changes neither, and no period."""
    current: dict[tuple[str, str, str, str], Period] = {}
    ended: list[Period] = []
    for change in sorted(changes, key=lambda change: change.day):
        for entry in change.measures:
            if entry.cause in ANNOUNCEMENTS:
                continue
            key = (change.item, change.exporter, change.importer, entry.measure)
            before = current.pop(key, None)
            if before is not None:
                ended.append(replace(before, end=change.day))
            if entry.after != "none" and not entry.after.endswith(FOR_NAMED):
                # an entity list is no period of the flow for an unnamed buyer
                current[key] = Period(
                    *key,
                    status=entry.after,
                    kind=entry.kind,
                    start=change.day,
                    end=None,
                    cause=entry.cause,
                    document=entry.document,
                )
    return sorted(
        [*ended, *current.values()],
        key=lambda period: (*period.flow, period.measure, period.start),
    )


def level_steps(changes: Iterable[FlowChange]) -> dict[FlowKey, list[tuple[date, Level]]]:
    """Each flow's level from each date its level changes (`none` before the first)."""
    steps: dict[FlowKey, list[tuple[date, Level]]] = {}
    for change in sorted(changes, key=lambda change: change.day):
        flow = steps.setdefault((change.item, change.exporter, change.importer), [])
        if change.level_after != change.level_before:
            flow.append((change.day, change.level_after))
    return steps

"""A flow's regime over valid time: the dates on which its level or measures change, each
measure's change with the record that caused it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from projections.answers import Change, statuses
from projections.flows import Entry, Flow, FlowQuery, assemble
from projections.lifecycle import Cause
from projections.view import OPEN_DATE

#: A measure's rows on a flow: (valid_from, valid_to, entry), ISO dates.
Span = tuple[str, str, Entry]
#: Why a measure's standing changes on a date.
CauseOf = Callable[[str, date], Cause]


def flow_changes(by_flow: dict[tuple[str, str, str], list[Span]], query: FlowQuery,
                 cause: CauseOf) -> Iterable[Change]:
    """Each change of each flow, from the spans of the measures on it."""
    for key in sorted(by_flow):
        spans = by_flow[key]
        days = sorted({day for start, end, _ in spans for day in (start, end)} - {OPEN_DATE})
        before = Flow(*key)
        for day in days:
            current = [entry for start, end, entry in spans if start <= day < end]
            after = next((flow for flow in assemble(current, query) if flow.key == key),
                         Flow(*key))
            change = _change(date.fromisoformat(day), before, after, cause)
            if change is not None:
                yield change
            before = after


def _change(day: date, before: Flow, after: Flow, cause: CauseOf) -> Change | None:
    old, new = statuses(before), statuses(after)
    if before.level == after.level and old == new:
        return None
    summaries = {summary["measure"]: summary for listed in
                 (before.in_force, before.suspended, before.pending, after.in_force,
                  after.suspended, after.pending) for summary in listed}
    measures = []
    for slug in sorted(old.keys() | new.keys()):
        if old.get(slug) != new.get(slug):
            why = cause(slug, day)
            measures.append({"measure": slug, "before": old.get(slug, "none"),
                             "after": new.get(slug, "none"), "kind": summaries[slug]["kind"],
                             "cause": why.kind, "document": why.document})
    return Change(day, after.item, after.exporter, after.importer, before.level, after.level,
                  measures)

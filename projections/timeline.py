"""A flow's regime over valid time: the dates on which its level or measures change, each
measure's change with the record that caused it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from projections.answers import FOR_NAMED, FlowChange
from projections.flows import Entry, Flow, FlowQuery, assemble
from projections.lifecycle import Cause
from projections.summaries import MeasureChange
from projections.view import OPEN_DATE

#: A measure's rows on a flow: (valid_from, valid_to, entry), ISO dates.
Span = tuple[str, str, Entry]
#: A flow: (item, exporter, importer).
FlowKey = tuple[str, str, str]
#: Why a measure's standing on a flow changes on a date: (measure, day, status before,
#: status after, the flow).
CauseOf = Callable[[str, date, str, str, FlowKey], Cause]


def flow_changes(
    by_flow: dict[tuple[str, str, str], list[Span]], query: FlowQuery, cause: CauseOf
) -> Iterable[FlowChange]:
    """Each change of each flow, from the spans of the measures on it."""
    for key in sorted(by_flow):
        spans = by_flow[key]
        days = sorted({day for start, end, _ in spans for day in (start, end)} - {OPEN_DATE})
        before = Flow(*key)
        for day in days:
            current = [entry for start, end, entry in spans if start <= day < end]
            after = next((flow for flow in assemble(current, query) if flow.key == key), Flow(*key))
            change = _change(date.fromisoformat(day), before, after, cause)
            if change is not None:
                yield change
            before = after


def _change(day: date, before: Flow, after: Flow, cause: CauseOf) -> FlowChange | None:
    """The flow's change on `day`: each measure whose status or level changed (an amendment
    may raise a measure's level and keep it in force), with the record behind it."""
    old, new = standings(before), standings(after)
    if before.level == after.level and old == new:
        return None
    kinds = {
        summary.measure: summary.kind
        for flow in (before, after)
        for summary in (*flow.listed(), *flow.named_parties)
    }
    measures = []
    for slug in sorted(old.keys() | new.keys()):
        if old.get(slug) != new.get(slug):
            status_before, status_after = (old.get(slug, _GONE)[0], new.get(slug, _GONE)[0])
            why = cause(  # by the measure's own statuses, whoever it applies to
                slug,
                day,
                status_before.removesuffix(FOR_NAMED),
                status_after.removesuffix(FOR_NAMED),
                after.key,
            )
            measures.append(
                MeasureChange(
                    slug, status_before, status_after, kinds[slug], why.kind, why.document
                )
            )
    return FlowChange(
        day, after.item, after.exporter, after.importer, before.level, after.level, measures
    )


#: The standing of a measure not shown on the flow.
_GONE: tuple[str, str, tuple[tuple[str, str], ...]] = ("none", "none", ())


def standings(flow: Flow) -> dict[str, tuple[str, str, tuple[tuple[str, str], ...]]]:
    """Each measure on the flow with its status, the level it sets, and the changes
    scheduled for it (a follow-up announced ahead of its effect changes the listing)."""
    return {
        summary.measure: (
            summary.status + (FOR_NAMED if named else ""),
            summary.level.name,
            tuple((change["type"], change["effective_on"]) for change in summary.scheduled),
        )
        for summaries, named in ((flow.listed(), False), (flow.named_parties, True))
        for summary in summaries
    }

"""The reference semantics: a pure fold from the log to the regimes on (date, position).

No I/O and no shortcuts: the persisted view must give exactly these answers, and the tests
hold it to that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import takewhile
from typing import TYPE_CHECKING

from domain.group import Group
from domain.measure import Measure
from projections.flows import Entry, Flow, FlowQuery, assemble, placed_on
from projections.groups import standing
from projections.history import MeasureHistory
from projections.hs_questions import hs_covered
from projections.knowledge import published_by
from projections.lifecycle import measure_on
from projections.places import Memberships

if TYPE_CHECKING:
    from domain.events import RecordedEvent


def histories_at(
    log: Iterable[tuple[int, RecordedEvent]],
    position: int | None = None,
    known: date | None = None,
) -> tuple[dict[str, MeasureHistory], Memberships]:
    """Every measure's history, and every group's memberships, from the records up to log
    `position` and published by day `known` (None: every one), as if those were the only
    records (docs/time.md §3): a measure whose imposition was not yet published is not known
    at all."""
    histories: dict[str, MeasureHistory] = {}
    groups: dict[str, list[Group.Event]] = defaultdict(list)
    recorded = takewhile(lambda logged: position is None or logged[0] <= position, log)
    for _, event in published_by(recorded, known):
        if isinstance(event, Measure.Imposed):
            histories[event.measure] = MeasureHistory.begin(event)
        elif isinstance(event, Measure.Event):
            histories[event.measure].apply(event)
        elif isinstance(event, Group.Event):
            groups[event.group].append(event)
    return histories, Memberships.of(standing(slug, events) for slug, events in groups.items())


def entries_on(
    histories: Iterable[MeasureHistory], day: date, query: FlowQuery, memberships: Memberships
) -> Iterator[Entry]:
    """Each measure standing on `day` on each flow the query asks about, its groups resolved
    by `memberships`."""
    for history in histories:
        state = measure_on(history, day)
        if state is None:
            continue
        summary = state.summary()
        for item in state.items:
            for scope in state.scope():
                flow = query.resolve(item, *scope)
                if flow is not None:
                    yield from placed_on(
                        query, flow, item, scope, state.level, summary, day, memberships
                    )


def regimes_as_of(
    log: Iterable[tuple[int, RecordedEvent]],
    day: date,
    query: FlowQuery,
    position: int | None = None,
    known: date | None = None,
) -> list[Flow]:
    """The regimes of the asked flows on valid date `day`, from the records up to log
    `position` and published by day `known`."""
    histories, memberships = histories_at(log, position, known)
    if query.hs is not None:
        query = hs_covered(query, histories.values())
    return assemble(entries_on(histories.values(), day, query, memberships), query)

"""The reference semantics: a pure fold from the log to the regimes on (date, position).

No I/O and no shortcuts: the persisted view must give exactly these answers, and the tests
hold it to that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import takewhile
from typing import TYPE_CHECKING

from domain.measure import Measure
from projections.flows import Entry, Flow, FlowQuery, assemble
from projections.history import MeasureHistory
from projections.knowledge import published_by
from projections.lifecycle import measure_on

if TYPE_CHECKING:
    from domain.events import RecordedEvent


def histories_at(
    log: Iterable[tuple[int, RecordedEvent]],
    position: int | None = None,
    known: date | None = None,
) -> dict[str, MeasureHistory]:
    """Every measure's history from the records up to log `position` and published by day
    `known` (None: every one), as if those were the only records (docs/time.md §3): a measure
    whose imposition was not yet published is not known at all."""
    histories: dict[str, MeasureHistory] = {}
    recorded = takewhile(lambda logged: position is None or logged[0] <= position, log)
    for _, event in published_by(recorded, known):
        if isinstance(event, Measure.Imposed):
            histories[event.measure] = MeasureHistory.begin(event)
        elif isinstance(event, Measure.Event):
            histories[event.measure].apply(event)
    return histories


def entries_on(histories: Iterable[MeasureHistory], day: date, query: FlowQuery) -> Iterator[Entry]:
    """Each measure standing on `day` on each flow the query asks about."""
    for history in histories:
        state = measure_on(history, day)
        if state is None:
            continue
        summary = state.summary()
        for item in state.items:
            for exporter, importer in state.scope():
                flow = query.resolve(item, exporter, importer)
                if flow is None:
                    continue
                for landed in query.landing(item):
                    yield Entry.on_flow(
                        landed, flow, state.status, state.level, summary, (exporter, importer)
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
    return assemble(entries_on(histories_at(log, position, known).values(), day, query), query)

"""The bulk load of a replay: the log read a measure at a time, through the events' primary
key (each aggregate's events together, in version order), so that every row is written once
with both of its record-time bounds and nothing is read back or updated."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import Notification

from projections.catchup import Progress, logged
from projections.knowledge import MeasureKnowledge
from projections.pieces import NOTHING, Belief, revise
from projections.tables import (
    NO_SPAN,
    OPEN_KNOWN,
    OPEN_POSITION,
    LoggedPosition,
    Row,
    Scope,
    hs_codes_of,
)

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.events import RecordedEvent
    from domain.measure import Measure


class ByOriginator(Protocol):
    """A log that reads its events aggregate by aggregate (the store's recorders): what a
    replay's shards read."""

    def events_by_originator(
        self, stop: int, lower: UUID | None = None, upper: UUID | None = None, page: int = 5000
    ) -> Iterator[Notification]: ...


#: Segment rows gathered before they are written, in one transaction: about as many events a
#: chunk (3,000) as 50,000 rows of the layout before schema 5 held, one per item and flow;
#: 50,000 segments took 16,000 events' summaries and positions, and twice the peak memory.
_LOAD_ROWS = 10_000

#: Writes one chunk of a load: segments with both record bounds, summaries, log positions,
#: HS codes, scopes, and the spans of the spread ones (`believed_spans`).
Write = Callable[
    [
        list[tuple[Any, ...]],
        dict[str, bytes],
        list[LoggedPosition],
        list[tuple[str, str, int, str]],
        dict[str, Scope],
        dict[str, tuple[str, str]],
    ],
    None,
]


def load_shard(
    app: Regimes,
    write: Write,
    position: int,
    bounds: tuple[UUID | None, UUID | None],
    progress: Progress | None = None,
) -> int:
    """Loads the aggregates with ids within `bounds`, up to `position`, through `write`;
    returns the events read."""
    mapper, recorder = app.mapper, cast("ByOriginator", app.recorder)
    rows: list[tuple[Any, ...]] = []
    states: dict[str, bytes] = {}
    positions: list[LoggedPosition] = []
    codes: list[tuple[str, str, int, str]] = []
    scopes: dict[str, Scope] = {}
    spans: dict[str, tuple[str, str]] = {}
    read = 0
    measure: str | None = None
    knowledge: MeasureKnowledge | None = None
    pieces: Belief = NOTHING
    believed: dict[Row, int] = {}  # the measure's open rows, with the position they opened
    # The keys of the measure's summaries written so far: a summary names its measure, so
    # keys never repeat across measures, and the load writes each one once.
    summarised: set[str] = set()
    # The measure's scopes (a scope names its measure too), written once it is closed: with
    # the spans of the segments it believes in the end.
    scoped: dict[str, Scope] = {}

    def close_measure() -> None:
        rows.extend((measure, *row, since, OPEN_POSITION) for row, since in believed.items())
        spanned = believed_spans(believed)
        for key, scope in scoped.items():
            scopes[key] = scope
            spans[key] = spanned.get(key, NO_SPAN)
        believed.clear()
        summarised.clear()
        scoped.clear()

    for notification in recorder.events_by_originator(position, *bounds):
        event = cast("RecordedEvent", mapper.to_domain_event(notification))
        at = notification.id
        positions.append(logged(at, event))
        if event.record_type.startswith("measure_"):
            facts = cast("Measure.Event", event)
            codes += hs_codes_of(at, facts)
            if facts.record_type == "measure_imposed":
                close_measure()
                measure, pieces = facts.measure, NOTHING
                knowledge = MeasureKnowledge.begin(cast("Measure.Imposed", facts))
            else:
                assert knowledge is not None, "a measure's events start with its imposition"
                knowledge.apply(facts)
            pieces, change = revise(knowledge, at, pieces)
            for row in change.closed:
                rows.append((measure, *row, believed.pop(row), at))
            for row in change.opened:
                believed[row] = at
            for key, summary in change.states.items():
                if key not in summarised:
                    summarised.add(key)
                    states[key] = summary
            for key, scope in change.scopes.items():
                scoped.setdefault(key, scope)
        read += 1
        if len(rows) >= _LOAD_ROWS:
            write(rows, states, positions, codes, scopes, spans)
            rows, positions, states, codes, scopes, spans = [], [], {}, [], {}, {}
            if progress:
                progress(read)
    close_measure()
    write(rows, states, positions, codes, scopes, spans)
    if progress:
        progress(read)
    return read


def believed_spans(believed: Iterable[Row]) -> dict[str, tuple[str, str]]:
    """The span of each scope over a measure's believed segments as known today (`known_to`
    open): the first day of the first, the end of the last (what `ViewSQL.span_scopes`
    sets in catch-up)."""
    found: dict[str, tuple[str, str]] = {}
    for valid_from, valid_to, _, _, _, scope, _, known_to in believed:
        if known_to != OPEN_KNOWN:
            continue
        span = found.get(scope)
        found[scope] = (
            (valid_from, valid_to)
            if span is None
            else (min(span[0], valid_from), max(span[1], valid_to))
        )
    return found

"""Brings the persisted view up to the log: catch-up before every query, and replay.

A measure's standing is recomputed from its whole history whenever one of its events arrives,
so back-dated records land in the right valid time; rows no longer believed are closed at
that position, never deleted. Replay loads fresh tables a measure at a time instead.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.persistence import IntegrityError, Notification

from domain.errors import RegimesError
from domain.ids import measure_id
from projections.history import MeasureHistory
from projections.pieces import Change, Piece, belief, revise
from projections.view import OPEN_POSITION, BitemporalView, LoggedPosition, Row

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.chain import Chained
    from domain.events import RecordedEvent
    from domain.measure import Measure

_BATCH = 500
_LOAD_ROWS = 50_000
_HISTORIES_KEPT = 50_000
_ATTEMPTS = 5

#: Told how many events have been applied so far.
Progress = Callable[[int], None]


class Histories:
    """Measure histories and their pieces kept between events, in a bounded cache; a measure
    not in memory has its history loaded from the log and its pieces rendered again."""

    def __init__(self, app: Regimes) -> None:
        self.app = app
        self.kept: OrderedDict[str, tuple[MeasureHistory, list[Piece]]] = OrderedDict()

    def change(self, event: Measure.Event, position: int) -> Change:
        """What `event` (at `position`) changes in its measure's rows."""
        before: list[Piece]
        if event.record_type == "measure_imposed":
            history, before = MeasureHistory.begin(cast("Measure.Imposed", event)), []
        else:
            kept = self.kept.pop(event.measure, None)
            if kept is not None and kept[0].version == event.originator_version - 1:
                history, before = kept
            else:
                history = self._load(event)
                before = belief(history)
            history.apply(event)
        after, change = revise(history, position, before)
        self.kept[event.measure] = (history, after)
        if len(self.kept) > _HISTORIES_KEPT:
            self.kept.popitem(last=False)
        return change

    def forget(self) -> None:
        """Drops every kept history (another process may have moved the view on)."""
        self.kept.clear()

    def _load(self, event: Measure.Event) -> MeasureHistory:
        earlier = self.app.events.get(measure_id(event.measure),
                                      lte=event.originator_version - 1)
        return MeasureHistory.of(cast("list[Measure.Event]", list(earlier)))


def logged(position: int, event: RecordedEvent) -> LoggedPosition:
    """The log position of `event`, as the view lists it."""
    facts: Any = event
    subject = (f"action:{facts.action}" if event.record_type == "action_taken"
               else f"measure:{facts.measure}")
    return LoggedPosition(position, utc_text(event.timestamp), event.record_type, subject)


def utc_text(moment: datetime) -> str:
    """A record time as sortable ISO text in UTC (microseconds, `Z`)."""
    if moment.tzinfo is None or moment.utcoffset():
        moment = moment.astimezone(UTC)
    return f"{moment.replace(tzinfo=None).isoformat(timespec='microseconds')}Z"


def apply_notifications(
    app: Regimes,
    view: BitemporalView,
    generation: str,
    notifications: list[Notification],
    histories: Histories,
) -> None:
    """Applies one batch of the log to a generation of the view, with its tracking."""
    changes: list[Change] = []
    positions: list[LoggedPosition] = []
    for notification in notifications:
        event = cast("RecordedEvent", app.mapper.to_domain_event(notification))
        positions.append(logged(notification.id, event))
        if event.record_type.startswith("measure_"):
            changes.append(histories.change(cast("Measure.Event", event), notification.id))
    view.apply(generation, changes, positions, notifications[-1].id)


@dataclass(frozen=True)
class CaughtUp:
    """Where a catch-up left a generation of the view."""

    generation: str
    position: int  # the last log position the generation has applied
    applied: int  # how many events this catch-up applied


def catch_up(
    app: Regimes,
    view: BitemporalView,
    generation: str | None = None,
    *,
    until: int | None = None,
    progress: Progress | None = None,
    histories: Histories | None = None,
) -> CaughtUp:
    """Applies every event after the generation's position (by default the live one's).

    `histories` kept from an earlier catch-up spare reloading the measures it still holds.
    """
    generation, start = view.standing(generation)
    histories = histories or Histories(app)
    applied = 0
    failures = 0
    while True:
        page = app.recorder.select_notifications(
            start=start, limit=_BATCH, stop=until, inclusive_of_start=False
        )
        if not page:
            return CaughtUp(generation, start, applied)
        try:
            apply_notifications(app, view, generation, list(page), histories)
        except IntegrityError:
            # Another process applied these positions first; continue from where it got to.
            failures += 1
            if failures > _ATTEMPTS:
                raise
            histories.forget()
            _, start = view.standing(generation)
            continue
        applied += len(page)
        start = page[-1].id
        if progress:
            progress(applied)
        if len(page) < _BATCH:
            # What was there is applied; later appends are the next query's.
            return CaughtUp(generation, start, applied)


@dataclass(frozen=True)
class ReplayReport:
    """What a replay did."""

    events: int
    seconds: float
    position: int
    verified: bool | None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class ViewMismatch(RegimesError):
    """The replayed view differs from the live one."""


def replay(
    app: Regimes,
    view: BitemporalView,
    *,
    until: int | None = None,
    verify: bool = False,
    progress: Progress | None = None,
) -> ReplayReport:
    """Rebuilds the view from position 1 into fresh tables, then swaps them in atomically.

    With `verify`, the fresh view must equal the live one (caught up to the same position)
    or `ViewMismatch` is raised and the live view is kept.
    """
    started = time.perf_counter()
    live = view.live_generation()
    fresh = next(generation for generation in ("a", "b") if generation != live)
    view.reset_generation(fresh)
    last = app.recorder.max_notification_id() or 0
    position = last if until is None else min(until, last)
    events = load(app, view, fresh, position, progress)
    verified = None
    if verify:
        catch_up(app, view, live, until=position)
        live_rows = [row for row in view.dump(live) if row[8] <= position]
        live_rows = [(*row[:9], row[9] if row[9] <= position else None, row[10])
                     for row in live_rows]
        fresh_rows = [(*row[:9], None if row[9] > position else row[9], row[10])
                      for row in view.dump(fresh)]
        if live_rows != fresh_rows:
            raise ViewMismatch(_first_difference(live_rows, fresh_rows))
        verified = True
    view.index_generation(fresh)
    view.switch_to(fresh)
    return ReplayReport(events, time.perf_counter() - started, position, verified)


def load(app: Regimes, view: BitemporalView, generation: str, position: int,
         progress: Progress | None = None) -> int:
    """Loads an empty generation with the log up to `position`; returns the events read.

    The log is read a measure at a time (each aggregate's events together, in version
    order), so every row is written once with both of its record-time bounds: no row is
    read back or updated, and the indexes are built after the load.
    """
    mapper, recorder = app.mapper, cast("Chained", app.recorder)
    rows: list[tuple[Any, ...]] = []
    states: dict[str, bytes] = {}
    positions: list[LoggedPosition] = []
    read = 0
    measure: str | None = None
    history: MeasureHistory | None = None
    pieces: list[Piece] = []
    believed: dict[Row, int] = {}  # the measure's open rows, with the position they opened

    def close_measure() -> None:
        rows.extend((measure, *row, since, OPEN_POSITION) for row, since in believed.items())
        believed.clear()

    for notification in recorder.events_by_originator(position):
        event = cast("RecordedEvent", mapper.to_domain_event(notification))
        at = notification.id
        positions.append(logged(at, event))
        if event.record_type.startswith("measure_"):
            facts = cast("Measure.Event", event)
            if facts.record_type == "measure_imposed":
                close_measure()
                measure, pieces = facts.measure, []
                history = MeasureHistory.begin(cast("Measure.Imposed", facts))
            else:
                assert history is not None, "a measure's events start with its imposition"
                history.apply(facts)
            pieces, change = revise(history, at, pieces)
            for row in change.closed:
                rows.append((measure, *row, believed.pop(row), at))
            for row in change.opened:
                believed[row] = at
            states.update(change.states)
        read += 1
        if len(rows) >= _LOAD_ROWS:
            view.load(generation, rows, states, positions)
            rows, positions = [], []
            states.clear()
            if progress:
                progress(read)
    close_measure()
    view.load(generation, rows, states, positions, position)
    if progress:
        progress(read)
    return read


def _first_difference(live: list[tuple[object, ...]], fresh: list[tuple[object, ...]]) -> str:
    for index, (old, new) in enumerate(zip(live, fresh, strict=False)):
        if old != new:
            return f"row {index + 1}: live {old[:10]} != replayed {new[:10]}"
    return f"live view has {len(live)} rows, the replay {len(fresh)}"

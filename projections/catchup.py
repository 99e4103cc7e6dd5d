"""Brings the persisted view up to the log: catch-up before every query, and replay.

A measure's rows are recomputed from its whole history whenever one of its events arrives,
so back-dated records land in the right valid time; rows no longer believed are closed at
that position, never deleted.
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
from projections.lifecycle import segments
from projections.view import (
    OPEN_DATE,
    BitemporalView,
    LoggedPosition,
    MeasureRows,
    Row,
    state_key,
    summary_bytes,
)

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.events import RecordedEvent
    from domain.measure import Measure

_BATCH = 500
_HISTORIES_KEPT = 50_000
_ATTEMPTS = 5

#: Told how many events have been applied so far.
Progress = Callable[[int], None]


def measure_rows(history: MeasureHistory, position: int,
                 previous: frozenset[Row] | None = None) -> MeasureRows:
    """The measure's rows in the view, as known at `position` (and, if known, just before)."""
    rows: set[Row] = set()
    states: dict[str, bytes] = {}
    for segment in segments(history):
        state = segment.state
        summary = summary_bytes(state.summary())
        key = state_key(summary)
        states[key] = summary
        valid_from = segment.valid_from.isoformat()
        valid_to = segment.valid_to.isoformat() if segment.valid_to else OPEN_DATE
        status, level, scope = state.status, int(state.level), state.scope()
        rows.update(Row(item, exporter, importer, valid_from, valid_to, status, level, key)
                    for item in state.items for exporter, importer in scope)
    return MeasureRows(history.slug, position, frozenset(rows), states, previous)


class Histories:
    """Measure histories and their rows kept between events, in a bounded cache; a measure
    not in memory has its history loaded from the log and its rows read from the view."""

    def __init__(self, app: Regimes) -> None:
        self.app = app
        self.kept: OrderedDict[str, tuple[MeasureHistory, frozenset[Row]]] = OrderedDict()

    def rows_after(self, event: Measure.Event, position: int) -> MeasureRows:
        """The measure's rows once `event` (at `position`) is applied."""
        previous: frozenset[Row] | None
        if event.record_type == "measure_imposed":
            history, previous = MeasureHistory.begin(cast("Measure.Imposed", event)), frozenset()
        else:
            kept = self.kept.pop(event.measure, None)
            if kept is not None and kept[0].version == event.originator_version - 1:
                history, previous = kept
            else:
                history, previous = self._load(event), None
            history.apply(event)
        rows = measure_rows(history, position, previous)
        self.kept[event.measure] = (history, rows.rows)
        if len(self.kept) > _HISTORIES_KEPT:
            self.kept.popitem(last=False)
        return rows

    def _load(self, event: Measure.Event) -> MeasureHistory:
        earlier = self.app.events.get(measure_id(event.measure),
                                      lte=event.originator_version - 1)
        return MeasureHistory.of(cast("list[Measure.Event]", list(earlier)))


def _subject(event: RecordedEvent) -> str:
    facts: Any = event
    if event.record_type == "action_taken":
        return f"action:{facts.action}"
    return f"measure:{facts.measure}"


def utc_text(moment: datetime) -> str:
    """A record time as sortable ISO text in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def apply_notifications(
    app: Regimes,
    view: BitemporalView,
    generation: str,
    notifications: list[Notification],
    histories: Histories,
) -> None:
    """Applies one batch of the log to a generation of the view, with its tracking."""
    changes: list[MeasureRows] = []
    positions: list[LoggedPosition] = []
    for notification in notifications:
        event = cast("RecordedEvent", app.mapper.to_domain_event(notification))
        positions.append(LoggedPosition(notification.id, utc_text(event.timestamp),
                                        event.record_type, _subject(event)))
        if event.record_type.startswith("measure_"):
            measure_event = cast("Measure.Event", event)
            changes.append(histories.rows_after(measure_event, notification.id))
    view.apply(generation, changes, positions, notifications[-1].id)


def catch_up(
    app: Regimes,
    view: BitemporalView,
    generation: str | None = None,
    *,
    until: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Applies every event after the generation's position; returns how many it applied."""
    generation = generation or view.live_generation()
    histories = Histories(app)
    applied = 0
    failures = 0
    start = view.position(generation)
    while True:
        page = app.recorder.select_notifications(
            start=start, limit=_BATCH, stop=until, inclusive_of_start=False
        )
        if not page:
            return applied
        try:
            apply_notifications(app, view, generation, list(page), histories)
        except IntegrityError:
            # Another process applied these positions first; continue from where it got to.
            failures += 1
            if failures > _ATTEMPTS:
                raise
            histories = Histories(app)
            start = view.position(generation)
            continue
        applied += len(page)
        start = page[-1].id
        if progress:
            progress(applied)
        if len(page) < _BATCH:
            return applied  # what was there is applied; later appends are the next query's


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
    events = catch_up(app, view, fresh, until=until, progress=progress)
    position = view.position(fresh)
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


def _first_difference(live: list[tuple[object, ...]], fresh: list[tuple[object, ...]]) -> str:
    for index, (old, new) in enumerate(zip(live, fresh, strict=False)):
        if old != new:
            return f"row {index + 1}: live {old[:10]} != replayed {new[:10]}"
    return f"live view has {len(live)} rows, the replay {len(fresh)}"

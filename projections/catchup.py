"""Brings the persisted view up to the log, event by event: after every append and before
every query.

A measure's standing is recomputed from its whole history whenever one of its events arrives,
so back-dated records land in the right valid time; rows no longer believed are closed at
that position, never deleted. (Replay loads fresh tables in bulk: `projections.replay`.)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.persistence import IntegrityError, Notification

from domain.ids import measure_id
from projections.collector import collection_paused
from projections.knowledge import MeasureKnowledge
from projections.pieces import NOTHING, Belief, RowChange, belief, revise
from projections.tables import LoggedPosition, hs_codes_of
from projections.view import BitemporalView, GenerationMoved

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.events import RecordedEvent
    from domain.measure import Measure

#: Events applied per transaction.
_BATCH = 5000
_HISTORIES_KEPT = 50_000
_ATTEMPTS = 5

#: Told how many events have been applied so far.
Progress = Callable[[int], None]


class Histories:
    """Measure histories and their pieces kept between events, in a bounded cache; a measure
    not in memory has its history loaded from the log and its pieces rendered again."""

    def __init__(self, app: Regimes) -> None:
        self.app = app
        self.kept: OrderedDict[str, tuple[MeasureKnowledge, Belief]] = OrderedDict()

    def change(self, event: Measure.Event, position: int) -> RowChange:
        """What `event` (at `position`) changes in its measure's rows."""
        before: Belief
        if event.record_type == "measure_imposed":
            knowledge = MeasureKnowledge.begin(cast("Measure.Imposed", event))
            before = NOTHING
        else:
            kept = self.kept.pop(event.measure, None)
            if kept is not None and kept[0].version == event.originator_version - 1:
                knowledge, before = kept
            else:
                knowledge = self.earlier_knowledge(event)
                before = belief(knowledge)
            knowledge.apply(event)
        after, change = revise(knowledge, position, before)
        self.kept[event.measure] = (knowledge, after)
        if len(self.kept) > _HISTORIES_KEPT:
            self.kept.popitem(last=False)
        return change

    def forget(self) -> None:
        """Drops every kept history (another process may have moved the view on)."""
        self.kept.clear()

    def earlier_knowledge(self, event: Measure.Event) -> MeasureKnowledge:
        """The knowledge of `event`'s measure before it, read from the log."""
        earlier = self.app.events.get(measure_id(event.measure), lte=event.originator_version - 1)
        return MeasureKnowledge.of(cast("list[Measure.Event]", list(earlier)))


def logged(position: int, event: RecordedEvent) -> LoggedPosition:
    """The log position of `event`, as the view lists it."""
    facts: Any = event
    subject = (
        f"action:{facts.action}"
        if event.record_type == "action_taken"
        else f"group:{facts.group}"
        if event.record_type.startswith("group_")
        else f"party:{facts.party}"
        if event.record_type.startswith("party_")
        else f"measure:{facts.measure}"
    )
    return LoggedPosition(position, utc_text(event.timestamp), event.record_type, subject)


def utc_text(moment: datetime) -> str:
    """A record time as sortable ISO text in UTC (microseconds, `Z`)."""
    # Kept for the last few, since a batch's records share one record time. By fold too:
    # two times on a zone's clock that the clock shows twice (a change back from summer
    # time) are equal, and one hour apart.
    return _utc_text(moment, moment.fold)


@lru_cache(maxsize=64)
def _utc_text(moment: datetime, fold: int) -> str:
    if moment.tzinfo is None or moment.utcoffset():
        moment = moment.astimezone(UTC)
    return f"{moment.isoformat(timespec='microseconds')[:26]}Z"  # without "+00:00"


def apply_notifications(
    app: Regimes,
    view: BitemporalView,
    generation: str,
    notifications: list[Notification],
    histories: Histories,
) -> None:
    """Applies one batch of the log to a generation of the view, with its tracking."""
    changes: list[RowChange] = []
    positions: list[LoggedPosition] = []
    codes: list[tuple[str, str, int, str]] = []
    for notification in notifications:
        event = cast("RecordedEvent", app.mapper.to_domain_event(notification))
        positions.append(logged(notification.id, event))
        if event.record_type.startswith("measure_"):
            changes.append(histories.change(cast("Measure.Event", event), notification.id))
            codes += hs_codes_of(notification.id, event)
    view.apply(generation, changes, positions, notifications[-1].id, codes)


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
    standing: tuple[str, int] | None = None,
) -> CaughtUp:
    """Applies every event after the generation's position (by default the live one's).

    `histories` kept from an earlier catch-up spare reloading the measures it still holds;
    `standing` (the live generation and its position, just read) spares reading them again.
    """
    asked = generation
    generation, start = standing if standing is not None else view.standing(asked)
    histories = histories or Histories(app)
    applied = 0
    failures = 0

    def after(start: int) -> Sequence[Notification]:
        return app.recorder.select_notifications(
            start=start, limit=_BATCH, stop=until, inclusive_of_start=False
        )

    page = after(start)
    if not page:
        return CaughtUp(generation, start, applied)
    with collection_paused():
        while page:
            try:
                apply_notifications(app, view, generation, list(page), histories)
            except (IntegrityError, GenerationMoved):
                # Another process applied these positions first, or a replay switched to a
                # generation of its own: go on from where that one stands.
                failures += 1
                if failures > _ATTEMPTS:
                    raise
                histories.forget()
                generation, start = view.standing(asked)
            else:
                applied += len(page)
                start = page[-1].id
                if progress:
                    progress(applied)
                if len(page) < _BATCH:
                    break  # what was there is applied; later appends are the next query's
            page = after(start)
    return CaughtUp(generation, start, applied)

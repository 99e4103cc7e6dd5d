"""The `Regimes` application: validated, idempotent, all-or-nothing appends, and the raw log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    Notification,
    OperationalError,
    PersistenceError,
)
from eventsourcing.utils import get_topic

from domain.action import Action, action_id
from domain.errors import (
    BatchRejected,
    DomainError,
    RecordError,
    StoreBusy,
    StoreError,
    UnknownMeasure,
    UnknownReference,
)
from domain.events import RecordedEvent
from domain.mapper import OrjsonTranscoder, PydanticMapper
from domain.measure import Measure, measure_id
from domain.reading import Batch
from domain.records import ActionTakenRecord, MeasureImposedRecord, Record
from domain.stores import Store

_ATTEMPTS = 5
_PAGE = 1000


@dataclass(frozen=True)
class AppendReport:
    """What an append did: how many records were new, how many were already in the log."""

    received: int
    appended: int
    unchanged: int
    first_position: int | None
    last_position: int | None
    dry_run: bool


@dataclass(frozen=True)
class LoggedRecord:
    """One stored event as a record of the input format, with its place in the log."""

    position: int
    recorded_at: datetime
    record: dict[str, Any]


class Regimes(Application[UUID]):
    """The event store of diplomatic and trade actions."""

    name = "regimes"
    env = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
    }

    def append(self, batch: Batch, recorded_at: datetime, *, dry_run: bool = False
               ) -> AppendReport:
        """Checks every record against the log, then writes the new ones in one transaction.

        Raises `BatchRejected` listing every error of the batch, those found reading it and
        every broken state rule; nothing is written then. A record identical to one already
        in the log is counted as unchanged and not written again.
        """
        received = len(batch.records)
        for _ in range(_ATTEMPTS):
            events, unchanged = self._plan(batch, recorded_at)
            if dry_run or not events:
                return AppendReport(received, len(events), unchanged, None, None, dry_run)
            try:
                recordings = self.save(*events)
            except IntegrityError:
                continue  # another writer changed one of these measures: check again
            except OperationalError as error:
                raise StoreBusy(f"the store is busy ({error}); try again") from error
            positions = [recording.notification.id for recording in recordings]
            return AppendReport(
                received, len(events), unchanged, positions[0], positions[-1], dry_run
            )
        raise StoreBusy(
            f"other writers changed the same measures {_ATTEMPTS} times in a row; try again"
        )

    def _plan(self, batch: Batch, recorded_at: datetime) -> tuple[list[RecordedEvent], int]:
        aggregates: dict[UUID, Measure | Action | None] = {}
        events: list[RecordedEvent] = []
        errors: list[RecordError] = list(batch.errors)
        unchanged = 0
        for numbered in batch.records:
            try:
                changed = self._apply(numbered.record, recorded_at, aggregates)
            except UnknownMeasure as error:
                if numbered.record.measure not in batch.unreadable_ids:  # type: ignore[union-attr]
                    errors.append(numbered.error(error.field, error.message))
                continue
            except DomainError as error:
                errors.append(numbered.error(error.field, error.message))
                continue
            if changed is None:
                unchanged += 1
            else:
                events.extend(cast(list[RecordedEvent], changed.collect_events()))
        errors.extend(self._unknown_references(batch, aggregates))
        if errors:
            raise BatchRejected(sorted(errors, key=lambda error: (error.source or "",
                                                                  error.line)))
        return events, unchanged

    def _apply(
        self,
        record: Record,
        recorded_at: datetime,
        aggregates: dict[UUID, Measure | Action | None],
    ) -> Measure | Action | None:
        """The aggregate the record changed, or None when it was already in the log."""
        if isinstance(record, ActionTakenRecord):
            key = action_id(record.action)
            action = self._load(key, aggregates)
            if isinstance(action, Action):
                action.check_repeat(record)
                return None
            aggregates[key] = Action.take(record, recorded_at)
            return aggregates[key]
        key = measure_id(record.measure)
        measure = self._load(key, aggregates)
        if isinstance(measure, Measure):
            return measure if measure.record(record, recorded_at) else None
        if not isinstance(record, MeasureImposedRecord):
            raise UnknownMeasure(
                "measure", f"unknown measure {record.measure!r}: impose it first"
            )
        aggregates[key] = Measure.impose(record, recorded_at)
        return aggregates[key]

    def _load(
        self, key: UUID, aggregates: dict[UUID, Measure | Action | None]
    ) -> Measure | Action | None:
        if key not in aggregates:
            try:
                aggregates[key] = self.repository.get(key)
            except AggregateNotFoundError:
                aggregates[key] = None
        return aggregates[key]

    def _unknown_references(
        self, batch: Batch, aggregates: dict[UUID, Measure | Action | None]
    ) -> Iterator[RecordError]:
        for numbered in batch.records:
            for slug in getattr(numbered.record, "responds_to", None) or ():
                if slug in batch.unreadable_ids or any(
                        self._load(key, aggregates) for key in
                        (measure_id(slug), action_id(slug))):
                    continue
                error = UnknownReference(
                    "responds_to", f"{slug!r} is neither a measure nor an action in the log"
                )
                yield numbered.error(error.field, error.message)

    def records(self, since: int | None = None, until: int | None = None
                ) -> Iterator[LoggedRecord]:
        """The stored records in record order, from position `since` to `until` inclusive."""
        start = since or 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=_PAGE, stop=until)
            for notification in page:
                yield self.logged(notification)
            if len(page) < _PAGE:
                return
            start = page[-1].id + 1

    def logged(self, notification: Notification) -> LoggedRecord:
        """One stored notification as a record with its position and record time."""
        event = cast(RecordedEvent, self.mapper.to_domain_event(notification))
        return LoggedRecord(notification.id, event.timestamp, event.to_record())

    def last_position(self) -> int:
        """The position of the newest record in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0


def open_application(store: Store) -> Regimes:
    """The application on `store`, or a one-line `StoreError` saying why it cannot open."""
    try:
        with store.opening():
            return Regimes(env=store.env)
    except (PersistenceError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StoreError(f"cannot open store {store.display}: {reason}") from None

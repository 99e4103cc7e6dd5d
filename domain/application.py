"""The `Regimes` application: validated, idempotent, all-or-nothing appends, and the raw log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Notification, OperationalError

from domain.errors import StoreBusy

if TYPE_CHECKING:
    from domain.batch import Batch
    from domain.events import RecordedEvent

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

    def content(self) -> dict[str, Any]:
        """The record as the content digest covers it (docs/projections.md §7): without record
        time, so without the publication date of a correction or retraction that its record
        time gives (the same file appended on two days holds the same records); a date of
        its own it keeps."""
        record = self.record
        if (
            record["type"] in ("measure_corrected", "measure_retracted")
            and record.get("published_on") == self.recorded_at.astimezone(UTC).date().isoformat()
        ):
            return {name: value for name, value in record.items() if name != "published_on"}
        return record


class Regimes(Application[UUID]):
    """The event store of diplomatic and trade actions."""

    name = "regimes"

    def append(self, batch: Batch, recorded_at: datetime, *, dry_run: bool = False) -> AppendReport:
        """Checks every record against the log, then writes the new ones in one transaction.

        Raises `BatchRejected` listing every error of the batch, those found reading it and
        every broken state rule; nothing is written then. A record identical to one already
        in the log is counted as unchanged and not written again.
        """
        from domain.appending import plan  # the aggregates' models load only for appends

        received = len(batch.records)
        for _ in range(_ATTEMPTS):
            events, unchanged = plan(self.repository, batch, recorded_at)
            if dry_run or not events:
                return AppendReport(received, len(events), unchanged, None, None, dry_run)
            appended = len(events)
            try:
                positions = self.write(events)
            except IntegrityError:
                continue  # another writer changed one of these measures: check again
            except OperationalError as error:
                raise StoreBusy(f"the store is busy ({error}); try again") from error
            return AppendReport(received, appended, unchanged, positions[0], positions[-1], dry_run)
        raise StoreBusy(
            f"other writers changed the same measures {_ATTEMPTS} times in a row; try again"
        )

    def write(self, events: list[RecordedEvent]) -> list[int]:
        """Writes `events` in one transaction and returns their positions; `events` is
        emptied on the way.

        The one place the application does not go through the library's `save()`: nothing
        here takes snapshots or notifies in-process listeners, and `save()` costs a large
        append 17-29 % of its throughput and 13-21 % more memory (benchmarks/write_path.py,
        `bench.py --only write-path`, measured side by side at 10k, 100k and 1M records),
        mostly its runtime protocol check on every event. Each event is mapped straight to
        its stored form and let go, so that a large batch is not held twice.
        """
        count = len(events)
        events.reverse()
        stored = [self.mapper.to_stored_event(events.pop()) for _ in range(count)]
        positions = self.recorder.insert_events(stored)
        assert positions, "an application recorder returns the positions it wrote"
        return list(positions)

    def records(self, since: int | None = None, until: int | None = None) -> Iterator[LoggedRecord]:
        """The stored records in record order, from position `since` to `until` inclusive."""
        start = since or 1
        # Each measure's publication date, seen in its imposition. A follow-up appended by a
        # version before publication time may take a date of its own before it (a measure
        # effective before it was announced); it was known from the measure's date, and is
        # printed with that date, so that the record appends again (docs/time.md §2).
        published: dict[str, date] = {}
        while True:
            page = self.recorder.select_notifications(start=start, limit=_PAGE, stop=until)
            for notification in page:
                event = cast("RecordedEvent", self.mapper.to_domain_event(notification))
                record = event.to_record()
                measure = getattr(event, "measure", None)
                if measure is not None:
                    if event.record_type == "measure_imposed":
                        published[measure] = event.publication()
                    elif measure in published and event.publication() < published[measure]:
                        record["published_on"] = published[measure].isoformat()
                yield LoggedRecord(notification.id, event.timestamp, record)
            if len(page) < _PAGE:
                return
            start = page[-1].id + 1

    def logged(self, notification: Notification) -> LoggedRecord:
        """One stored notification as a record with its position and record time."""
        event = cast("RecordedEvent", self.mapper.to_domain_event(notification))
        return LoggedRecord(notification.id, event.timestamp, event.to_record())

    def last_position(self) -> int:
        """The position of the newest record in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

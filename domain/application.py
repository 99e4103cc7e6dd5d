"""The `Regimes` application: validated, idempotent, all-or-nothing appends, and the raw log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Notification, OperationalError, StoredEvent

from domain.errors import StoreBusy

if TYPE_CHECKING:
    from domain.appending import Entry, Planner
    from domain.batch import Batch
    from domain.events import RecordedEvent

_ATTEMPTS = 5
_PAGE = 1000
#: Events checked, then mapped and written, at a time inside an append's one transaction, so
#: that a large batch is never held whole (its records, aggregates and events).
CHUNK = 2000

#: A record as an input gives it: its first line, the raw record (or the reader's
#: `RecordError` for what could not be read at all), and the input's name for its errors.
RawRecord = tuple[int, Any, str | None]


@runtime_checkable
class ChunkedLog(Protocol):
    """A log that writes events handed over a chunk at a time in one transaction (the
    store's recorders): each chunk is asked for once the previous one is written."""

    def insert_event_chunks(
        self, chunks: Iterable[Sequence[StoredEvent]], expected: int
    ) -> tuple[int, int]:
        """Writes every chunk, all or nothing (if taking the next chunk raises, nothing is
        written), and returns the first and last positions written; `expected` is about
        how many events will come."""
        ...


@runtime_checkable
class ReadAhead(Protocol):
    """Inputs that can also be read lightly, for the outline of a batch
    (`regimes.reading.Rereading`)."""

    def ahead(self, exact: Callable[[Any], bool]) -> Iterator[RawRecord]:
        """Every record, read only as far as its type and ids go, except those `exact`
        picks: read as when they are checked."""
        ...


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
        from domain.appending import Planner
        from domain.batch import Unread
        from domain.outline import outline_of

        def begin() -> tuple[Planner, Iterator[Entry]]:
            planner = Planner(self.repository, recorded_at, outline_of(batch.records))
            planner.unread(Unread(batch.errors, tuple(batch.unreadable_ids)))
            return planner, enumerate(batch.records)

        return self._append(begin, dry_run)

    def append_records(
        self,
        read: Callable[[], Iterator[RawRecord]],
        recorded_at: datetime,
        *,
        dry_run: bool = False,
    ) -> AppendReport:
        """`append` for records read from inputs that can be read twice (each call of `read`
        reads them again, from the start): read once to outline the batch (lightly, when
        `read` can: `ReadAhead`), and again to check and write it a chunk at a time, so that
        the batch is never held whole."""
        from domain.appending import Planner
        from domain.batch import read_entry
        from domain.outline import outline_of_raw, read_exactly

        def begin() -> tuple[Planner, Iterator[Entry]]:
            ahead = read.ahead(read_exactly) if isinstance(read, ReadAhead) else read()
            outline = outline_of_raw(ahead)
            entries = (
                (ordinal, read_entry(line, raw, source))
                for ordinal, (line, raw, source) in enumerate(read())
            )
            return Planner(self.repository, recorded_at, outline), entries

        return self._append(begin, dry_run)

    def _append(
        self, begin: Callable[[], tuple[Planner, Iterator[Entry]]], dry_run: bool
    ) -> AppendReport:
        """Checks the records `begin` gives, writing their new events a chunk at a time in
        one transaction (opened once the first chunk is known right); once another writer
        has changed the same aggregates meanwhile, it starts again."""
        from domain.appending import Refused

        for _ in range(_ATTEMPTS):
            planner, entries = begin()
            if dry_run:
                appended = sum(len(events) for events in planner.checked(entries))
                return AppendReport(
                    planner.received, appended, planner.unchanged, None, None, dry_run
                )
            try:
                written = self.write_chunks(planner.chunks(entries, CHUNK), planner.outline.records)
            except Refused:
                planner.finish(entries)  # raises BatchRejected: every error, sorted
                raise
            except IntegrityError:
                continue  # another writer changed one of these aggregates: check again
            except OperationalError as error:
                raise StoreBusy(f"the store is busy ({error}); try again") from error
            first, last, appended = written or (None, None, 0)
            return AppendReport(planner.received, appended, planner.unchanged, first, last, dry_run)
        raise StoreBusy(
            f"other writers changed the same measures {_ATTEMPTS} times in a row; try again"
        )

    def write_chunks(
        self, chunks: Iterator[list[RecordedEvent]], expected: int = 0
    ) -> tuple[int, int, int] | None:
        """Writes the events of every chunk in one transaction, each chunk mapped to its
        stored form once the one before is written; returns the first and last positions
        and how many were written, or None when there were none (no transaction then).

        The one place the application does not go through the library's `save()`: nothing
        here takes snapshots or notifies in-process listeners, and `save()` costs a large
        append 17-29 % of its throughput and 13-21 % more memory (benchmarks/write_path.py,
        `bench.py --only write-path`, measured side by side at 10k, 100k and 1M records),
        mostly its runtime protocol check on every event.
        """
        written = 0

        def stored() -> Iterator[list[StoredEvent]]:
            nonlocal written
            for events in chunks:
                written += len(events)
                yield [self.mapper.to_stored_event(event) for event in events]

        pending = stored()
        first = next(pending, None)  # checked (and refused, maybe) before any lock is taken
        if first is None:
            return None
        recorder = self.recorder
        if isinstance(recorder, ChunkedLog):
            start, end = recorder.insert_event_chunks(chain([first], pending), expected)
        else:
            positions = recorder.insert_events([*first, *chain.from_iterable(pending)])
            assert positions, "an application recorder returns the positions it wrote"
            start, end = positions[0], positions[-1]
        return start, end, written

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

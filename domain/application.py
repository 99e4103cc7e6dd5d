"""The `Regimes` application: validated, idempotent, all-or-nothing appends, and the raw log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import (
    IntegrityError,
    Notification,
    OperationalError,
    PersistenceError,
)
from eventsourcing.utils import get_topic

from domain.chain import (
    GENESIS,
    Chained,
    Digest,
    content_link,
    record_fingerprint,
    verify_chain,
    verify_content,
)
from domain.errors import StoreBusy, StoreError
from domain.mapper import OrjsonTranscoder, PydanticMapper
from domain.stores import Store, conceal, patiently

if TYPE_CHECKING:
    from domain.events import RecordedEvent
    from domain.reading import Batch

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

    def append(self, batch: Batch, recorded_at: datetime, *, dry_run: bool = False) -> AppendReport:
        """Checks every record against the log, then writes the new ones in one transaction.

        Raises `BatchRejected` listing every error of the batch, those found reading it and
        every broken state rule; nothing is written then. A record identical to one already
        in the log is counted as unchanged and not written again.
        """
        from domain.appending import plan  # the aggregates' models load only for appends
        from domain.collector import collection_paused

        received = len(batch.records)
        with collection_paused():
            for _ in range(_ATTEMPTS):
                events, unchanged = plan(self.repository, batch, recorded_at)
                if dry_run or not events:
                    return AppendReport(received, len(events), unchanged, None, None, dry_run)
                appended = len(events)
                # The events go straight to the recorder: nothing here takes snapshots or
                # notifies in-process listeners, `save` would check each for protocols, and
                # the event store would keep a recording of each. Each event is let go as
                # soon as it is mapped, so that a large batch is not held twice.
                events.reverse()
                stored = [self.mapper.to_stored_event(events.pop()) for _ in range(appended)]
                try:
                    positions = self.recorder.insert_events(stored)
                except IntegrityError:
                    continue  # another writer changed one of these measures: check again
                except OperationalError as error:
                    if disk_full(error):
                        raise StoreError(
                            f"the disk holding the store is full ({_first_line(error)}); "
                            "nothing was written"
                        ) from None
                    raise StoreBusy(f"the store is busy ({error}); try again") from error
                assert positions, "an application recorder returns the positions it wrote"
                return AppendReport(
                    received, appended, unchanged, positions[0], positions[-1], dry_run
                )
        raise StoreBusy(
            f"other writers changed the same measures {_ATTEMPTS} times in a row; try again"
        )

    def records(self, since: int | None = None, until: int | None = None) -> Iterator[LoggedRecord]:
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
        event = cast("RecordedEvent", self.mapper.to_domain_event(notification))
        return LoggedRecord(notification.id, event.timestamp, event.to_record())

    def digest(self, position: int | None = None) -> Digest | None:
        """The chain's head, or its link at `position`; None for a store without a chain."""
        chained = self.recorder
        if not isinstance(chained, Chained):
            return None
        if position is None:
            return chained.chain_head()
        link = chained.chain_link(position)
        return Digest(link, position) if link else None

    def verify(self, digest: Digest | None = None) -> Digest | None:
        """Recomputes the hash chain from the stored events (see `domain.chain`); with a
        digest, the log must extend it (a content digest: its records must)."""
        if not isinstance(self.recorder, Chained):
            raise StoreError("this store keeps no hash chain to verify")
        if digest is not None and digest.content:
            head = verify_chain(self.recorder)
            verify_content(self.fingerprints(), digest)
            return head
        return verify_chain(self.recorder, digest)

    def content_digest(self) -> Digest | None:
        """The content chain over every record (docs/projections.md §7); None for an empty log."""
        link, count = GENESIS, 0
        for fingerprint in self.fingerprints():
            link, count = content_link(link, fingerprint), count + 1
        return Digest(link, count, content=True) if count else None

    def fingerprints(self) -> Iterator[bytes]:
        """Each record's canonical content, in log order (no record time, no position)."""
        for logged in self.records():
            yield record_fingerprint(logged.record)

    def last_position(self) -> int:
        """The position of the newest record in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0


def disk_full(error: BaseException) -> bool:
    """Whether a failed write ran out of disk (SQLite's SQLITE_FULL, PostgreSQL's DiskFull):
    not a busy store, and no use trying again as it is."""
    cause: BaseException | None = error
    while cause is not None:
        if (
            getattr(cause, "sqlite_errorname", None) == "SQLITE_FULL"
            or getattr(cause, "sqlstate", None) == "53100"
        ):
            return True
        cause = cause.__cause__
    return any(
        text in str(error) for text in ("database or disk is full", "No space left on device")
    )


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def open_application(store: Store) -> Regimes:
    """The application on `store`, or a one-line `StoreError` saying why it cannot open."""
    try:
        with store.opening() as env:
            return patiently(lambda: Regimes(env=env))
    except (PersistenceError, OSError, sqlite3.Error) as error:
        raise StoreError(
            f"cannot open store {store.display}: {conceal(store, _first_line(error))}"
        ) from None

"""The verifiable log: a hash chain over the stored events, kept in the append's transaction.

Each link covers the previous link and the record's position, event topic (its type),
originator and version, and the stored state exactly as written. `Digest` (link@position)
is the fingerprint a report can cite; `verify_chain` recomputes the chain from the stored
events and names the first position where it breaks.

The content chain (`content:link@N`) covers the records alone, in the append format and in
log order, without record times or positions: two stores holding the same records in the same
order have the same content digest, however and whenever they were loaded (docs/projections.md §7).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import orjson
from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from domain.errors import RegimesError
from domain.stores import STORE_SCHEMA

GENESIS = "0" * 64
#: How a content digest is written: `content:link@N`.
CONTENT_PREFIX = "content:"
#: From how many events an insert into SQLite gets a larger page cache, and how large (KiB).
_BULK = 10_000
_BULK_CACHE_KIB = 256 * 1024


def next_link(previous: str, position: int, stored: StoredEvent) -> str:
    """The chain's link for the record at `position`."""
    state = stored.state
    head = (
        f"{previous}\n{position}\n{stored.topic}\n{stored.originator_id}\n"
        f"{stored.originator_version}\n"
    )
    body = state if isinstance(state, bytes) else str(state).encode()  # edited by hand?
    return hashlib.sha256(head.encode() + body).hexdigest()


def record_fingerprint(record: dict[str, Any]) -> bytes:
    """A record in the append format as canonical bytes: keys sorted, no spaces."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def content_link(previous: str, fingerprint: bytes) -> str:
    """The content chain's link for the next record, given its canonical content."""
    return hashlib.sha256(previous.encode() + b"\n" + fingerprint).hexdigest()


@dataclass(frozen=True)
class Digest:
    """The head of a chain at a position: `link@position`, or `content:link@N` for the
    content chain over the first N records."""

    link: str
    position: int
    content: bool = False

    def __str__(self) -> str:
        return f"{CONTENT_PREFIX if self.content else ''}{self.link}@{self.position}"

    @classmethod
    def parse(cls, text: str) -> Digest:
        content = text.startswith(CONTENT_PREFIX)
        link, _, position = text.removeprefix(CONTENT_PREFIX).partition("@")
        if (
            len(link) != 64
            or not position.isdigit()
            or int(position) < 1
            or any(c not in "0123456789abcdef" for c in link)
        ):
            raise ValueError(f"{text!r} is not a digest HASH@POSITION or content:HASH@N (N from 1)")
        return cls(link, int(position), content)


class ChainBroken(RegimesError):
    """The stored events no longer match the chain kept when they were appended."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"the log was altered at position {position}: {reason}")
        self.position = position


class HistoriesPart(RegimesError):
    """The log is intact but does not extend a digest taken of another history (another
    copy, or records other than these): where they part cannot be told from a digest alone,
    only that it is at or before the digest's position."""

    def __init__(self, digest: Digest, reason: str) -> None:
        super().__init__(f"this log does not extend digest {digest}: {reason}")
        self.digest = digest


@runtime_checkable
class Chained(Protocol):
    """What a chained recorder offers besides the library's application recorder."""

    def chain_links(self, start: int, limit: int) -> list[tuple[int, str]]: ...

    def chain_link(self, position: int) -> str | None: ...

    def chain_head(self) -> Digest | None: ...

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]: ...

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...

    def events_by_originator(
        self, stop: int, lower: UUID | None = None, upper: UUID | None = None, page: int = 5000
    ) -> Iterator[Notification]: ...


def _links(
    previous: str, ids: Sequence[int], stored: Sequence[StoredEvent]
) -> list[tuple[int, str]]:
    links = []
    for position, event in zip(ids, stored, strict=True):
        previous = next_link(previous, position, event)
        links.append((position, previous))
    return links


class SQLiteChainedRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, adding the chain in the same transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS log_chain (position INTEGER PRIMARY KEY, "
            "link TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS regimes_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            f"INSERT INTO regimes_meta VALUES ('schema', '{STORE_SCHEMA}') "
            "ON CONFLICT (key) DO NOTHING",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if len(stored_events) < _BULK:
            return self._insert_chained(c, stored_events, **kwargs)
        # Each event lands at a random place of the (originator, version) index; with the
        # default page cache (2 MB) a large insert keeps spilling and re-reading its pages.
        c.execute("PRAGMA cache_size")
        row = c.fetchone()
        c.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
        try:
            return self._insert_chained(c, stored_events, **kwargs)
        finally:
            c.execute(f"PRAGMA cache_size = {int(row[0])}")

    def _insert_chained(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        c.execute("SELECT link FROM log_chain ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        c.executemany(
            "INSERT INTO log_chain VALUES (?, ?)",
            _links(row["link"] if row else GENESIS, ids, stored_events),
        )
        return ids

    def chain_links(self, start: int, limit: int) -> list[tuple[int, str]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT position, link FROM log_chain WHERE position >= ? "
                "ORDER BY position LIMIT ?",
                (start, limit),
            )
            return [(row["position"], row["link"]) for row in c.fetchall()]

    def chain_link(self, position: int) -> str | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT link FROM log_chain WHERE position = ?", (position,))
            row = c.fetchone()
            return str(row["link"]) if row else None

    def chain_head(self) -> Digest | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, link FROM log_chain ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            return Digest(row["link"], row["position"]) if row else None

    def events_by_originator(
        self, stop: int, lower: UUID | None = None, upper: UUID | None = None, page: int = 5000
    ) -> Iterator[Notification]:
        """The events up to position `stop`, each aggregate's together in version order
        (read through the primary key, a page per transaction); with `lower` and `upper`,
        only the aggregates whose ids are in [lower, upper)."""
        statement = (
            f"SELECT rowid, * FROM {self.events_table_name} WHERE "
            "(originator_id, originator_version) > (?, ?) AND rowid <= ? "
            f"{'AND originator_id < ? ' if upper else ''}"
            "ORDER BY originator_id, originator_version LIMIT ?"
        )
        after: tuple[str, int] = (lower.hex if lower else "", 0)
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(statement, (*after, stop, *([upper.hex] if upper else []), page))
                rows = c.fetchall()
            for row in rows:
                yield Notification(
                    id=row["rowid"],
                    originator_id=UUID(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
            if len(rows) < page:
                return
            after = (rows[-1]["originator_id"], rows[-1]["originator_version"])

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates have events already: one query per 500 ids."""
        found: set[UUID] = set()
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), 500):
                chunk = [key.hex for key in ids[start : start + 500]]
                c.execute(
                    f"SELECT originator_id FROM {self.events_table_name} WHERE "
                    f"originator_version = 1 AND originator_id IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                )
                found.update(UUID(row["originator_id"]) for row in c.fetchall())
        return found


class POPOChainedRecorder(POPOApplicationRecorder):
    """The in-memory recorder with the chain kept in memory."""

    def __init__(self) -> None:
        super().__init__()
        self._chain: dict[int, str] = {}
        self._head = GENESIS

    def _insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self._database_lock:
            ids = super()._insert_events(stored_events, **kwargs)
            assert ids is not None
            for position, link in _links(self._head, ids, stored_events):
                self._chain[position] = self._head = link
            return ids

    def chain_links(self, start: int, limit: int) -> list[tuple[int, str]]:
        return sorted((p, link) for p, link in self._chain.items() if p >= start)[:limit]

    def chain_link(self, position: int) -> str | None:
        return self._chain.get(position)

    def chain_head(self) -> Digest | None:
        if not self._chain:
            return None
        position = max(self._chain)
        return Digest(self._chain[position], position)

    def events_by_originator(
        self, stop: int, lower: UUID | None = None, upper: UUID | None = None, page: int = 5000
    ) -> Iterator[Notification]:
        with self._database_lock:
            events = [
                (UUID(str(event.originator_id)), event.originator_version, event)
                for event in self.select_notifications(1, stop, stop)
            ]
        for key, _, event in sorted(events, key=lambda keyed: keyed[:2]):
            if (lower is None or key >= lower) and (upper is None or key < upper):
                yield event

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]:
        with self._database_lock:
            return {key for key in ids if self._stored_events_index.get(str(key))}


class POPOChainedFactory(POPOFactory):
    """In-memory infrastructure whose application recorder keeps the chain."""

    def application_recorder(self) -> ApplicationRecorder:
        return POPOChainedRecorder()


def verify_chain(
    recorder: Chained, digest: Digest | None = None, page: int = 1000
) -> Digest | None:
    """Recomputes the chain from the stored events; raises `ChainBroken` at the first fault.

    With `digest`, the log must still extend it: its link at that position must match.
    Returns the head it verified.
    """
    previous, head = GENESIS, None
    for position, event, kept in _aligned(recorder, page):
        if event is None:
            raise ChainBroken(position, "a stored event is missing (deleted?)")
        if kept is None:
            raise ChainBroken(position, "a stored event the chain never recorded (inserted?)")
        previous = next_link(previous, position, event)
        if previous != kept:
            raise ChainBroken(
                position, "the stored event differs from what was appended (edited or reordered?)"
            )
        head = Digest(previous, position)
    if digest is not None:
        if head is None or head.position < digest.position:
            held = head.position if head else 0
            raise HistoriesPart(digest, f"this log ends at position {held}, before it")
        if recorder.chain_link(digest.position) != digest.link:
            raise HistoriesPart(
                digest,
                _PARTED.format(at=f"position {digest.position}")
                + "; copies loaded at different times always differ here "
                "(record times), so compare 'regimes digest --content'",
            )
    return head


#: Why an intact log does not extend a digest: another history, parted somewhere up to `at`.
_PARTED = (
    "the two histories part at or before {at} (this log's own chain is intact; "
    "compare both logs with 'regimes log' from position 1)"
)


def verify_content(fingerprints: Iterator[bytes], digest: Digest) -> None:
    """Requires the records' content chain to reach `digest` after its first N records."""
    link, count = GENESIS, 0
    for fingerprint in fingerprints:
        link, count = content_link(link, fingerprint), count + 1
        if count == digest.position:
            if link != digest.link:
                raise HistoriesPart(digest, _PARTED.format(at=f"record {count}"))
            return
    raise HistoriesPart(digest, f"this log holds {count} records, fewer than {digest.position}")


def _aligned(recorder: Chained, page: int) -> Iterator[tuple[int, StoredEvent | None, str | None]]:
    """Stored events and kept links side by side, by position (a merge of two sorted runs)."""
    events, links = _stored(recorder, page), _kept(recorder, page)
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        positions = [event.id if event is not None else None, link[0] if link else None]
        position = min(p for p in positions if p is not None)
        here_event = event if event is not None and event.id == position else None
        here_link = link[1] if link is not None and link[0] == position else None
        yield position, here_event, here_link
        if here_event is not None:
            event = next(events, None)
        if here_link is not None:
            link = next(links, None)


def _stored(recorder: Chained, page: int) -> Iterator[Notification]:
    start = 1
    while batch := recorder.select_notifications(start=start, limit=page):
        yield from batch
        start = batch[-1].id + 1


def _kept(recorder: Chained, page: int) -> Iterator[tuple[int, str]]:
    start = 1
    while batch := recorder.chain_links(start, page):
        yield from batch
        start = batch[-1][0] + 1

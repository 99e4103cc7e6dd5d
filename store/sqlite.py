"""The chained recorder on SQLite: the library's recorder, the chain in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from store.chain import GENESIS, Digest, chain_links_for
from store.failures import full_disk_told
from store.locations import STORE_SCHEMA

_BULK = 10_000
_BULK_CACHE_KIB = 256 * 1024


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

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with full_disk_told():
            return super().insert_events(stored_events, **kwargs)

    def insert_event_chunks(
        self, chunks: Iterable[Sequence[StoredEvent]], expected: int
    ) -> tuple[int, int]:
        """Writes the events of every chunk and their chain links in one transaction,
        taking each chunk once the one before is written (a chunk that cannot be taken
        rolls everything back); returns the first and last positions written."""
        first = last = 0
        with (
            full_disk_told(),
            self.datastore.transaction(commit=True) as c,
            self._bulk(c, expected),
        ):
            link: str | None = None
            for chunk in chunks:
                if chunk:
                    ids, link = self._insert_chained(c, chunk, link)
                    first, last = first or ids[0], ids[-1]
        return first, last

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self._bulk(c, len(stored_events)):
            return self._insert_chained(c, stored_events, None, **kwargs)[0]

    @contextmanager
    def _bulk(self, c: SQLiteCursor, count: int) -> Iterator[None]:
        """A transaction of `count` events, with a larger page cache from `_BULK`."""
        if count < _BULK:
            yield
            return
        # Each event lands at a random place of the (originator, version) index; with the
        # default page cache (2 MB) a large insert keeps spilling and re-reading its pages.
        c.execute("PRAGMA cache_size")
        row = c.fetchone()
        c.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
        try:
            yield
        finally:
            c.execute(f"PRAGMA cache_size = {int(row[0])}")

    def _last_link(self, c: SQLiteCursor) -> str:
        c.execute("SELECT link FROM log_chain ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        return str(row["link"]) if row else GENESIS

    def _insert_chained(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        link: str | None,
        **kwargs: Any,
    ) -> tuple[Sequence[int], str]:
        """Inserts the events and their links after `link` (None: the log's last); their
        positions and last link."""
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        # Read only once the insert holds the write lock: a read first would pin a snapshot
        # that another writer's commit makes stale, and the insert would then fail at once
        # (SQLITE_BUSY_SNAPSHOT) instead of waiting for the lock.
        if link is None:
            link = self._last_link(c)
        links = chain_links_for(link, ids, stored_events)
        c.executemany("INSERT INTO log_chain VALUES (?, ?)", links)
        return ids, links[-1][1] if links else link

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

    def chain_link_by(self, position: int) -> Digest | None:
        """The link of the last record at or before `position` (a log has gaps)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT position, link FROM log_chain WHERE position <= ? "
                "ORDER BY position DESC LIMIT 1",
                (position,),
            )
            row = c.fetchone()
            return Digest(row["link"], row["position"]) if row else None

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
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE "
            "(originator_id, originator_version) > (?, ?) AND rowid <= ? "
            f"{'AND originator_id < ? ' if upper else ''}"
            "ORDER BY originator_id, originator_version LIMIT ?"
        )
        after: tuple[str, int] = (lower.hex if lower else "", 0)
        # An aggregate's events come together: its id is made once for all of them.
        hex_id, originator_id = "", UUID(int=0)
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.sqlite_cursor.row_factory = None  # plain tuples: read by place, in bulk
                c.execute(statement, (*after, stop, *([upper.hex] if upper else []), page))
                rows = c.fetchall()
            for position, hex_or_same, version, topic, state in rows:
                if hex_or_same != hex_id:
                    hex_id = hex_or_same
                    originator_id = UUID(hex_id)
                yield Notification(
                    id=position,
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=state,
                )
            if len(rows) < page:
                return
            after = (rows[-1][1], rows[-1][2])

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

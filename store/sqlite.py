"""The chained recorder on SQLite: the library's recorder, the chain in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
            chain_links_for(row["link"] if row else GENESIS, ids, stored_events),
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

"""The chained recorder on PostgreSQL (imported only for PostgreSQL stores)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from store.chain import GENESIS, Digest, chain_links_for
from store.failures import full_disk_told
from store.locations import STORE_SCHEMA

#: How long an append's transaction may wait between two chunks while the next is checked.
_CHECKING_SECONDS = 120


def _open_pool(datastore: PostgresDatastore) -> None:
    """Opens the store's connection pool and waits for its first connection.

    The library opens the pool without waiting: the first statement then finds no connection
    ready while the pool's worker is still making it, and the pool grows by a second one
    (a server process, a handshake and a setting more for every command).
    """
    try:
        datastore.pool.open(wait=True, timeout=datastore.pool.timeout)
    except psycopg.OperationalError as error:  # the pool's timeout is one
        datastore.pool.close()  # else its workers would go on trying to connect
        raise OperationalError(str(error)) from error


class PostgresChainedRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, adding the chain in the same transaction.

    Inserts are already serialised by the library's EXCLUSIVE lock on the events table, so
    reading the last link and writing the next ones cannot interleave with another writer.
    Its reads of one statement run, as the library's `max_notification_id` does, on a pooled
    connection without a transaction around them (the pool's connections commit each
    statement): one round trip instead of three.
    """

    #: Events per INSERT statement of an append (about 0.3 MB of payload for typical records).
    CHUNK = 1000

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        _open_pool(datastore)
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        chain = Identifier(f"{self.events_table_name}_chain")
        self.chain_table = SQL("{}.{}").format(schema, chain)
        self.meta_table = SQL("{}.{}").format(schema, Identifier("regimes_meta"))
        self.sql_create_statements.extend(
            [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} "
                    "(position BIGINT PRIMARY KEY, link TEXT NOT NULL)"
                ).format(self.chain_table),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                ).format(self.meta_table),
                SQL("INSERT INTO {} VALUES ('schema', '{}') ON CONFLICT (key) DO NOTHING").format(
                    self.meta_table, SQL(str(STORE_SCHEMA))
                ),
            ]
        )
        self.insert_links_statement = SQL(
            "INSERT INTO {} SELECT * FROM unnest(%s::bigint[], %s::text[])"
        ).format(self.chain_table)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Writes the events and their chain links in one transaction, `CHUNK` events per
        statement, and returns their positions in order.

        This replaces the library's insert, which sends the whole batch as one parameter in
        psycopg's pipeline mode: past about 16k events the client and the server each wait
        for the other (psycopg's pipeline deadlock with large payloads) and the append never
        returns. Here each statement is sent and its result read before the next, so the
        payload in flight stays bounded, and everything still commits or rolls back together.
        The library's EXCLUSIVE lock on the events table is taken first, as it does it, so
        positions are handed out in commit order; readers (ACCESS SHARE) are not blocked by
        it. Nothing is retried here: a failed append is reported by the application, which
        knows whether trying again makes sense.
        """
        if not stored_events:
            return []
        positions: list[int] = []
        with self._writing() as (curs, write):
            self._insert_events(curs, stored_events, **kwargs)
            write(stored_events, positions)
        return positions

    def insert_event_chunks(
        self, chunks: Iterable[Sequence[StoredEvent]], expected: int
    ) -> tuple[int, int]:
        """Writes the events of every chunk and their chain links in one transaction, as
        `insert_events` does, taking each chunk once the one before is written (a chunk that
        cannot be taken rolls everything back); returns the first and last positions.

        Between chunks the transaction waits while the application checks the next one, so
        the session's idle-in-transaction timeout (the library's 5 s) is raised for it."""
        positions: list[int] = []
        with self._writing() as (_, write):
            for chunk in chunks:
                write(chunk, positions)
                del positions[1:-1]
        return positions[0], positions[-1]

    @contextmanager
    def _writing(
        self,
    ) -> Iterator[tuple[Cursor[DictRow], Callable[[Sequence[StoredEvent], list[int]], None]]]:
        """A transaction holding the events table's lock: its cursor, and how to write
        events in it (their positions added to a list), `CHUNK` events per statement."""
        with (
            full_disk_told(),
            self.datastore.get_connection() as connection,
            connection.transaction(),
            connection.cursor() as curs,
        ):
            self._lock_table(curs)
            self._notify_channel(curs)
            curs.execute(
                SQL("SET LOCAL idle_in_transaction_session_timeout = '{}s'").format(
                    SQL(str(_CHECKING_SECONDS))
                )
            )
            curs.execute(
                SQL("SELECT link FROM {} ORDER BY position DESC LIMIT 1").format(self.chain_table)
            )
            row = curs.fetchone()
            link = row["link"] if row else GENESIS

            def write(stored_events: Sequence[StoredEvent], positions: list[int]) -> None:
                nonlocal link
                for start in range(0, len(stored_events), self.CHUNK):
                    chunk = stored_events[start : start + self.CHUNK]
                    curs.execute(
                        self.insert_events_statement,
                        (
                            [
                                self.construct_pg_stored_event(
                                    event.originator_id,
                                    event.originator_version,
                                    event.topic,
                                    event.state,
                                )
                                for event in chunk
                            ],
                        ),
                    )
                    ids = [row["notification_id"] for row in curs.fetchall()]
                    links = chain_links_for(link, ids, chunk)
                    curs.execute(
                        self.insert_links_statement,
                        ([position for position, _ in links], [text for _, text in links]),
                    )
                    link = links[-1][1]
                    positions.extend(ids)

            yield curs, write

    def chain_links(self, start: int, limit: int) -> list[tuple[int, str]]:
        with self.datastore.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT position, link FROM {} WHERE position >= %s ORDER BY position LIMIT %s"
                ).format(self.chain_table),
                (start, limit),
            )
            return [(row["position"], row["link"]) for row in curs.fetchall()]

    def chain_link(self, position: int) -> str | None:
        with self.datastore.cursor() as curs:
            curs.execute(
                SQL("SELECT link FROM {} WHERE position = %s").format(self.chain_table), (position,)
            )
            row = curs.fetchone()
            return str(row["link"]) if row else None

    def chain_link_by(self, position: int) -> Digest | None:
        """The link of the last record at or before `position` (a log has gaps)."""
        with self.datastore.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT position, link FROM {} WHERE position <= %s "
                    "ORDER BY position DESC LIMIT 1"
                ).format(self.chain_table),
                (position,),
            )
            row = curs.fetchone()
            return Digest(row["link"], row["position"]) if row else None

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates have events already, in one query."""
        with self.datastore.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT originator_id FROM {}.{} WHERE originator_version = 1 "
                    "AND originator_id = ANY(%s)"
                ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name)),
                (list(ids),),
            )
            return {row["originator_id"] for row in curs.fetchall()}

    def events_by_originator(
        self, stop: int, lower: UUID | None = None, upper: UUID | None = None, page: int = 5000
    ) -> Iterator[Notification]:
        """The events up to position `stop`, each aggregate's together in version order
        (read through the primary key, a page per transaction); with `lower` and `upper`,
        only the aggregates whose ids are in [lower, upper)."""
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {}.{} WHERE (originator_id, originator_version) > (%s, %s) "
            "AND notification_id <= %s "
            + ("AND originator_id < %s " if upper else "")
            + "ORDER BY originator_id, originator_version LIMIT %s"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        after: tuple[UUID, int] = (lower or UUID(int=0), 0)
        while True:
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(statement, (*after, stop, *([upper] if upper else []), page))
                rows = curs.fetchall()
            for row in rows:
                yield Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
            if len(rows) < page:
                return
            after = (rows[-1]["originator_id"], rows[-1]["originator_version"])

    def chain_head(self) -> Digest | None:
        with self.datastore.cursor() as curs:
            curs.execute(
                SQL("SELECT position, link FROM {} ORDER BY position DESC LIMIT 1").format(
                    self.chain_table
                )
            )
            row = curs.fetchone()
            return Digest(row["link"], row["position"]) if row else None

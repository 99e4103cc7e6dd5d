"""The view on each kind of store: SQLite (the store's own file), PostgreSQL, in memory."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteTrackingRecorder,
)

from projections.tables import LoggedPosition, tracking_name
from projections.view import BitemporalView

if TYPE_CHECKING:
    from domain.application import Regimes


class _RelaxedPool(SQLiteConnectionPool):
    """Connections that commit without waiting for the disk (`synchronous=NORMAL`), and
    sort on every core.

    Relaxed commits are fine for the view alone: it is derived from the log, and its rows
    and tracking commit together, so a commit lost to a power cut is simply applied again by
    the next catch-up. The log's own connections keep the library's full synchronous
    commits. Sorting threads halve the index builds after a replay's load (8.1 s -> 4.0 s
    for one index of 10M rows on 2 cores).
    """

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        cursor = connection.cursor()  # pragmas outside any transaction
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA threads={min(os.cpu_count() or 1, 8)}")
        return connection


def sqlite_view(db_name: str, lock_timeout: int | None) -> SQLiteRegimeView:
    """The view of the SQLite store `db_name`, on its own relaxed connections."""
    datastore = SQLiteDatastore(db_name, lock_timeout=lock_timeout)
    datastore.pool = _RelaxedPool(db_name=db_name, lock_timeout=lock_timeout)
    view = SQLiteRegimeView(datastore)
    view.create_table()
    return view


class SQLiteRegimeView(BitemporalView, SQLiteTrackingRecorder):
    """The view in the store's own SQLite file."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.view_statements()]

    @property
    def db_name(self) -> str:
        return str(self.datastore.pool.db_name)

    @property
    def in_memory(self) -> bool:
        return bool(self.datastore.pool.is_sqlite_memory_mode)

    def copy_in(self, generation: str, files: Sequence[Path]) -> None:
        """Copies the tables of scratch files (loaded with `ViewSQL.create_for_loading`) into
        a generation being loaded, one transaction per file. Shards hold disjoint measures and
        log positions, so nothing copied is already there."""
        sql = self.sql(generation)
        timeout = self.datastore.pool.lock_timeout or 5
        # ATTACH cannot run inside the pool's transactions: a connection of its own.
        connection = sqlite3.connect(self.db_name, isolation_level=None, timeout=timeout)
        try:
            for path in files:
                connection.execute("ATTACH DATABASE ? AS scratch", (str(path),))
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(f"INSERT INTO {sql.rows} SELECT * FROM scratch.{sql.rows}")
                connection.execute(f"INSERT INTO {sql.states} SELECT * FROM scratch.{sql.states}")
                connection.execute(f"INSERT INTO {sql.log} SELECT * FROM scratch.{sql.log}")
                connection.execute("COMMIT")
                connection.execute("DETACH DATABASE scratch")
        finally:
            connection.close()


def postgres_view_class() -> Any:
    """The view on PostgreSQL (imported only when a PostgreSQL store is used)."""
    from eventsourcing.postgres import PostgresTrackingRecorder
    from psycopg.sql import SQL, Identifier

    class PostgresRegimeView(BitemporalView, PostgresTrackingRecorder):
        """The view in the store's own PostgreSQL schema, beside the event table.

        Opening it runs no DDL when its tables are there (catalog reads tell): `CREATE ...
        IF NOT EXISTS` takes locks that another process's catch-up or replay may hold, and
        a query must not wait for them.
        """

        param = "%s"

        def __init__(self, datastore: Any, **kwargs: Any) -> None:
            super().__init__(datastore, **kwargs)
            self.sql_create_statements.extend(SQL(s).format() for s in self.view_statements())

        def qualify(self, name: str) -> str:
            return f"{Identifier(self.datastore.schema).as_string()}.{name}"

        @property
        def tracking_table(self) -> str:
            return self.qualify(self.tracking_table_name)

        def load(
            self,
            generation: str,
            rows: Sequence[tuple[Any, ...]],
            states: dict[str, bytes],
            positions: Sequence[LoggedPosition],
            last_position: int | None = None,
        ) -> None:
            """As `BitemporalView.load`, through COPY: a generation being loaded has no keys
            to check, and one INSERT per row (psycopg's executemany) took most of a replay
            (28 s of 43 s after a 30k append)."""
            sql = self.sql(generation)
            summaries = [(key, summary.decode()) for key, summary in states.items()]
            with self.transaction(commit=True) as c:
                for table, records in (
                    (sql.states, summaries),
                    (sql.rows, rows),
                    (sql.log, positions),
                ):
                    if records:
                        with c.copy(f"COPY {table} FROM STDIN") as copy:
                            for record in records:
                                copy.write_row(record)
                if last_position:
                    self._insert_tracking(c, Tracking(tracking_name(generation), last_position))

        def create_table(self) -> None:
            if not self._missing([self.tracking_table_name, "view_meta"]):
                return
            super().create_table()

        def prepare_live_generation(self) -> None:
            live = self.live_generation()
            sql = self.sql(live)
            tables = [
                f"{prefix}_{live}" for prefix in ("regime_rows", "measure_states", "log_positions")
            ]
            if not self._missing(tables, indexes=len(sql.indexes())):
                return
            super().prepare_live_generation()

        def _missing(self, tables: list[str], indexes: int = 0) -> bool:
            """Whether any of these tables, or fewer than `indexes` indexes on them, are
            missing from the store's schema (catalog reads only)."""
            with self.transaction(commit=False) as c:
                c.execute(
                    "SELECT count(*) AS n FROM pg_catalog.pg_tables "
                    "WHERE schemaname = %s AND tablename = ANY(%s)",
                    (self.datastore.schema, tables),
                )
                if c.fetchone()["n"] < len(tables):
                    return True
                c.execute(
                    "SELECT count(*) AS n FROM pg_catalog.pg_indexes "
                    "WHERE schemaname = %s AND tablename = ANY(%s)",
                    (self.datastore.schema, tables),
                )
                return bool(c.fetchone()["n"] < indexes)

    return PostgresRegimeView


def open_view(app: Regimes) -> BitemporalView:
    """The view of the application's store, created if need be."""
    factory = app.factory
    if isinstance(factory, SQLiteFactory) and not factory.datastore.pool.is_sqlite_memory_mode:
        pool = factory.datastore.pool
        return sqlite_view(pool.db_name, pool.lock_timeout)
    if type(factory).__module__ == "eventsourcing.postgres":
        view: BitemporalView = factory.tracking_recorder(postgres_view_class())  # type: ignore[assignment]
        # The library created the view's tables only if the log's were not all there when
        # the store was opened (`Store.opening`); without DDL if they are there already.
        view.create_table()  # type: ignore[attr-defined]
        return view
    # In-memory stores keep their view in a private in-memory SQLite database.
    view = SQLiteRegimeView(SQLiteDatastore(f"file:view-{id(app)}?mode=memory&cache=shared"))
    view.create_table()
    return view

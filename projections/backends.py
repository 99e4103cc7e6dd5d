"""The view on each kind of store: SQLite (the store's own file), PostgreSQL, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteTrackingRecorder,
)

from projections.view import BitemporalView

if TYPE_CHECKING:
    from domain.application import Regimes


class _RelaxedPool(SQLiteConnectionPool):
    """Connections that commit without waiting for the disk (`synchronous=NORMAL`).

    Fine for the view alone: it is derived from the log, and its rows and tracking commit
    together, so a commit lost to a power cut is simply applied again by the next catch-up.
    The log's own connections keep the library's full synchronous commits.
    """

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection.cursor().execute("PRAGMA synchronous=NORMAL")  # outside any transaction
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


def postgres_view_class() -> Any:
    """The view on PostgreSQL (imported only when a PostgreSQL store is used)."""
    from eventsourcing.postgres import PostgresTrackingRecorder
    from psycopg.sql import SQL

    class PostgresRegimeView(BitemporalView, PostgresTrackingRecorder):
        """The view in the store's own PostgreSQL schema, beside the event table."""

        param = "%s"

        def __init__(self, datastore: Any, **kwargs: Any) -> None:
            super().__init__(datastore, **kwargs)
            self.sql_create_statements.extend(SQL(s).format() for s in self.view_statements())

        def qualify(self, name: str) -> str:
            return f'"{self.datastore.schema}".{name}'

        @property
        def tracking_table(self) -> str:
            return self.qualify(self.tracking_table_name)

    return PostgresRegimeView


def open_view(app: Regimes) -> BitemporalView:
    """The view of the application's store, created if need be."""
    factory = app.factory
    if isinstance(factory, SQLiteFactory) and not factory.datastore.pool.is_sqlite_memory_mode:
        pool = factory.datastore.pool
        return sqlite_view(pool.db_name, pool.lock_timeout)
    if type(factory).__module__ == "eventsourcing.postgres":
        view: BitemporalView = factory.tracking_recorder(postgres_view_class())  # type: ignore[assignment]
        return view
    # In-memory stores keep their view in a private in-memory SQLite database.
    view = SQLiteRegimeView(SQLiteDatastore(f"file:view-{id(app)}?mode=memory&cache=shared"))
    view.create_table()
    return view

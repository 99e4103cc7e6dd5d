"""The view in a PostgreSQL store's schema, beside its event table (imported only for
PostgreSQL stores: it needs psycopg)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresDatastore, PostgresFactory, PostgresTrackingRecorder
from psycopg import Connection, Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from projections.backends import ViewStore


class PostgresViewStore(ViewStore):
    """The view's tables in the store's schema, on the application's connection pool, with
    the library's tracking table of the application (`regimes_tracking`).

    Opening the view runs no DDL when its tables are there (`lacks` reads the catalogs):
    `CREATE ... IF NOT EXISTS` takes locks that another process's catch-up or replay may
    hold, and a query must not wait for them.
    """

    placeholder = "%s"
    row_lock = " FOR SHARE"
    loads_concurrently = True

    def __init__(self, recorder: PostgresTrackingRecorder) -> None:
        super().__init__(recorder, recorder.tracking_table_name)
        self.datastore: PostgresDatastore = recorder.datastore
        self.schema = self.datastore.schema

    @classmethod
    def of(cls, factory: InfrastructureFactory[Any]) -> PostgresViewStore:
        """The view store of the application whose infrastructure `factory` built."""
        if not isinstance(factory, PostgresFactory):
            raise TypeError(f"no view for a store made by {type(factory).__name__}")
        return cls(factory.tracking_recorder(PostgresTrackingRecorder))

    def transaction(self, *, commit: bool) -> AbstractContextManager[Cursor[DictRow]]:
        """A transaction for writes; reads run on a pooled connection as they are, each
        statement in a transaction of its own (the pool's connections commit each
        statement): at the isolation level the store uses, read committed, a transaction
        gives a read nothing more, and it costs two round trips (`BEGIN`, `ROLLBACK`) for
        each of a question's few statements."""
        if commit:
            return self.datastore.transaction(commit=True)
        return self.datastore.cursor()

    def connection(self) -> AbstractContextManager[Connection[DictRow]]:
        """A connection of the pool, outside any transaction (for session locks)."""
        return self.datastore.get_connection()

    def table(self, name: str) -> str:
        return SQL("{}.{}").format(Identifier(self.schema), Identifier(name)).as_string()

    def lacks(self, tables: Sequence[str], indexes: int = 0) -> bool:
        with self.transaction(commit=False) as c:
            c.execute(
                "SELECT (SELECT count(*) FROM pg_catalog.pg_tables "
                "WHERE schemaname = %(schema)s AND tablename = ANY(%(tables)s)) AS tables, "
                "(SELECT count(*) FROM pg_catalog.pg_indexes "
                "WHERE schemaname = %(schema)s AND tablename = ANY(%(tables)s)) AS indexes",
                {"schema": self.schema, "tables": list(tables)},
            )
            row = c.fetchone()
            return row is None or row["tables"] < len(tables) or row["indexes"] < indexes

    def bulk_insert(self, cursor: Any, table: str, records: Sequence[Sequence[Any]]) -> None:
        """Through COPY: one INSERT per row (psycopg's executemany) took most of a replay
        (28 s of 43 s after a 30k append)."""
        if records:
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)

    def analyze(self, tables: Sequence[str]) -> None:
        """`ANALYZE`, which the server's autovacuum would do only later, or never where it
        is off (as on this project's own test server). A view loaded without statistics is
        planned as if its tables were empty: on a 10k store, the rows statement then
        started from every segment standing on the day asked (1,078 of them, 9.8 ms)
        instead of the asked flows' scopes (0.36 ms)."""
        with self.transaction(commit=True) as c:
            c.execute(f"ANALYZE {', '.join(tables)}")

    def close(self) -> None:
        """Nothing of its own: the connection pool is the application's, closed with it."""

"""Where the view's tables live: a store's SQLite file, its PostgreSQL schema, or memory.

Each kind of store is a `ViewStore`: it opens the view's transactions, names its tables, marks
statement parameters, and holds the library's tracking recorder, which keeps the last log
position each generation of the view applied in the library's tracking table.
"""

from __future__ import annotations

import os
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from weakref import WeakSet

from eventsourcing.persistence import Tracking
from eventsourcing.popo import POPOFactory
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteTrackingRecorder,
)

from projections.tables import ViewSQL
from store.locations import tables_complete

#: SQLite's `auto_vacuum` setting whose free pages `PRAGMA incremental_vacuum` returns.
INCREMENTAL = 2
#: Pages (4 KiB each) one step of `SQLiteViewStore.reclaim` returns.
RECLAIM_PAGES = 2048

if TYPE_CHECKING:
    from domain.application import Regimes
    from projections.view import BitemporalView


class TrackingRecorder(Protocol):
    """What a view store uses of the library's SQLite and PostgreSQL tracking recorders."""

    def create_table(self) -> None: ...

    def max_tracking_id(self, application_name: str) -> int | None: ...

    def _insert_tracking(self, cursor: Any, tracking: Tracking, /) -> None: ...


class ViewStore(ABC):
    """The view's tables in one store, beside the library's tracking recorder (held, used
    through its public methods but for `track`)."""

    #: How statements mark their parameters.
    placeholder: ClassVar[str]
    #: What a `SELECT` adds to hold the rows it read against other writers until its
    #: transaction ends ("" where a transaction's first write locks the whole store).
    row_lock: ClassVar[str]

    #: Whether a replay's helper processes load their shards into the fresh generation's
    #: tables themselves (the server takes several loads into one table at once), rather
    #: than into scratch files that the replay copies in.
    loads_concurrently: ClassVar[bool] = False

    def __init__(self, recorder: TrackingRecorder, tracking_table_name: str) -> None:
        self.recorder = recorder
        #: The library's tracking table, unqualified.
        self.tracking_table_name = tracking_table_name

    @abstractmethod
    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        """A transaction on the view's tables; its cursor's rows are read by column name."""

    @abstractmethod
    def table(self, name: str) -> str:
        """The name of one of the view's tables as statements give it."""

    @abstractmethod
    def lacks(self, tables: Sequence[str], indexes: int = 0) -> bool:
        """Whether any of these tables (unqualified), or fewer than `indexes` indexes on
        them, are missing (catalog reads only: no DDL, no lock)."""

    @abstractmethod
    def bulk_insert(self, cursor: Any, table: str, records: Sequence[Sequence[Any]]) -> None:
        """Adds records to a table, in the store's quickest way: a generation being loaded,
        or rows that no key of their table can refuse."""

    @abstractmethod
    def analyze(self, tables: Sequence[str]) -> None:
        """Brings the planner's statistics of `tables` up to their rows, after a bulk load or
        a large catch-up."""

    @property
    def shardable(self) -> bool:
        """Whether other processes can open the store, to load a replay's shards."""
        return True

    @abstractmethod
    def close(self) -> None:
        """Closes what the view opened of the store."""

    def reclaim(self) -> int:
        """Returns the space of dropped tables to the file system, if the store keeps it;
        returns how many pages. PostgreSQL's `DROP TABLE` removes the tables' files itself."""
        return 0

    def compactable(self) -> bool:
        """Whether `compact` would let later replays return the space they free."""
        return False

    def compact(self) -> None:
        """Rewrites the store so that later replays return the space they free."""
        raise NotImplementedError("this store returns the space replays free already")

    @property
    def tracking_table(self) -> str:
        return self.table(self.tracking_table_name)

    def sql(self, generation: str) -> ViewSQL:
        """The statements of one generation of the view in this store."""
        return ViewSQL(generation, self.table, self.placeholder)

    def create_tracking_table(self) -> None:
        self.recorder.create_table()

    def max_tracking_id(self, application_name: str) -> int | None:
        return self.recorder.max_tracking_id(application_name)

    def track(self, cursor: Any, tracking: Tracking) -> None:
        """Records `tracking` in the transaction of `cursor`, so that it commits or rolls back
        with the view's rows written there; raises the library's `IntegrityError` unless it
        is past the position already tracked under its name.

        This is the one place the view uses a private member of the library: the tracking
        recorders' `_insert_tracking(cursor, tracking)`, which the library documents as the
        way for a materialised view to write its tracking atomically with its own rows
        (eventsourcing's projection docs and tutorial part 4). Its public `insert_tracking`
        opens a transaction of its own, which would let the rows and the position part.
        """
        self.recorder._insert_tracking(cursor, tracking)


class SQLiteViewStore(ViewStore):
    """The view in a SQLite database: the store's own file, or a private one in memory.

    Its connections are its own (a datastore of its own on the same file), each set on first
    use (`tune`) to commit without waiting for the disk (`synchronous=NORMAL`) and to sort on
    every core. Relaxed commits are fine for the view alone: it is derived from the log, and
    its rows and tracking commit together, so a commit lost to a power cut is simply applied
    again by the next catch-up. The log's own connections keep the library's full
    synchronous commits. Sorting threads halve the index builds after a replay's load
    (8.1 s -> 4.0 s for one index of 10M rows on 2 cores).
    """

    placeholder = "?"
    row_lock = ""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        self.datastore = datastore
        super().__init__(SQLiteTrackingRecorder(datastore), "tracking")
        #: The connections `tune` has set up (the pool may replace one).
        self.tuned: WeakSet[SQLiteConnection] = WeakSet()

    @property
    def db_name(self) -> str:
        return str(self.datastore.pool.db_name)

    @property
    def in_memory(self) -> bool:
        return bool(self.datastore.pool.is_sqlite_memory_mode)

    @property
    def shardable(self) -> bool:
        return not self.in_memory

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        with self.datastore.get_connection(commit=commit) as connection:
            if connection not in self.tuned:
                self.tune(connection.cursor())  # outside any transaction, as pragmas need
                self.tuned.add(connection)
            with connection.transaction(commit=commit) as cursor:
                yield cursor

    def tune(self, cursor: SQLiteCursor) -> None:
        """Sets up one of the view's connections (see the class)."""
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA threads={min(os.cpu_count() or 1, 8)}")

    def table(self, name: str) -> str:
        return name

    def lacks(self, tables: Sequence[str], indexes: int = 0) -> bool:
        marks = ", ".join("?" * len(tables))
        with self.transaction(commit=False) as c:
            c.execute(
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' "
                f"AND name IN ({marks})",
                list(tables),
            )
            if c.fetchone()["n"] < len(tables):
                return True
            if not indexes:
                return False
            c.execute(
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' "
                f"AND tbl_name IN ({marks})",
                list(tables),
            )
            return bool(c.fetchone()["n"] < indexes)

    def bulk_insert(self, cursor: Any, table: str, records: Sequence[Sequence[Any]]) -> None:
        if records:
            marks = ", ".join("?" * len(records[0]))
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", records)

    def analyze(self, tables: Sequence[str]) -> None:
        """Nothing: the statements fix their plans here (SQLite joins in the order written,
        `ViewSQL.believed_rows`), and `tests/integration/test_query_plans.py` pins them."""

    def copy_in(self, sql: ViewSQL, files: Sequence[Path]) -> None:
        """Copies the tables of scratch files (loaded with `ViewSQL.create_for_loading`) into
        a generation being loaded, one transaction per file. Shards hold disjoint measures and
        log positions, so nothing copied is already there."""
        connection = self._own_connection()
        try:
            for path in files:
                connection.execute("ATTACH DATABASE ? AS scratch", (str(path),))
                connection.execute("BEGIN IMMEDIATE")
                for table in sql.tables:
                    connection.execute(f"INSERT INTO {table} SELECT * FROM scratch.{table}")
                connection.execute("COMMIT")
                connection.execute("DETACH DATABASE scratch")
        finally:
            connection.close()

    def _own_connection(self) -> sqlite3.Connection:
        """A connection of its own, outside the pool's transactions (as ATTACH, VACUUM and
        an incremental vacuum's many steps need)."""
        timeout = self.datastore.pool.lock_timeout or 5
        return sqlite3.connect(self.db_name, isolation_level=None, timeout=timeout)

    def reclaim(self) -> int:
        """Returns the pages of dropped tables (a generation a replay switched away from, or
        discarded) to the file system, on a file created with incremental auto-vacuum
        (`store.locations`); returns how many. A file made before that keeps them on its free
        list, for the next replay to reuse (`compact` converts it).

        The vacuum goes `RECLAIM_PAGES` at a time, each step its own short transaction, so
        that other writers wait for one step at most and the write-ahead log stays small;
        readers are not held up. The file shrinks at the next checkpoint (one is asked
        for here; a reader holding an older snapshot may defer it)."""
        if self.in_memory:
            return 0
        connection = self._own_connection()
        try:
            if connection.execute("PRAGMA auto_vacuum").fetchone()[0] != INCREMENTAL:
                return 0
            returned = 0
            free = connection.execute("PRAGMA freelist_count").fetchone()[0]
            while free:
                # executescript steps the pragma to its end; execute would run one step,
                # returning one page.
                connection.executescript(f"PRAGMA incremental_vacuum({RECLAIM_PAGES})")
                left = connection.execute("PRAGMA freelist_count").fetchone()[0]
                if left >= free:  # another writer freeing pages meanwhile: its turn next
                    break
                returned, free = returned + free - left, left
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            return returned
        finally:
            connection.close()

    def compactable(self) -> bool:
        """Whether the file was created without incremental auto-vacuum (before regimes set
        it), so that the pages replays free stay in it."""
        if self.in_memory:
            return False
        connection = self._own_connection()
        try:
            return bool(connection.execute("PRAGMA auto_vacuum").fetchone()[0] != INCREMENTAL)
        finally:
            connection.close()

    def compact(self) -> None:
        """Rewrites the whole file without its free pages, set to incremental auto-vacuum, so
        that later replays return what they free (`reclaim`). `VACUUM`: slow on a large
        file, and it needs free disk about the file's size; all or nothing."""
        connection = self._own_connection()
        try:
            connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()

    def close(self) -> None:
        self.datastore.close()


def view_store(app: Regimes) -> ViewStore:
    """Where the view of the application's store lives: the same SQLite file, the same
    PostgreSQL schema, or (for a store in memory) a private SQLite database in memory."""
    factory = app.factory
    if isinstance(factory, SQLiteFactory) and not factory.datastore.pool.is_sqlite_memory_mode:
        pool = factory.datastore.pool
        return SQLiteViewStore(SQLiteDatastore(pool.db_name, lock_timeout=pool.lock_timeout))
    if isinstance(factory, SQLiteFactory | POPOFactory):
        return SQLiteViewStore(SQLiteDatastore(f"file:view-{id(app)}?mode=memory&cache=shared"))
    from projections.postgres_view import PostgresViewStore  # the only other kind; needs psycopg

    return PostgresViewStore.of(factory)


def open_view(app: Regimes) -> BitemporalView:
    """The view of the application's store, its tables created if they are not there (a
    PostgreSQL store opened complete has them: no catalog read then)."""
    from projections.view import BitemporalView

    view = BitemporalView(view_store(app))
    if not tables_complete(app.env):
        view.create()
    return view

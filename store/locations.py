"""Where the log lives: a store URL (docs/stores.md §1-§3) becomes the eventsourcing environment."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from domain.errors import StoreBusy, StoreError, StoreUrlError
from store.urls import (
    check_store_name,
    conceal_password,
    parse_postgres_url,
    plain_path,
    sqlite_file,
    sqlite_url_path,
    url_scheme,
)

T = TypeVar("T")

#: How every store writes and reads events: pydantic models as orjson bytes (store.mapper).
MAPPER_ENV = {
    "TRANSCODER_TOPIC": "store.mapper:OrjsonTranscoder",
    "MAPPER_TOPIC": "store.mapper:PydanticMapper",
}

#: The version of the store's own tables; a store written by a newer regimes is refused.
STORE_SCHEMA = 1
#: In the environment of an application opened on a PostgreSQL store that had every table
#: already (`Store.opening`): its view's tables need no creating either (`Store.complete`).
COMPLETE = "REGIMES_STORE_COMPLETE"
#: SQLite writers wait this long (seconds) for the write lock before the store reports busy.
SQLITE_LOCK_TIMEOUT = 20


@dataclass(frozen=True)
class Store:
    """A parsed store location: what kind, the eventsourcing settings, and a printable name."""

    kind: str  # "sqlite", "postgresql" or "memory"
    env: dict[str, str] = field(repr=False)
    display: str
    path: Path | None = None
    is_default: bool = False
    #: A PostgreSQL store's catalog as `exists` just found it, every table there: the
    #: `opening` that follows needs no second read (a connection and two statements of
    #: every command). Taken once; any later opening reads the catalog again.
    _found: dict[str, _Catalog] = field(default_factory=dict, repr=False, compare=False)

    def exists(self) -> bool:
        """Whether the store holds a log: False for a SQLite file that is not there yet, and
        for a PostgreSQL schema without the log's table (a catalog read, no DDL)."""
        if self.kind == "postgresql":
            import psycopg

            with _postgres_connection(self) as connection:
                try:
                    catalog = _postgres_catalog(connection, self)
                except psycopg.Error as error:
                    raise StoreError(
                        f"cannot open store {self.display}: {_first_line(error)}"
                    ) from None
            if catalog.complete:
                self._found["catalog"] = catalog
            return _EVENTS_TABLE in catalog.tables
        # an empty file, or a SQLite database without the log, is no store to ask (asking
        # would make it one): not a file that is merely there
        return self.path is None or _SQLITE_EVENTS in _check_sqlite_store(self.path)[0]

    def complete(self, env: Mapping[str, str]) -> bool:
        """Whether the application opened with `env` (from `opening`) found every table of
        the store there: its view's tables then open without `opening` again
        (`tables_complete`)."""
        return self.kind == "postgresql" and tables_complete(env)

    @contextmanager
    def opening(self) -> Iterator[dict[str, str]]:
        """The eventsourcing environment to open the store with, after creating what the
        library does not (a SQLite file's folder, a PostgreSQL schema); keeps other processes
        from creating the same tables at the same time.

        An existing, current PostgreSQL store is opened without any DDL (`CREATE_TABLE` off):
        `CREATE INDEX IF NOT EXISTS` on the events table waits for a writer's lock, so every
        reader would wait for the whole of a long append.
        """
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tables, schema = _check_sqlite_store(self.path)
            complete = schema is not None and tables >= _SQLITE_LOG_TABLES
            _prepare_sqlite_file(self.path)
            # a store with its tables opens without the library's `CREATE TABLE IF NOT
            # EXISTS`, a write: it would fail at once while another process writes
            yield without_table_creation(self.env) if complete else self.env
            return
        if self.kind != "postgresql":
            yield self.env
            return
        with _postgres_ddl_lock(self, self._found.pop("catalog", None)) as env:
            yield env


#: The tables of the log on SQLite: the library's events, and the chain and meta data.
_SQLITE_EVENTS = "stored_events"
_SQLITE_LOG_TABLES = frozenset({_SQLITE_EVENTS, "log_chain", "regimes_meta"})


def _check_sqlite_store(path: Path) -> tuple[set[str], int | None]:
    """Refuses, in one line, a file that is not a regimes store or that this version can't
    use; returns its tables and its store schema (none for a missing or empty file)."""
    if not path.exists() or path.stat().st_size == 0:
        return set(), None
    # The file is read through SQLite only: closing a descriptor of our own on it would drop
    # the POSIX locks this process's open connections hold (then "disk I/O error").
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise StoreError(
            f"store {path} is read-only: regimes writes to its store even to "
            "answer queries (the projections catch up first); copy it somewhere "
            "writable"
        )
    read_only = f"{path.absolute().as_uri()}?mode=ro"  # a file URI needs an absolute path
    try:
        with closing(sqlite3.connect(read_only, uri=True)) as connection:
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            schema = None
            if "regimes_meta" in tables:
                row = connection.execute(
                    "SELECT value FROM regimes_meta WHERE key = 'schema'"
                ).fetchone()
                schema = int(row[0]) if row else None
    except sqlite3.Error as error:
        if getattr(error, "sqlite_errorname", None) == "SQLITE_NOTADB":
            raise StoreError(
                f"{path} is not a regimes store: it is not a SQLite database"
            ) from None
        raise StoreError(f"cannot open store {path}: {error}") from None
    if tables and _SQLITE_EVENTS not in tables:
        raise StoreError(
            f"{path} is a SQLite database but not a regimes store (it holds "
            f"{', '.join(sorted(tables)[:5])}); regimes will not write into it"
        )
    if schema is not None and schema > STORE_SCHEMA:
        raise StoreError(
            f"store {path} was written by a newer version of regimes (store "
            f"schema {schema}; this version reads up to {STORE_SCHEMA}); upgrade "
            "regimes"
        )
    return tables, schema


def without_table_creation(env: Mapping[str, str], name: str = "Regimes") -> dict[str, str]:
    """`env` with the library's table creation off for application `name`, said under both
    keys the library reads: the application's own first (`REGIMES_CREATE_TABLE`, which a
    process's environment may hold), then `CREATE_TABLE`."""
    return {**env, f"{name.upper()}_CREATE_TABLE": "false", "CREATE_TABLE": "false"}


def _prepare_sqlite_file(path: Path) -> None:
    """Sets a new SQLite file (missing, or empty) to incremental auto-vacuum, so that the
    pages a replay frees when it drops the old generation of the view can go back to the
    file system (`projections.backends.SQLiteViewStore.reclaim`).

    SQLite takes that setting only before the file's first table, and before write-ahead
    logging writes its header: the library's first connection does both, so the file is
    begun here, in write-ahead mode as the library keeps it. A file with a header already
    (another process began it) is left as it is; an existing store keeps its setting.
    """
    if path.exists() and path.stat().st_size > 0:
        return
    try:
        # Absolute: SQLite may read a name beginning `file:` as a URI (`./file:x.db`).
        with closing(
            sqlite3.connect(path.absolute(), isolation_level=None, timeout=SQLITE_LOCK_TIMEOUT)
        ) as connection:
            connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
            connection.execute("PRAGMA journal_mode = WAL").fetchall()
    except sqlite3.Error as error:
        raise StoreError(f"cannot open store {path}: {error}") from None


def patiently(open_: Callable[[], T], attempts: int = 6) -> T:
    """Opens something whose table creation may meet another process's write lock.

    SQLite refuses at once (no busy wait) a transaction that read an older snapshot and then
    tries to write, as `CREATE TABLE IF NOT EXISTS` plus a seed row does when several
    processes open one store together; such an open is simply tried again. One that waited
    for the lock (its whole busy timeout) is not: another process writes, and the store is
    said to be busy (`StoreBusy`).
    """
    for attempt in range(attempts):
        started = time.monotonic()
        try:
            return open_()
        except Exception as error:  # the library wraps sqlite3's errors in its own
            if "locked" not in str(error):
                raise
            if attempt == attempts - 1 or time.monotonic() - started > _REFUSED_AT_ONCE:
                raise StoreBusy(
                    f"the store is busy ({_first_line(error)}): another process held its "
                    "write lock while this one set up its tables; try again"
                ) from None
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


#: How long a refusal of the write lock takes when SQLite does not wait for it (seconds).
_REFUSED_AT_ONCE = 1.0


def default_store_path() -> Path:
    """The embedded store in the user's data directory."""
    import platformdirs  # only the default store needs it (start-up of every command)

    return Path(platformdirs.user_data_dir("regimes", appauthor=False)) / "regimes.db"


def parse_store(url: str | None) -> Store:
    """The store named by `--store` / `REGIMES_STORE` (None: the default embedded store).

    Every way of naming a SQLite file ends in the same checks (`sqlite_file`); what SQLite or
    the storage library would read as something else (`:memory:`, `file:` URIs) is refused.
    """
    if url is None:
        return _sqlite(default_store_path(), is_default=True)
    check_store_name(url)
    if url in ("memory:", "popo:"):
        env = {**MAPPER_ENV, "PERSISTENCE_MODULE": "store.popo:POPOChainedFactory"}
        return Store("memory", env, "memory:")
    scheme = url_scheme(url)
    if scheme in ("postgresql", "postgres"):
        return _postgres(url)
    if scheme == "sqlite":
        return _sqlite(sqlite_url_path(url))
    if scheme is not None:
        raise StoreUrlError(
            f"unknown store scheme {scheme!r}: use a path, sqlite:///PATH "
            "or postgresql://user@host/db"
        )
    return _sqlite(plain_path(url))


def _sqlite(path: Path, *, is_default: bool = False) -> Store:
    path = sqlite_file(path)
    env = {
        **MAPPER_ENV,
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        # Absolute: the library opens names as SQLite URIs, and a relative `file:…` (what
        # ./file:x.db becomes) would be read as one.
        "SQLITE_DBNAME": str(path.absolute()),
        "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT),
        "APPLICATION_RECORDER_TOPIC": "store.sqlite:SQLiteChainedRecorder",
    }
    display = str(path)
    if display.startswith("file:"):  # as written, it would now be refused as a URI
        display = f"./{display}"
    return Store("sqlite", env, display, path=path, is_default=is_default)


def _postgres(url: str) -> Store:
    parts = parse_postgres_url(url)
    env = {
        **MAPPER_ENV,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.database,
        "POSTGRES_HOST": parts.host,
        "POSTGRES_PORT": str(parts.port),
        "POSTGRES_USER": parts.user,
        "POSTGRES_PASSWORD": parts.password or "",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        # One connection opened with the pool, more only when needed (up to the library's
        # overflow): a command uses one or two, and the library's five cost a command its
        # server's forks and handshakes.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT),
        "APPLICATION_RECORDER_TOPIC": "store.postgres:PostgresChainedRecorder",
    }
    if parts.schema:
        env["POSTGRES_SCHEMA"] = parts.schema
    return Store("postgresql", env, parts.display)


def conceal(store: Store, text: str) -> str:
    """`text` (a driver's message about `store`) with the store's password as ***."""
    return conceal_password(text, store.env.get("POSTGRES_PASSWORD"))


#: The tables of a PostgreSQL store's log and of its view (the library names them after the
#: application, `regimes`), its stored-event type and the index of log positions.
_EVENTS_TABLE = "regimes_events"
_LOG_TABLES = frozenset((_EVENTS_TABLE, "regimes_events_chain", "regimes_meta"))
_VIEW_TABLES = frozenset(("regimes_tracking", "view_meta"))
_EVENT_TYPE = "stored_event_uuid"
_POSITION_INDEX = "regimes_events_notification_id_idx"
#: The advisory lock key regimes holds while creating tables in PostgreSQL.
_DDL_LOCK = 0x5245_4749_4D45


@dataclass(frozen=True)
class _Catalog:
    """What a PostgreSQL schema holds of a store, read from the system catalogs."""

    schema_exists: bool
    tables: frozenset[str]
    indexes: frozenset[str]
    has_event_type: bool
    version: int | None

    @property
    def log_complete(self) -> bool:
        return (
            self.tables >= _LOG_TABLES
            and _POSITION_INDEX in self.indexes
            and self.has_event_type
            and self.version is not None
        )

    @property
    def complete(self) -> bool:
        return self.log_complete and self.tables >= _VIEW_TABLES


def _postgres_schema(store: Store) -> str:
    return store.env.get("POSTGRES_SCHEMA", "").strip() or "public"  # as the library does


@contextmanager
def _postgres_connection(store: Store) -> Iterator[Any]:
    """A connection of its own (autocommit), failing fast with the server's reason where the
    library's pool would only time out."""
    import psycopg  # only PostgreSQL stores need the driver (the `postgres` extra)

    env = store.env
    try:
        connection = psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=5,
            autocommit=True,
        )
    except psycopg.Error as error:
        reason = conceal(store, _first_line(error))
        raise StoreError(f"cannot open store {store.display}: {reason}") from None
    with connection:
        yield connection


def _postgres_catalog(connection: Any, store: Store) -> _Catalog:
    """The store's tables, index, type and schema version: catalog reads, which never wait
    for a writer's lock."""
    from psycopg import sql

    schema = _postgres_schema(store)
    names = sorted(_LOG_TABLES | _VIEW_TABLES | {_POSITION_INDEX})
    # One statement (a process opening a store reads the catalog twice, and each statement
    # is a round trip): whether the schema is there, the store's relations in it, and its
    # event type.
    schema_exists, found, has_event_type = connection.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %(schema)s), "
        "ARRAY(SELECT c.relname || ':' || c.relkind::text FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %(schema)s AND c.relname = ANY(%(names)s)), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n "
        "ON n.oid = t.typnamespace WHERE n.nspname = %(schema)s AND t.typname = %(type)s)",
        {"schema": schema, "names": names, "type": _EVENT_TYPE},
    ).fetchone()
    relations = [relation.rsplit(":", 1) for relation in found]
    tables = frozenset(name for name, kind in relations if kind in ("r", "p"))
    version = None
    if "regimes_meta" in tables:
        row = connection.execute(
            sql.SQL("SELECT value FROM {}.{} WHERE key = 'schema'").format(
                sql.Identifier(schema), sql.Identifier("regimes_meta")
            )
        ).fetchone()
        version = int(row[0]) if row else None
    if version is not None and version > STORE_SCHEMA:
        raise StoreError(
            f"store {store.display} was written by a newer version of regimes "
            f"(store schema {version}; this version reads up to {STORE_SCHEMA}); "
            "upgrade regimes"
        )
    return _Catalog(
        schema_exists,
        tables,
        frozenset(name for name, kind in relations if kind == "i"),
        has_event_type,
        version,
    )


@contextmanager
def _postgres_ddl_lock(store: Store, found: _Catalog | None = None) -> Iterator[dict[str, str]]:
    """The environment to open a PostgreSQL store with.

    A store whose tables are all there, at this version's schema, opens with no DDL and no
    lock (and without reading the catalog again when `found` so just before). Otherwise an
    advisory lock is held while schema and tables are created (PostgreSQL's IF NOT EXISTS
    is not safe against concurrent creators), and the library creates the log's tables
    only if they are not all there: the events table may be held by a writer while a
    reader creates the view's tables.
    """
    if found is not None and found.complete:
        yield _complete_env(store)
        return
    import psycopg
    from psycopg import sql

    with _postgres_connection(store) as connection:
        try:
            catalog = _postgres_catalog(connection, store)
            if not catalog.complete:
                # Waits for another process creating tables, but not forever.
                connection.execute(
                    sql.SQL("SET lock_timeout = {}").format(
                        sql.Literal(f"{store.env.get('POSTGRES_LOCK_TIMEOUT', '20')}s")
                    )
                )
                connection.execute("SELECT pg_advisory_lock(%s)", (_DDL_LOCK,))
                catalog = _postgres_catalog(connection, store)  # another process may have
                if not catalog.schema_exists:
                    connection.execute(
                        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                            sql.Identifier(_postgres_schema(store))
                        )
                    )
        except psycopg.Error as error:
            raise StoreError(f"cannot open store {store.display}: {_first_line(error)}") from None
        if catalog.complete:
            yield _complete_env(store)
            return
        try:
            # Said either way: the library lets the process's environment fill what the
            # application's lacks, and a stray variable must not pass for this check.
            yield {
                **store.env,
                "CREATE_TABLE": "false" if catalog.log_complete else "true",
                COMPLETE: "false",
            }
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_DDL_LOCK,))


def _complete_env(store: Store) -> dict[str, str]:
    """The environment of a PostgreSQL store found complete: no DDL, and none needed by the
    view either (`tables_complete`)."""
    return {**without_table_creation(store.env), COMPLETE: "true"}


def tables_complete(env: Mapping[str, str]) -> bool:
    """Whether an application opened with `env` (from `Store.opening`) is on a PostgreSQL
    store that had every table of the log and of the view already: the view's tables then
    need no catalog read before use. Only PostgreSQL openings say so (either way: the
    library lets the process's environment fill what the application's lacks, and a stray
    variable must not pass for this check); a SQLite file's check is cheap, and always run."""
    # By the exact key: the library's `Environment.get` would first look for the key with
    # the application's name before it (`REGIMES_REGIMES_…`), which a process may have.
    exactly = {key: env[key] for key in ("PERSISTENCE_MODULE", COMPLETE) if key in env}
    return (
        exactly.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
        and exactly.get(COMPLETE) == "true"
    )


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return " — ".join(lines) if lines else type(error).__name__

"""The persisted bitemporal view: regime rows with valid-time and record-time bounds.

Rows live in one of two generations of tables (`a`, `b`); `view_meta` names the live one.
Replay builds the other generation from position 1 and switches to it in one transaction, so
an interrupted replay leaves the live view answering. Each generation tracks the last log
position it applied with the library's tracking table, written in the same transaction as
its rows. The tables live in the store itself, through a `projections.backends.ViewStore`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson
from eventsourcing.persistence import Tracking

from domain.errors import StoreError
from projections.backends import ViewStore
from projections.tables import GENERATIONS as GENERATIONS
from projections.tables import OPEN_DATE as OPEN_DATE
from projections.tables import OPEN_KNOWN as OPEN_KNOWN
from projections.tables import OPEN_POSITION as OPEN_POSITION
from projections.tables import (
    SCHEMA_VERSION,
    ViewSQL,
    insert_rows,
    scope_rows,
    summary_texts,
    tracking_name,
)
from projections.tables import LoggedPosition as LoggedPosition
from projections.tables import Row as Row
from projections.tables import Scope as Scope
from projections.tables import state_key as state_key
from projections.tables import summary_bytes as summary_bytes

if TYPE_CHECKING:
    from projections.bulk_load import Write
    from projections.pieces import RowChange

_META = "view_meta"


class GenerationMoved(StoreError):
    """The generation written to is no longer the live one: a replay switched meanwhile."""


class IncompleteGeneration(StoreError):
    """A replay's fresh generation lacked part of the log when it was to go live."""


class BitemporalView:
    """The view's reads and writes, in the tables of one store."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        self.meta = store.table(_META)
        self.p = store.placeholder
        #: Each generation's statements, named once (naming a PostgreSQL table goes through
        #: psycopg's quoting, 0.7 ms a question when done for each).
        self._sql: dict[str, ViewSQL] = {}

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.store.transaction(commit=commit)

    def sql(self, generation: str) -> ViewSQL:
        sql = self._sql.get(generation)
        if sql is None:
            sql = self._sql[generation] = self.store.sql(generation)
        return sql

    def close(self) -> None:
        self.store.close()

    # -- generations -------------------------------------------------------------------

    def create(self) -> None:
        """Creates the tracking table and the table naming the live generation, unless they
        are there (then without DDL)."""
        if not self.store.lacks([self.store.tracking_table_name, _META]):
            return
        self.store.create_tracking_table()
        with self.transaction(commit=True) as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.meta} "
                "(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            for key, value in (("live", "a"), ("schema", SCHEMA_VERSION)):
                c.execute(
                    f"INSERT INTO {self.meta} VALUES ({self.p}, {self.p}) "
                    "ON CONFLICT (key) DO NOTHING",
                    (key, value),
                )

    def prepare_live_generation(self) -> None:
        """Creates the live generation's tables while it has applied nothing yet.

        A generation that has applied events keeps its tables as they are: if they are gone,
        queries say so (and `replay` rebuilds them) rather than answering from empty tables.
        """
        live = self.live_generation()
        # Asked first: one indexed read, where a look at the catalog takes a few
        # milliseconds on PostgreSQL (most openings find a generation that has applied).
        if self.store.max_tracking_id(tracking_name(live)) is not None:
            return
        sql = self.sql(live)
        if self.store.lacks(sql.names, indexes=len(sql.indexes())):
            with self.transaction(commit=True) as c:
                for statement in sql.create():
                    c.execute(statement)

    def schema(self) -> str:
        """The layout of the live generation's tables (`tables.SCHEMA_VERSION` when built by
        this version; "1" before layouts were numbered)."""
        with self.transaction(commit=False) as c:
            c.execute(f"SELECT value FROM {self.meta} WHERE key = {self.p}", ("schema",))
            row = c.fetchone()
            return str(row["value"]) if row else "1"

    def live_generation(self, cursor: Any | None = None) -> str:
        """The generation queries read."""
        if cursor is None:
            with self.transaction(commit=False) as c:
                return self.live_generation(c)
        cursor.execute(f"SELECT value FROM {self.meta} WHERE key = {self.p}", ("live",))
        return str(cursor.fetchone()["value"])

    def standing(self, generation: str | None = None) -> tuple[str, int]:
        """The generation queries read (unless `generation` is given) and the last log
        position it has applied.

        The live one is read with its position in one statement, so that a replay switching
        generations meanwhile cannot pair one generation with the other's position.
        """
        if generation is not None:
            return generation, self.store.max_tracking_id(tracking_name(generation)) or 0
        with self.transaction(commit=False) as c:
            c.execute(
                f"SELECT m.value AS generation, (SELECT MAX(t.notification_id) FROM "
                f"{self.store.tracking_table} t WHERE t.application_name = {self.p} || m.value) "
                f"AS position FROM {self.meta} m WHERE m.key = {self.p}",
                (tracking_name(""), "live"),
            )
            row = c.fetchone()
            return str(row["generation"]), int(row["position"] or 0)

    def reset_generation(self, generation: str) -> None:
        """Empties a generation's tables and forgets its position, ready for a bulk load;
        `index_generation` adds the keys and indexes once it is loaded."""
        sql = self.sql(generation)
        with self.transaction(commit=True) as c:
            for statement in [*sql.drop(), *sql.create_for_loading()]:
                c.execute(statement)
            self.forget_tracking(c, generation)

    def index_generation(self, generation: str) -> None:
        """Builds the keys and indexes of a loaded generation, and its statistics."""
        with self.transaction(commit=True) as c:
            for statement in self.sql(generation).indexes():
                c.execute(statement)
        self.analyze(generation)

    def analyze(self, generation: str) -> None:
        """Brings the planner's statistics of a generation's tables up to their rows."""
        self.store.analyze(self.sql(generation).tables)

    def discard_generation(self, generation: str) -> None:
        """Drops a generation that will not go live (a replay that failed), with its position."""
        with self.transaction(commit=True) as c:
            for statement in self.sql(generation).drop():
                c.execute(statement)
            self.forget_tracking(c, generation)

    def switch_to(self, generation: str, *, position: int, events: int) -> None:
        """Makes a loaded generation the live view and drops the other one, in one transaction
        that first checks the generation is complete: tracked at `position`, with each of the
        `events` it was loaded with listed once. Otherwise nothing changes and
        `IncompleteGeneration` says what was missing."""
        # Read first: only the replay loading this generation (which holds the replay lock)
        # writes its tracking, and catch-ups write only into the live generation.
        tracked = self.store.max_tracking_id(tracking_name(generation)) or 0
        with self.transaction(commit=True) as c:
            # A write first: on SQLite it takes the store's write lock, so that what this
            # transaction reads next is the store as it stands at the switch.
            c.execute(f"UPDATE {self.meta} SET value = value WHERE key = {self.p}", ("live",))
            old = self.live_generation(c)
            c.execute(f"SELECT COUNT(*) AS listed FROM {self.sql(generation).log}")
            listed = int(c.fetchone()["listed"])
            if old == generation or tracked != position or listed != events:
                raise IncompleteGeneration(
                    f"the fresh projections were incomplete at the switch (tracked at "
                    f"{tracked}, {listed} of {events} log positions; live: {old}); the previous "
                    "projections are kept"
                )
            for key, value in (("live", generation), ("schema", SCHEMA_VERSION)):
                c.execute(
                    f"INSERT INTO {self.meta} VALUES ({self.p}, {self.p}) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            for statement in self.sql(old).drop():
                c.execute(statement)
            self.forget_tracking(c, old)

    def forget_tracking(self, c: Any, generation: str) -> None:
        """Deletes a generation's tracking row (the library has no call for that)."""
        c.execute(
            f"DELETE FROM {self.store.tracking_table} WHERE application_name = {self.p}",
            (tracking_name(generation),),
        )

    def ensure_live(self, c: Any, generation: str) -> None:
        """Raises `GenerationMoved` unless `generation` is still the live one (on PostgreSQL
        the row is held shared until the transaction ends, so no switch passes it)."""
        c.execute(
            f"SELECT value FROM {self.meta} WHERE key = {self.p}{self.store.row_lock}", ("live",)
        )
        if c.fetchone()["value"] != generation:
            raise GenerationMoved(
                f"a replay switched the projections away from generation "
                f"{generation} while they were being brought up to date; "
                "try again"
            )

    # -- writes --------------------------------------------------------------------------

    def apply(
        self,
        generation: str,
        changes: Sequence[RowChange],
        positions: Sequence[LoggedPosition],
        last_position: int,
        codes: Sequence[tuple[str, str, int, str]] = (),
    ) -> None:
        """Writes a batch of measure changes, the log positions and the tracking, atomically.

        Rows closed by a change are closed in the table at its position; rows opened and
        closed within the batch are written once, already closed. The generation has its keys
        (a summary met again is passed over on the key of its table).
        """
        opened: dict[tuple[str, Row], list[Any]] = {}  # segments this batch opens
        closed_here: list[list[Any]] = []  # segments this batch opens and closes again
        to_close: list[tuple[Any, ...]] = []  # segments of earlier batches this one closes
        to_close_earlier: list[tuple[Any, ...]] = []  # the same, of earlier knowledge
        states: dict[str, bytes] = {}
        scopes: dict[str, Scope] = {}
        spanned: set[str] = set()  # scopes whose segments known today this batch changes
        for change in changes:
            for row in change.closed:
                values = opened.pop((change.measure, row), None)
                if values is not None:
                    values[-1] = change.position
                    closed_here.append(values)
                else:
                    valid_from, valid_to, scope = row[0], row[1], row[5]
                    known_from, known_to = row[6:]
                    key = (change.position, scope, valid_from, valid_to, known_from)
                    if known_to == OPEN_KNOWN:
                        to_close.append(key)
                        spanned.add(scope)
                    else:
                        to_close_earlier.append((*key, known_to))
            for row in change.opened:
                if row[-1] == OPEN_KNOWN:
                    spanned.add(row[5])
                opened[(change.measure, row)] = [
                    change.measure,
                    *row,
                    change.position,
                    OPEN_POSITION,
                ]
            states.update(change.states)
            scopes.update(change.scopes)
        sql = self.sql(generation)
        # Only into the live generation: a replay may have switched away from it (and be
        # loading it afresh) since the caller read it. Where rows can be held (PostgreSQL)
        # this checks first, holding the row against a switch; else (SQLite) last, once its
        # first write has taken the store's write lock.
        check_first = bool(self.store.row_lock)
        with self.transaction(commit=True) as c:
            if check_first:
                self.ensure_live(c, generation)
            c.executemany(sql.close_open_row(), to_close)
            c.executemany(sql.close_earlier_row(), to_close_earlier)
            rows = [tuple(values) for values in (*closed_here, *opened.values())]
            new_scopes = self._new_scopes(c, sql, scopes)
            insert = self.store.bulk_insert
            insert_rows(c, sql, rows, states, positions, codes, new_scopes, insert=insert)
            c.executemany(sql.span_scopes(), [(scope, scope, scope) for scope in sorted(spanned)])
            self.store.track(c, Tracking(tracking_name(generation), last_position))
            if not check_first:
                self.ensure_live(c, generation)

    def _new_scopes(self, c: Any, sql: ViewSQL, scopes: dict[str, Scope]) -> dict[str, Scope]:
        """The scopes the tables do not hold yet (an amendment of dates or status names its
        measure's scope again: nothing is written for it)."""
        keys = list(scopes)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            c.execute(sql.scopes_written(len(chunk)), [*chunk, *chunk])
            for record in c.fetchall():
                scopes.pop(record["scope"], None)
        return scopes

    def loader(self, generation: str) -> Write:
        """What a bulk load (`projections.bulk_load`) writes its chunks through: `load` into
        `generation`."""

        def write(
            rows: list[tuple[Any, ...]],
            states: dict[str, bytes],
            positions: list[LoggedPosition],
            codes: list[tuple[str, str, int, str]],
            scopes: dict[str, Scope],
            spans: dict[str, tuple[str, str]],
        ) -> None:
            self.load(generation, rows, states, positions, codes, scopes=scopes, spans=spans)

        return write

    def load(
        self,
        generation: str,
        rows: Sequence[tuple[Any, ...]],
        states: dict[str, bytes],
        positions: Sequence[LoggedPosition],
        codes: Sequence[tuple[str, str, int, str]] = (),
        last_position: int | None = None,
        scopes: Mapping[str, Scope] | None = None,
        spans: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        """Adds rows with their final record-time bounds to a generation being loaded, with
        the log positions, and the scopes with their spans; with `last_position`, the load
        is complete up to there.

        The generation's tables have no keys while it loads (`index_generation` adds them),
        so nothing here passes over a duplicate: the load must give each summary's key and
        each log position once in the whole generation, as `replay` does.
        """
        sql = self.sql(generation)
        with self.transaction(commit=True) as c:
            self.store.bulk_insert(c, sql.states, summary_texts(states))
            self.store.bulk_insert(c, sql.rows, rows)
            self.store.bulk_insert(c, sql.log, positions)
            self.store.bulk_insert(c, sql.codes, codes)
            flows, items, places = scope_rows(scopes or {}, spans)
            self.store.bulk_insert(c, sql.flows, flows)
            self.store.bulk_insert(c, sql.items, items)
            self.store.bulk_insert(c, sql.places, places)
            if last_position:
                self.store.track(c, Tracking(tracking_name(generation), last_position))

    # -- reads ---------------------------------------------------------------------------

    def rows_on(
        self,
        generation: str,
        day: date | None,
        position: int,
        items: Sequence[str],
        exporters: Sequence[str] | None,
        importers: Sequence[str] | None,
        *,
        latest: bool = False,
        known: date | None = None,
    ) -> Iterator[tuple[str, str, str, str, str, str, int, dict[str, Any]]]:
        """Rows believed at `position` and known at the end of day `known` (None: today),
        standing on `day` (any day if None), for the filters (`ViewSQL.believed_rows`).

        `exporters` and `importers` are the places a row may name (None: any).
        Yields (measure, item, exporter, importer, valid_from, valid_to, level, summary)
        with the status inside the summary.
        """
        sql = self.sql(generation)
        with self.transaction(commit=False) as c:
            # Only a view holding a large scope is asked about large scopes (most hold none).
            c.execute(sql.any_large())
            large = c.fetchone() is not None
            statement, params = self.rows_statement(
                generation,
                day,
                position,
                items,
                exporters,
                importers,
                latest=latest,
                known=known,
                large=large,
            )
            c.execute(statement, params)
            for record in c.fetchall():
                yield (
                    record["measure"],
                    record["item"],
                    record["exporter"],
                    record["importer"],
                    record["valid_from"],
                    record["valid_to"],
                    record["level"],
                    orjson.loads(record["summary"]),
                )

    def rows_statement(
        self,
        generation: str,
        day: date | None,
        position: int,
        items: Sequence[str],
        exporters: Sequence[str] | None,
        importers: Sequence[str] | None,
        *,
        latest: bool = False,
        known: date | None = None,
        large: bool = True,
    ) -> tuple[str, list[Any]]:
        """The statement `rows_on` runs, with its parameters (`large`: with the large scopes'
        statements too)."""
        return self.sql(generation).believed_rows(
            day, position, items, exporters, importers, latest=latest, known=known, large=large
        )

    def position_at(self, generation: str, recorded_at: str) -> int:
        """The last log position recorded at or before `recorded_at` (ISO, UTC)."""
        with self.transaction(commit=False) as c:
            c.execute(
                f"SELECT MAX(position) AS position FROM {self.sql(generation).log} "
                f"WHERE recorded_at <= {self.p}",
                (recorded_at,),
            )
            return int(c.fetchone()["position"] or 0)

    def positions_of(self, generation: str, subject: str) -> list[LoggedPosition]:
        """Every log position about one measure or action, in record order."""
        with self.transaction(commit=False) as c:
            c.execute(
                f"SELECT position, recorded_at, record_type, subject "
                f"FROM {self.sql(generation).log} WHERE subject = {self.p} "
                "ORDER BY position",
                (subject,),
            )
            return [
                LoggedPosition(r["position"], r["recorded_at"], r["record_type"], r["subject"])
                for r in c.fetchall()
            ]

"""The view's tables, for one generation each: their columns, keys and indexes, and how rows,
summaries and log positions are written into them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NamedTuple

import orjson

#: `recorded_to` of rows that are still believed.
OPEN_POSITION = 2**62
#: `valid_to` of rows that hold indefinitely.
OPEN_DATE = "9999-12-31"
#: `known_to` of rows still known today: after every date, so that a record published on
#: 9999-12-31 still ends what was known before it.
OPEN_KNOWN = "9999-99-99"
GENERATIONS = ("a", "b")
#: Rows of what is known today (`known_to` open), and rows of what was known before a later
#: publication: literal terms, so that each kind is read through its own partial index.
LATEST_KNOWLEDGE = f"known_to = '{OPEN_KNOWN}'"
EARLIER_KNOWLEDGE = f"known_to < '{OPEN_KNOWN}'"
#: The view's layout; a store whose view has another is replayed into this one when opened.
#: 2: rows bounded in publication time (known_from, known_to); summaries with `published_on`
#: and `scheduled`. 3: the open end of knowledge after every date; the level quota (the levels
#: above it numbered one up); summaries with their places and `except`. 4: the table of the
#: measures' HS codes (`--hs`).
SCHEMA_VERSION = "4"


#: One measure on one (item, exporter, importer) over [valid_from, valid_to), as known from
#: publication date known_from until known_to: the columns (item, exporter, importer,
#: valid_from, valid_to, status, level, state, known_from, known_to), `state` being the key of
#: the measure's summary in the states table. Plain tuples: millions are built.
Row = tuple[str, str, str, str, str, str, int, str, str, str]


class LoggedPosition(NamedTuple):
    """One log position: when it was recorded, what kind of record, and about which id."""

    position: int
    recorded_at: str
    record_type: str
    subject: str


def state_key(summary: bytes) -> str:
    """A short content key for a measure summary."""
    return hashlib.blake2b(summary, digest_size=12).hexdigest()


def summary_bytes(summary: dict[str, Any]) -> bytes:
    return orjson.dumps(summary)


def tracking_name(generation: str) -> str:
    """The tracking row of one generation of the view."""
    return f"regimes.view-{generation}"


def _unqualified(name: str) -> str:
    return name


class ViewSQL:
    """The view's statements for one generation: its tables named by `qualify` (as the store
    holding them names a table), parameters marked by `placeholder` (`?` or `%s`)."""

    def __init__(
        self,
        generation: str,
        qualify: Callable[[str], str] = _unqualified,
        placeholder: str = "?",
    ) -> None:
        self.generation = generation
        #: The generation's tables, unqualified: its rows, its summaries, its log positions.
        self.names = tuple(
            f"{table}_{generation}"
            for table in ("regime_rows", "measure_states", "log_positions", "hs_codes")
        )
        self.rows, self.states, self.log, self.codes = (qualify(name) for name in self.names)
        self.index_prefix = f"regime_rows_{generation}"
        self.placeholder = placeholder

    def marks(self, count: int) -> str:
        """`count` parameter marks, separated by commas."""
        return ", ".join([self.placeholder] * count)

    def create(self) -> list[str]:
        """The tables, with every index."""
        return [*self.create_for_loading(), *self.indexes()]

    def create_for_loading(self) -> list[str]:
        """The tables without any index or key, for a bulk load: `indexes` adds them after."""
        return [
            f"CREATE TABLE IF NOT EXISTS {self.rows} (measure TEXT NOT NULL, item TEXT NOT NULL, "
            "exporter TEXT NOT NULL, importer TEXT NOT NULL, valid_from TEXT NOT NULL, "
            "valid_to TEXT NOT NULL, status TEXT NOT NULL, level INTEGER NOT NULL, "
            "state TEXT NOT NULL, known_from TEXT NOT NULL, known_to TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.states} (key TEXT NOT NULL, summary TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.log} (position BIGINT NOT NULL, "
            "recorded_at TEXT NOT NULL, record_type TEXT NOT NULL, subject TEXT NOT NULL)",
            # the HS codes each imposition or correction gives its measure, with the record's
            # position and publication date ('' for a correction that takes them away)
            f"CREATE TABLE IF NOT EXISTS {self.codes} (code TEXT NOT NULL, "
            "measure TEXT NOT NULL, position BIGINT NOT NULL, published_on TEXT NOT NULL)",
        ]

    def indexes(self) -> list[str]:
        """The keys and the indexes queries and catch-up read: built after a bulk load, far
        cheaper than kept during it (the keys too: the load writes no duplicates)."""
        return [
            f"CREATE UNIQUE INDEX IF NOT EXISTS {self.index_prefix}_state_key "
            f"ON {self.states} (key)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {self.index_prefix}_log_position "
            f"ON {self.log} (position)",
            # The believed rows as known today, by flow: what the latest answers read, and
            # catch-up closes. valid_to too: rows that ended before the day asked are passed
            # over inside the index, without reading them from the table; and known_from,
            # for questions known at a day.
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_open_flow_span ON {self.rows} "
            "(item, exporter, importer, valid_from, valid_to, known_from) "
            f"WHERE recorded_to = {OPEN_POSITION} AND {LATEST_KNOWLEDGE}",
            # The superseded rows as known today, by flow: a question recorded at position
            # P reads those that stood on the day asked, and whether each was closed after
            # P, in the index.
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_closed_flow ON {self.rows} "
            "(item, exporter, importer, valid_from, valid_to, recorded_to, known_from) "
            f"WHERE recorded_to < {OPEN_POSITION} AND {LATEST_KNOWLEDGE}",
            # The rows of what was known before a later publication, by flow: questions
            # known at a day read them (and catch-up closes them), believed or superseded.
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_earlier_flow ON {self.rows} "
            "(item, exporter, importer, valid_from, valid_to, known_to, known_from, "
            f"recorded_to) WHERE {EARLIER_KNOWLEDGE}",
            # Questions without items, by importer and day; whether a row stood then, and
            # was believed and known, is read in the index. (recorded_to leads no range
            # here: without statistics SQLite would then prefer this index for one-flow
            # questions too.)
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_importer_span ON {self.rows} "
            "(importer, valid_from, valid_to, recorded_to, known_to, known_from)",
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_log_subject ON {self.log} (subject)",
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_log_time ON {self.log} (recorded_at)",
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_hs_measure ON {self.codes} "
            "(measure, position)",
        ]

    def close_open_row(self) -> str:
        """Closes a believed row known today at a position: parameters (position, measure,
        item, exporter, importer, valid_from, known_from), found through the believed rows'
        index."""
        p = self.placeholder
        return (
            f"UPDATE {self.rows} SET recorded_to = {p} WHERE measure = {p} AND item = {p} "
            f"AND exporter = {p} AND importer = {p} AND valid_from = {p} AND known_from = {p} "
            f"AND recorded_to = {OPEN_POSITION} AND {LATEST_KNOWLEDGE}"
        )

    def close_earlier_row(self) -> str:
        """Closes a believed row of what was known before a later publication: parameters
        (position, measure, item, exporter, importer, valid_from, known_from, known_to)."""
        p = self.placeholder
        return (
            f"UPDATE {self.rows} SET recorded_to = {p} WHERE measure = {p} AND item = {p} "
            f"AND exporter = {p} AND importer = {p} AND valid_from = {p} AND known_from = {p} "
            f"AND known_to = {p} AND recorded_to = {OPEN_POSITION} AND {EARLIER_KNOWLEDGE}"
        )

    def drop(self) -> list[str]:
        return [
            f"DROP TABLE IF EXISTS {name}"
            for name in (self.rows, self.states, self.log, self.codes)
        ]

    def believed_rows(
        self,
        day: date | None,
        position: int,
        items: Sequence[str],
        exporters: Sequence[str] | None,
        importers: Sequence[str] | None,
        *,
        latest: bool = False,
        known: date | None = None,
    ) -> tuple[str, list[Any]]:
        """The rows believed at `position` and known at the end of day `known` (None: as
        known today), standing on `day` (any day if None), for the filters (the places a
        row's exporter and importer may be, None for any), each with its summary: the
        statement and its parameters.

        With `latest` (position is the last one applied) the rows believed are the open ones,
        which the open rows' index serves without reading any superseded row. Rows believed
        at an earlier position are the open rows recorded by then, and the closed rows
        recorded by then and closed after it; rows known at an earlier day are those known
        today and published by then, and those of earlier knowledge that it ended after
        then: one statement each, so that each reads its own index.
        """
        p = self.placeholder
        where: list[str] = []
        params: list[Any] = []
        if day is not None:
            where += [f"r.valid_from <= {p}", f"r.valid_to > {p}"]
            params += [day.isoformat(), day.isoformat()]
        if items:  # and measures on every good
            where.append(f"r.item IN ({self.marks(len(items))}, '*')")
            params += list(items)
        for column, places in (("exporter", exporters), ("importer", importers)):
            if places is not None:
                where.append(f"r.{column} IN ({self.marks(len(places))})")
                params += list(places)
        believed: list[tuple[list[str], list[Any]]] = [
            ([f"r.recorded_to = {OPEN_POSITION}"], [])
            if latest
            else ([f"r.recorded_to = {OPEN_POSITION}", f"r.recorded_from <= {p}"], [position])
        ]
        if not latest:
            believed.append(
                (
                    [
                        f"r.recorded_to < {OPEN_POSITION}",
                        f"r.recorded_to > {p}",
                        f"r.recorded_from <= {p}",
                    ],
                    [position, position],
                )
            )
        parts = [([*terms, f"r.{LATEST_KNOWLEDGE}"], values) for terms, values in believed]
        if known is not None:
            day_known = known.isoformat()
            parts = [
                ([*terms, f"r.known_from <= {p}"], [*values, day_known]) for terms, values in parts
            ]
            earlier = [f"r.{EARLIER_KNOWLEDGE}", f"r.known_to > {p}", f"r.known_from <= {p}"]
            if latest:
                parts.append(
                    ([*earlier, f"r.recorded_to = {OPEN_POSITION}"], [day_known, day_known])
                )
            else:
                parts.append(
                    (
                        [*earlier, f"r.recorded_to > {p}", f"r.recorded_from <= {p}"],
                        [day_known, day_known, position, position],
                    )
                )
        select = (
            f"SELECT r.measure, r.item, r.exporter, r.importer, r.valid_from, r.valid_to, "
            f"r.level, s.summary FROM {self.rows} r JOIN {self.states} s ON s.key = r.state "
            "WHERE "
        )
        statements = []
        all_params: list[Any] = []
        for terms, values in parts:
            statements.append(select + " AND ".join([*terms, *where]))
            all_params += [*values, *params]
        return " UNION ALL ".join(statements), all_params


def insert_rows(
    c: Any,
    sql: ViewSQL,
    rows: Sequence[tuple[Any, ...]],
    states: dict[str, bytes],
    positions: Sequence[LoggedPosition],
    codes: Sequence[tuple[str, str, int, str]] = (),
    *,
    known_states: bool = True,
) -> None:
    """Inserts rows (all thirteen columns), summaries, log positions and HS codes (code,
    measure, position, publication date) into `sql`'s tables.

    With `known_states`, a summary already in the table is passed over (catch-up meets a
    measure's earlier states again); a bulk load writes each summary once, into a table that
    has no key yet, and says False.
    """
    conflict = " ON CONFLICT (key) DO NOTHING" if known_states else ""
    c.executemany(
        f"INSERT INTO {sql.states} VALUES ({sql.marks(2)}){conflict}", summary_texts(states)
    )
    c.executemany(f"INSERT INTO {sql.rows} VALUES ({sql.marks(13)})", rows)
    c.executemany(f"INSERT INTO {sql.log} VALUES ({sql.marks(4)})", positions)
    c.executemany(f"INSERT INTO {sql.codes} VALUES ({sql.marks(4)})", codes)


def hs_codes_of(position: int, event: Any) -> list[tuple[str, str, int, str]]:
    """The HS codes a measure's event gives it, as rows of the codes table: an imposition's,
    or a correction's new ones (one row '' when it takes them away)."""
    if event.record_type == "measure_corrected":
        if "hs_codes" not in event.fields:
            return []
        codes = event.fields["hs_codes"] or [""]
    else:
        codes = getattr(event, "hs_codes", None) or []
    published = event.publication().isoformat()
    return [(code, event.measure, position, published) for code in codes]


def summary_texts(states: dict[str, bytes]) -> list[tuple[str, str]]:
    """The rows of the summaries table: each summary's key and its JSON text."""
    return [(key, summary.decode()) for key, summary in states.items()]

"""The view's tables, for one generation each: their columns, keys and indexes, and how rows,
summaries and log positions are written into them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson

#: `recorded_to` of rows that are still believed.
OPEN_POSITION = 2**62
#: `valid_to` of rows that hold indefinitely.
OPEN_DATE = "9999-12-31"
GENERATIONS = ("a", "b")
SCHEMA_VERSION = "1"


#: One measure on one (item, exporter, importer) over [valid_from, valid_to): the columns
#: (item, exporter, importer, valid_from, valid_to, status, level, state), `state` being the
#: key of the measure's summary in the states table. Plain tuples: millions are built.
Row = tuple[str, str, str, str, str, str, int, str]


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


class ViewSQL:
    """The view's statements for one generation, written with `?` parameters."""

    def __init__(self, generation: str, qualify: Any = lambda name: name) -> None:
        self.generation = generation
        self.rows = qualify(f"regime_rows_{generation}")
        self.states = qualify(f"measure_states_{generation}")
        self.log = qualify(f"log_positions_{generation}")
        self.index_prefix = f"regime_rows_{generation}"

    def create(self) -> list[str]:
        """The tables, with every index."""
        return [*self.create_for_loading(), *self.indexes()]

    def create_for_loading(self) -> list[str]:
        """The tables without any index or key, for a bulk load: `indexes` adds them after."""
        return [
            f"CREATE TABLE IF NOT EXISTS {self.rows} (measure TEXT NOT NULL, item TEXT NOT NULL, "
            "exporter TEXT NOT NULL, importer TEXT NOT NULL, valid_from TEXT NOT NULL, "
            "valid_to TEXT NOT NULL, status TEXT NOT NULL, level INTEGER NOT NULL, "
            "state TEXT NOT NULL, recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.states} (key TEXT NOT NULL, summary TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.log} (position BIGINT NOT NULL, "
            "recorded_at TEXT NOT NULL, record_type TEXT NOT NULL, subject TEXT NOT NULL)",
        ]

    def indexes(self) -> list[str]:
        """The keys and the indexes queries and catch-up read: built after a bulk load, far
        cheaper than kept during it (the keys too: the load writes no duplicates)."""
        return [
            f"CREATE UNIQUE INDEX IF NOT EXISTS {self.index_prefix}_state_key "
            f"ON {self.states} (key)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {self.index_prefix}_log_position "
            f"ON {self.log} (position)",
            # The believed rows, by flow: what the latest answers read, and catch-up closes.
            # valid_to too: rows that ended before the day asked are passed over inside the
            # index, without reading them from the table.
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_open_flow_span ON {self.rows} "
            "(item, exporter, importer, valid_from, valid_to) "
            f"WHERE recorded_to = {OPEN_POSITION}",
            # The superseded rows, by flow: a question known at position P reads those that
            # stood on the day asked, and whether each was closed after P, in the index.
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_closed_flow ON {self.rows} "
            "(item, exporter, importer, valid_from, valid_to, recorded_to) "
            f"WHERE recorded_to < {OPEN_POSITION}",
            # Questions without items, by importer and day; whether a row stood then, and
            # was believed, is read in the index. (recorded_to leads no range here: without
            # statistics SQLite would then prefer this index for one-flow questions too.)
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_importer_span ON {self.rows} "
            "(importer, valid_from, valid_to, recorded_to)",
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_log_subject ON {self.log} (subject)",
            f"CREATE INDEX IF NOT EXISTS {self.index_prefix}_log_time ON {self.log} (recorded_at)",
        ]

    def close_open_row(self) -> str:
        """Closes a believed row at a position: parameters (position, measure, item, exporter,
        importer, valid_from), found through the believed rows' index."""
        return (
            f"UPDATE {self.rows} SET recorded_to = ? WHERE measure = ? AND item = ? "
            "AND exporter = ? AND importer = ? AND valid_from = ? "
            f"AND recorded_to = {OPEN_POSITION}"
        )

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {name}" for name in (self.rows, self.states, self.log)]


def insert_rows(
    c: Any,
    sql: ViewSQL,
    rows: Sequence[tuple[Any, ...]],
    states: dict[str, bytes],
    positions: Sequence[LoggedPosition],
    param: str = "?",
    *,
    known_states: bool = True,
) -> None:
    """Inserts rows (all eleven columns), summaries and log positions into `sql`'s tables.

    With `known_states`, a summary already in the table is passed over (catch-up meets a
    measure's earlier states again); a bulk load writes each summary once, into a table that
    has no key yet, and says False.
    """

    def q(statement: str) -> str:
        return statement if param == "?" else statement.replace("?", param)

    conflict = " ON CONFLICT (key) DO NOTHING" if known_states else ""
    c.executemany(
        q(f"INSERT INTO {sql.states} VALUES (?, ?){conflict}"),
        [(key, summary.decode()) for key, summary in states.items()],
    )
    c.executemany(q(f"INSERT INTO {sql.rows} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), rows)
    c.executemany(q(f"INSERT INTO {sql.log} VALUES (?, ?, ?, ?)"), positions)

"""The baselines that do not depend on the project's code: the library's own `save`, a raw
`sqlite3` load, and the bare imports; each figure is set beside one of these, measured in
the same run."""

from __future__ import annotations

import gc
import sqlite3
import time
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

#: The whole-process baseline of `regimes as-of`: the imports any such command needs.
IMPORT_BASELINE = "import eventsourcing.application, pydantic, click"
BATCH = 500  # events per transaction in the raw replay baseline, as in the library's loop


class Minimal(Aggregate):
    """The library baseline's aggregate: one created event and nothing else."""

    @event("Created")
    def __init__(self) -> None:
        pass


class Baseline(Application[UUID]):
    """The library's application with its defaults, on a SQLite file."""


def worker_save(store: str, count: int) -> dict[str, Any]:
    """The library's own batched save of `count` minimal created events into a SQLite file."""
    app = Baseline(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": store})
    gc.collect()
    started = time.perf_counter()
    aggregates = [Minimal() for _ in range(count)]
    built, built_cpu = time.perf_counter(), time.process_time()
    recordings = app.save(*aggregates)
    finished, finished_cpu = time.perf_counter(), time.process_time()
    assert len(recordings) == count
    app.close()
    return {
        "seconds": finished - built,
        "construct_seconds": built - started,
        "cpu_seconds": finished_cpu - built_cpu,
        "events": count,
    }


#: The raw baseline's table: the columns of the view's rows, and (for the "indexed" and
#: "deferred" shapes) indexes with as many entries as the view's row indexes: by flow (the
#: view splits it in believed and superseded rows; the baseline's rows are all believed)
#: and by importer.
RAW_SCHEMA = (
    "CREATE TABLE rows (measure TEXT NOT NULL, item TEXT NOT NULL, exporter TEXT NOT NULL, "
    "importer TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
    "status TEXT NOT NULL, level INTEGER NOT NULL, state TEXT NOT NULL, "
    "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
    "CREATE INDEX rows_flow ON rows (item, exporter, importer, valid_from, valid_to)",
    "CREATE INDEX rows_importer ON rows (importer, valid_from, valid_to, recorded_to)",
    "CREATE TABLE tracking (name TEXT PRIMARY KEY, position INTEGER NOT NULL)",
)


def worker_raw(store: str, out: str, rows: int, shape: str = "bare") -> dict[str, Any]:
    """Reads the stored events with sqlite3, decodes them with orjson and writes `rows` rows
    with executemany, one transaction per 500-event batch, into a fresh table in a fresh file.

    `shape` "bare" is the baseline as the issue states it: a table without indexes.
    "indexed" keeps the schema's indexes during the load; "deferred" builds them after
    it (timed), as a bulk load would.
    """
    source = sqlite3.connect(store, isolation_level=None)
    (events,) = source.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    target = sqlite3.connect(out, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    for statement in RAW_SCHEMA:
        if shape == "indexed" or not statement.startswith("CREATE INDEX"):
            target.execute(statement)
    loads = orjson.loads
    insert = "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    track = (
        "INSERT INTO tracking VALUES ('raw', ?) ON CONFLICT (name) "
        "DO UPDATE SET position = excluded.position"
    )
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    last = 0
    done = 0
    written = 0
    while True:
        page = source.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, BATCH),
        ).fetchall()
        if not page:
            break
        states = [loads(record[4]) for record in page]
        done += len(page)
        due = rows * done // events - written
        batch = [raw_row(states, page, index) for index in range(due)]
        written += due
        last = page[-1][0]
        target.execute("BEGIN")
        target.executemany(insert, batch)
        target.execute(track, (last,))
        target.execute("COMMIT")
    if shape == "deferred":
        for statement in RAW_SCHEMA:
            if statement.startswith("CREATE INDEX"):
                target.execute(statement)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    source.close()
    target.close()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "events": done, "rows": written}


def raw_row(states: list[Any], page: list[Any], index: int) -> tuple[Any, ...]:
    """The `index`th row the raw baseline writes for a page of stored events (their decoded
    states): the shape of a view row, from the event's own fields."""
    state = states[index % len(states)]
    position = page[index % len(page)][0]
    items = state.get("items") or ("-",)
    return (
        state.get("measure") or state.get("action") or "",
        items[0],
        state.get("issuer") or "",
        "*",
        state.get("effective_on") or "",
        "9999-12-31",
        "in_force",
        index % 7,
        str(position),
        position,
        2**62,
    )

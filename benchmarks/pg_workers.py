"""The PostgreSQL workers of `pg_bench.py` (issue 23), each run in a fresh process by
`bench.py worker KIND ARGS` like the SQLite ones: the library's batched save into a fresh
database, the replay of a PostgreSQL store, and the raw psycopg baseline of the replay (read,
decode, `COPY` as many rows). psycopg is imported only here, so SQLite runs do not need it.
"""

from __future__ import annotations

import gc
import time
from typing import Any
from urllib.parse import urlsplit

import orjson
from baselines import BATCH, RAW_SCHEMA, Baseline, Minimal, raw_row

#: Events per `save` call of the PostgreSQL library baseline. The library sends a batch as one
#: parameter in psycopg's pipeline mode; with 100,000 minimal events in one call it never
#: returned here (killed after 180 s: the pipeline deadlock `store/postgres.py` describes),
#: while 10,000 take about a second. So the baseline saves 10,000 aggregates per call.
SAVE_CHUNK = 10_000


def library_env(url: str) -> dict[str, str]:
    """The library's own PostgreSQL settings for the database of a store URL."""
    parts = urlsplit(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.path.lstrip("/"),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": parts.username or "postgres",
        "POSTGRES_PASSWORD": parts.password or "",
    }


def worker_pg_save(url: str, count: int) -> dict[str, Any]:
    """The library's own batched save of `count` minimal created events into a fresh
    PostgreSQL database, `SAVE_CHUNK` aggregates per `save` call."""
    app = Baseline(env=library_env(url))
    gc.collect()
    started = time.perf_counter()
    aggregates = [Minimal() for _ in range(count)]
    built, built_cpu = time.perf_counter(), time.process_time()
    saved = 0
    for start in range(0, count, SAVE_CHUNK):
        saved += len(app.save(*aggregates[start : start + SAVE_CHUNK]))
    finished, finished_cpu = time.perf_counter(), time.process_time()
    assert saved == count
    app.close()
    return {
        "seconds": finished - built,
        "construct_seconds": built - started,
        "cpu_seconds": finished_cpu - built_cpu,
        "events": count,
        "calls": -(-count // SAVE_CHUNK),
    }


def worker_pg_replay(url: str) -> dict[str, Any]:
    """`RegimeReader(app).replay()` of a PostgreSQL store, and the rows it wrote."""
    import layout

    from projections.queries import RegimeReader

    app = layout.open_application(url)
    reader = RegimeReader(app)
    gc.collect()
    started = time.perf_counter()
    report = reader.replay()
    seconds = time.perf_counter() - started
    reader.close()
    app.close()
    written = view_counts(url)
    return {
        "seconds": seconds,
        "events": report.events,
        "written": written,
        "rows": sum(written.values()),
    }


def view_counts(url: str) -> dict[str, int]:
    """Rows in each table of the live generation of a PostgreSQL store's view (the default
    schema)."""
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT value FROM view_meta WHERE key = 'live'").fetchone()
        assert row is not None
        live = row[0]
        names = [
            name
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
            )
            if name.endswith(f"_{live}")
        ]
        counts: dict[str, int] = {}
        for name in names:
            found = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            counts[name] = int(found[0]) if found else 0
        return counts


def worker_pg_raw(source_url: str, target_url: str, rows: int) -> dict[str, Any]:
    """The raw baseline of a PostgreSQL replay: psycopg reads the stored events in position
    order, 500 at a time (keyset pages, one read transaction each), `orjson.loads` every
    state, and `COPY`s as many rows as the replay wrote into a fresh table without index
    (the view rows' eleven columns) in a fresh database, one transaction per 500-event page
    with a tracking upsert, as the SQLite baseline does with `executemany`."""
    import psycopg

    source = psycopg.connect(source_url, autocommit=True)
    found = source.execute("SELECT count(*) FROM regimes_events").fetchone()
    events = int(found[0]) if found else 0
    target = psycopg.connect(target_url, autocommit=True)
    for statement in RAW_SCHEMA:
        if not statement.startswith("CREATE INDEX"):
            target.execute(statement)
    loads = orjson.loads
    select = (
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM regimes_events WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    )
    track = (
        "INSERT INTO tracking VALUES ('raw', %s) ON CONFLICT (name) "
        "DO UPDATE SET position = excluded.position"
    )
    gc.collect()
    started = time.perf_counter()
    last = 0
    done = 0
    written = 0
    with source.cursor() as reading, target.cursor() as writing:
        while True:
            page = reading.execute(select, (last, BATCH)).fetchall()
            if not page:
                break
            states = [loads(record[4]) for record in page]
            done += len(page)
            due = rows * done // events - written
            last = page[-1][0]
            with target.transaction():
                with writing.copy("COPY rows FROM STDIN") as copy:
                    for index in range(due):
                        copy.write_row(raw_row(states, page, index))
                writing.execute(track, (last,))
            written += due
    seconds = time.perf_counter() - started
    source.close()
    target.close()
    return {"seconds": seconds, "events": done, "rows": written}

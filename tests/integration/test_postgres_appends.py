"""PostgreSQL stores under a long append: the append returns, all or nothing, and queries
meanwhile neither wait for it nor run DDL; a schema with no store is not a store."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from psycopg import sql

from cli.session import Session
from domain.errors import StoreError
from projections.flows import FlowQuery
from store import log
from store.locations import parse_store
from store.log import open_application
from store.postgres import PostgresChainedRecorder
from tests.commands import REGIMES, invoked, regimes
from tests.conftest import POSTGRES_URL, _drop_schema, _postgres_or_skip
from tests.snapshots import snapshot

pytestmark = pytest.mark.postgres

GENERATE = Path(__file__).parent.parent.parent / "benchmarks" / "generate.py"


@pytest.fixture
def schema() -> Iterator[str]:
    """A private schema name, dropped afterwards whether or not anything created it."""
    _postgres_or_skip()
    name = f"regimes_test_{uuid.uuid4().hex[:12]}"
    yield name
    _drop_schema(name)


def _url(schema: str) -> str:
    return f"{POSTGRES_URL}?schema={schema}"


def _schema_exists(schema: str) -> bool:
    with psycopg.connect(POSTGRES_URL) as connection:
        return (
            connection.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone()
            is not None
        )


def _rows(url: str) -> dict[str, list[str]]:
    """Every row of every table of the store, in a stable order (rows of a table whose
    first column repeats come in any order from `snapshot`)."""
    tables = snapshot(url)
    assert isinstance(tables, dict)
    return {table: sorted(map(repr, rows)) for table, rows in tables.items()}


def _history(tmp_path: Path, records: int) -> list[str]:
    out = tmp_path / f"history-{records}.jsonl"
    subprocess.run(
        [
            sys.executable,
            str(GENERATE),
            "--records",
            str(records),
            "--seed",
            "7",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out.read_text().splitlines(keepends=True)


def test_a_query_on_a_schema_without_a_store_fails_and_creates_nothing(schema: str) -> None:
    url = _url(schema)
    done = regimes("--store", url, "as-of", "2025-06-01", "-e", "Dy")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"no store at {url}: create it with" in done.stderr
    assert "Traceback" not in done.stderr
    assert not _schema_exists(schema)
    # Writes still create it.
    assert regimes("--store", url, "init", "--empty").returncode == 0
    assert regimes("--store", url, "as-of", "2025-06-01", "-e", "Dy").returncode == 0


def test_queries_on_a_current_store_do_not_wait_for_a_writer_holding_the_log(
    schema: str, tmp_path: Path
) -> None:
    """A writer holds the events table's EXCLUSIVE lock (as an append does for its whole
    transaction): opening the store and answering must not wait for it, which they did
    while opening ran `CREATE ... IF NOT EXISTS` on that table."""
    url = _url(schema)
    history = tmp_path / "h.jsonl"
    history.write_text("".join(_history(tmp_path, 200)))
    invoked("--store", url, "append", str(history))
    with psycopg.connect(POSTGRES_URL) as writer:
        writer.execute(
            sql.SQL("LOCK TABLE {}.regimes_events IN EXCLUSIVE MODE").format(sql.Identifier(schema))
        )
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [REGIMES, "--store", url, "as-of", "2020-01-01", "-e", "Dy", "--format", "json"],
                capture_output=True,
                text=True,
                timeout=15,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("the query waited for the writer's lock")
        elapsed = time.perf_counter() - started
        writer.rollback()
    assert done.returncode == 0, done.stderr
    assert '"position": 200' in done.stdout
    assert elapsed < 10


def test_a_failure_in_the_last_chunk_of_an_append_leaves_the_store_as_it_was(
    schema: str, tmp_path: Path
) -> None:
    """A batch over several statements, the last of which breaks the log's key: none of its
    events, nor any chain link, is kept."""
    url = _url(schema)
    history = tmp_path / "h.jsonl"
    history.write_text("".join(_history(tmp_path, 50)))
    invoked("--store", url, "append", str(history))
    before = _rows(url)
    app = open_application(parse_store(url))
    try:
        recorder = app.recorder
        assert isinstance(recorder, PostgresChainedRecorder)
        [first] = recorder.select_notifications(start=1, limit=1)
        fresh = [
            StoredEvent(uuid.uuid4(), 1, first.topic, first.state)
            for _ in range(2 * recorder.CHUNK + 10)
        ]
        with pytest.raises(IntegrityError):
            recorder.insert_events(
                [
                    *fresh,
                    StoredEvent(
                        first.originator_id, first.originator_version, first.topic, first.state
                    ),
                ]
            )
    finally:
        app.close()
    assert _rows(url) == before


def _last_position(schema: str) -> int:
    with psycopg.connect(POSTGRES_URL) as connection:
        row = connection.execute(
            sql.SQL("SELECT max(notification_id) FROM {}.regimes_events").format(
                sql.Identifier(schema)
            )
        ).fetchone()
        return int(row[0]) if row and row[0] else 0


@pytest.mark.slow  # a load run: half a minute
def test_a_30k_append_completes_while_queries_answer_within_a_second(
    schema: str, tmp_path: Path
) -> None:
    """The append that hung past ~16k records, in the installed script. Queries opened in
    this process while it validates and writes (until its records are committed) answer from
    the log as it stood, each in under a second: opening runs no DDL on the events table the
    append holds, and reading waits for no writer.

    (A query that starts after the commit, before the appending process has brought the
    projections up to date, applies the new records itself: that is read-your-writes work,
    not waiting, and is not timed here.)
    """
    url = _url(schema)
    lines = _history(tmp_path, 31_000)
    first, batch = tmp_path / "first.jsonl", tmp_path / "batch.jsonl"
    first.write_text("".join(lines[:1000]))
    batch.write_text("".join(lines[1000:]))
    invoked("--store", url, "append", str(first))
    query = FlowQuery(("Dy",), "CN", None)
    latencies: list[float] = []
    append = subprocess.Popen(
        [REGIMES, "--store", url, "append", str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180  # a few times what it takes on a busy machine
    try:
        while (
            append.poll() is None and _last_position(schema) == 1000 and time.monotonic() < deadline
        ):
            started = time.perf_counter()
            session = Session(url)
            try:
                answer = session.reader().as_of(date(2020, 1, 1), query)
            except StoreError:
                if _last_position(schema) == 1000:
                    raise
                break  # it met the append's commit and the projections' update under way
            finally:
                session.close()
            if answer.position != 1000:
                break  # it started as the append committed, and applied its records
            latencies.append(time.perf_counter() - started)
        try:
            out, err = append.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pytest.fail("the append did not return")
    finally:
        if append.poll() is None:
            append.kill()
    assert append.returncode == 0, err
    assert "appended 30000 new records" in out + err
    assert len(latencies) >= 5
    slow = [round(seconds, 2) for seconds in latencies if seconds >= 1]
    assert not slow, f"queries took a second or more during the append: {slow}"
    app = open_application(parse_store(url))
    try:  # the chain runs on across the append's statements
        assert log.verify(app) == log.digest(app)
        assert app.last_position() == 31_000
    finally:
        app.close()


def test_a_stray_environment_variable_does_not_pass_a_new_store_for_a_complete_one(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library fills an application's settings from the process's environment: the
    check that lets the reader skip creating the view's tables is said either way."""
    from regimes.store import Store
    from store.locations import COMPLETE

    monkeypatch.setenv(COMPLETE, "true")
    # the library's own lookup tries the name with the application's before it
    monkeypatch.setenv(f"REGIMES_{COMPLETE}", "true")
    with Store(_url(schema)) as store:
        assert not store.location.complete(store.app(create=True).env)
        assert store.as_of("2025-06-01", elements=["Dy"]).known.position == 0
    with Store(_url(schema)) as store:  # now every table is there
        assert store.location.complete(store.app().env)


def test_a_complete_store_opens_on_one_catalog_read(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query on a store with every table reads the catalog once, on a connection of its
    own (whether the store is there); opening the log and the view reads it no more."""
    import store.locations as locations
    from regimes.store import Store

    with Store(_url(schema)) as store:
        store.load_history()
        store.reader()  # and the view's tables
    own = locations._postgres_connection
    opened: list[str] = []

    def counted(location: locations.Store) -> AbstractContextManager[psycopg.Connection]:
        opened.append(location.display)
        return own(location)

    monkeypatch.setattr(locations, "_postgres_connection", counted)
    with Store(_url(schema)) as store:
        answer = store.as_of("2025-12-01", elements=["Er"], exporter="CN", importer="JP")
        assert answer.flows[0].suspended  # No. 57, after the Busan truce
    assert len(opened) == 1

"""An append that runs out of disk: a one-line error saying so, and nothing written.

SQLite's `max_page_count` makes a store's file unable to grow past a number of pages; past it
SQLite fails with SQLITE_FULL, "database or disk is full", exactly as on a full disk. The
limit belongs to a connection, so each connection the command opens gets it as it is made.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool

from store.failures import is_disk_full as disk_full
from tests.commands import invoke, invoked
from tests.samples import imposed, jsonl
from tests.snapshots import snapshot


def _pages(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("PRAGMA page_count").fetchone()[0])


def test_an_append_that_fills_the_disk_says_so_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.db"
    first, batch = tmp_path / "first.jsonl", tmp_path / "batch.jsonl"
    first.write_bytes(jsonl(imposed("first-measure")))
    batch.write_bytes(jsonl(*[imposed(f"measure-{n}", title="x" * 200) for n in range(400)]))
    invoked("--store", str(store), "append", str(first))
    limit = _pages(store) + 2
    before = snapshot(str(store))

    create = SQLiteConnectionPool._create_connection

    def limited(pool: SQLiteConnectionPool) -> SQLiteConnection:
        connection = create(pool)
        connection.cursor().execute(f"PRAGMA max_page_count = {limit}")
        return connection

    monkeypatch.setattr(SQLiteConnectionPool, "_create_connection", limited)
    result = invoke("--store", str(store), "append", str(batch))

    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "disk holding the store is full" in line
    assert "nothing was written" in line
    assert "busy" not in line
    assert "try again" not in line
    assert snapshot(str(store)) == before


class _Cause(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("could not extend file")
        self.sqlstate = sqlstate


def test_postgresql_disk_full_is_recognised_by_its_sqlstate() -> None:
    """PostgreSQL's DiskFull (53100) behind the library's OperationalError; not a lock
    timeout (55P03), which is a busy store."""
    from eventsourcing.persistence import OperationalError

    def wrapped(sqlstate: str) -> OperationalError:
        try:
            raise OperationalError("could not extend file") from _Cause(sqlstate)
        except OperationalError as error:
            return error

    assert disk_full(wrapped("53100"))
    assert not disk_full(wrapped("55P03"))
    assert disk_full(OperationalError("could not write: No space left on device"))

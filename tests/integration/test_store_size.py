"""A replay leaves a SQLite store no larger than before it (issue 23): a new store is created
with incremental auto-vacuum, and the generation a replay drops goes back to the file system;
a store created before that is rewritten once by `regimes replay`, which says so."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.commands import invoke, invoked
from tests.integration.test_sharded_replay import mixed_history
from tests.samples import jsonl

#: Pages a fresh generation may take beyond the one it replaces: a bulk load fills its
#: pages a little differently each time (the shards' rows arrive in another order).
_SLACK_PAGES = 8


def pages(store: Path) -> tuple[int, int, int, int]:
    """The file's bytes (with its write-ahead log), its pages, free pages and auto-vacuum."""
    wal = store.with_name(store.name + "-wal")
    size = store.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    with closing(sqlite3.connect(store)) as connection:
        count, free, auto_vacuum = (
            int(connection.execute(f"PRAGMA {name}").fetchone()[0])
            for name in ("page_count", "freelist_count", "auto_vacuum")
        )
    return size, count, free, auto_vacuum


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("size") / "history.jsonl"
    path.write_bytes(jsonl(*mixed_history(400)))
    return path


def test_a_new_store_returns_the_space_each_replay_frees(tmp_path: Path, history: Path) -> None:
    store = tmp_path / "store.db"
    invoked("--store", str(store), "append", str(history))
    invoked("--store", str(store), "as-of", "2020-01-01")
    size, count, _, auto_vacuum = pages(store)
    assert auto_vacuum == 2  # incremental
    for jobs in ("1", "2"):  # loaded here, and by helper processes into scratch files
        result = invoked("--store", str(store), "replay", "--jobs", jobs)
        assert "compacting" not in result.stderr
        after, count_after, free_after, _ = pages(store)
        assert free_after == 0
        assert count_after <= count + _SLACK_PAGES
        assert after <= size + _SLACK_PAGES * 4096
    assert "Dy" in invoked("--store", str(store), "as-of", "2020-01-01").stdout


def test_a_store_created_before_is_compacted_once_by_replay(tmp_path: Path, history: Path) -> None:
    store = tmp_path / "old.db"
    with closing(sqlite3.connect(store)) as connection:  # as the library alone made it
        connection.execute("PRAGMA journal_mode = WAL").fetchall()
    invoked("--store", str(store), "append", str(history))
    _, count, _, auto_vacuum = pages(store)
    assert auto_vacuum == 0
    # A rebuild other than the command's keeps the freed pages for the next one to reuse.
    invoked("--store", str(store), "verify")
    assert pages(store)[2] > 0
    result = invoked("--store", str(store), "replay")
    assert "compacting the store once" in result.stderr
    _, count_after, free_after, auto_vacuum = pages(store)
    assert (auto_vacuum, free_after) == (2, 0)
    assert count_after <= count + _SLACK_PAGES
    result = invoked("--store", str(store), "replay")
    assert "compacting" not in result.stderr
    assert pages(store)[1] <= count + _SLACK_PAGES
    assert invoked("--store", str(store), "verify").exit_code == 0


def test_a_failed_replay_returns_the_space_of_its_fresh_generation(
    tmp_path: Path, history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.db"
    invoked("--store", str(store), "append", str(history))
    _, count, _, _ = pages(store)

    def fail(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("the switch failed")

    monkeypatch.setattr("projections.view.BitemporalView.switch_to", fail)
    result = invoke("--store", str(store), "replay")
    assert result.exit_code == 1
    assert "the previous projections are kept" in result.stderr
    _, count_after, free_after, _ = pages(store)
    assert free_after == 0
    assert count_after <= count + _SLACK_PAGES

"""Crash safety, a verifiable log and store health.

Kills use SIGKILL on a real `regimes` process at many moments; the stores they leave are
then checked through the CLI in this process, as are the other cases. Tampering uses
sqlite3 on the store file, as an adversary would.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.commands import REGIMES, invoke, regimes
from tests.samples import follow_up, imposed, jsonl

BATCH = 1000
KILLS = 10


def log_count(store: Path) -> int:
    with sqlite3.connect(store) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batches") / "big.jsonl"
    records = [imposed(f"big-{index}", items=["Ga"], destinations=["JP"]) for index in range(BATCH)]
    path.write_bytes(jsonl(*records))
    return path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the bundled history and its view built, to copy for each test."""
    store = tmp_path_factory.mktemp("seed") / "seed.db"
    assert invoke("--store", str(store), "init").exit_code == 0
    assert invoke("--store", str(store), "as-of", "2026-01-01").exit_code == 0
    return store


def copy_of(seeded: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "store.db"
    shutil.copy(seeded, store)
    return store


def _kill_append_after(delay: float, store: Path, batch: Path) -> int:
    process = subprocess.Popen(
        [REGIMES, "--store", str(store), "append", str(batch)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return log_count(store)


def _timed_append(store: Path, batch: Path) -> float:
    started = time.perf_counter()
    assert regimes("--store", str(store), "append", str(batch)).returncode == 0
    return time.perf_counter() - started


def _timed_pair(seeded: Path, batch: Path, folder: Path) -> list[float]:
    """How long an uninterrupted append takes with another running beside it, as below."""
    stores = [copy_of(seeded, folder / f"timed-{index}") for index in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_timed_append, stores, [batch] * 2))


def test_an_append_killed_at_any_moment_leaves_all_of_its_batch_or_none(
    seeded: Path, big_batch: Path, tmp_path: Path
) -> None:
    before = log_count(seeded)
    whole = max(_timed_pair(seeded, big_batch, tmp_path))
    # Most kill points fall from the middle on, where the batch is read, written, then
    # projected; two fall early, while the process starts.
    points = [whole * 0.1, whole * 0.25] + [
        whole * (0.4 + 0.6 * index / (KILLS - 3)) for index in range(KILLS - 2)
    ]
    stores = [copy_of(seeded, tmp_path / f"kill-{index}") for index in range(len(points))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(_kill_append_after, points, stores, [big_batch] * len(stores)))
    print("kill outcomes:", [count - before for count in counts])
    assert all(count in (before, before + BATCH) for count in counts), counts
    for store in stores[:: max(1, len(stores) // 5)]:
        answer = invoke(
            "--store",
            str(store),
            "as-of",
            "2025-06-01",
            "-e",
            "Ga",
            "--from",
            "CN",
            "--to",
            "JP",
            "--format",
            "json",
        )
        assert answer.exit_code == 0, answer.stderr
        assert json.loads(answer.stdout)["position"] == log_count(store)
        verified = invoke("--store", str(store), "verify")
        assert verified.exit_code == 0, verified.stderr


def test_a_replay_killed_midway_leaves_the_previous_view_answering(
    seeded: Path, big_batch: Path, tmp_path: Path
) -> None:
    store = copy_of(seeded, tmp_path)
    assert invoke("--store", str(store), "append", str(big_batch)).exit_code == 0
    question = (
        "--store",
        str(store),
        "as-of",
        "2025-06-01",
        "-e",
        "Ga",
        "--from",
        "CN",
        "--to",
        "JP",
        "--format",
        "json",
    )
    expected = invoke(*question)
    assert expected.exit_code == 0
    interrupted = 0
    for delay in (0.3, 0.5, 0.7, 0.9):
        process = subprocess.Popen(
            [REGIMES, "--store", str(store), "replay"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        interrupted += process.wait(timeout=60) == -signal.SIGKILL  # not done by then
        again = invoke(*question)
        assert again.exit_code == 0, again.stderr
        assert json.loads(again.stdout) == json.loads(expected.stdout)
    assert interrupted, "every replay was over before it was killed"
    assert invoke("--store", str(store), "replay", "--verify").exit_code == 0


def test_replay_restores_a_deleted_or_corrupted_view(seeded: Path, tmp_path: Path) -> None:
    store = copy_of(seeded, tmp_path)
    question = (
        "--store",
        str(store),
        "as-of",
        "2026-01-08",
        "-e",
        "Dy",
        "--from",
        "CN",
        "--to",
        "JP",
        "--format",
        "json",
    )
    expected = json.loads(invoke(*question).stdout)
    with sqlite3.connect(store) as connection:
        live = connection.execute("SELECT value FROM view_meta WHERE key = 'live'").fetchone()[0]
        connection.execute(f"DELETE FROM scope_flows_{live} WHERE item = 'Dy'")
    assert invoke("--store", str(store), "replay", "--verify").exit_code == 1
    assert invoke("--store", str(store), "replay").exit_code == 0
    assert json.loads(invoke(*question).stdout) == expected
    with sqlite3.connect(store) as connection:
        live = connection.execute("SELECT value FROM view_meta WHERE key = 'live'").fetchone()[0]
        connection.execute(f"DROP TABLE regime_segments_{live}")
    broken = invoke(*question)
    assert broken.exit_code == 1
    assert "regimes replay" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert invoke("--store", str(store), "replay").exit_code == 0
    assert json.loads(invoke(*question).stdout) == expected


def _view_position(store: Path) -> int:
    with sqlite3.connect(store) as connection:
        live = connection.execute("SELECT value FROM view_meta WHERE key = 'live'").fetchone()[0]
        (position,) = connection.execute(
            "SELECT MAX(notification_id) FROM tracking WHERE application_name = ?",
            (f"regimes.view-{live}",),
        ).fetchone()
        return int(position or 0)


def test_append_leaves_the_projections_up_to_date_for_the_next_query(
    seeded: Path, big_batch: Path, tmp_path: Path
) -> None:
    store = copy_of(seeded, tmp_path)
    before = _view_position(store)
    assert invoke("--store", str(store), "append", str(big_batch)).exit_code == 0
    assert log_count(store) == before + BATCH
    assert _view_position(store) == log_count(store)
    answer = invoke(
        "--store",
        str(store),
        "as-of",
        "2025-06-01",
        "-e",
        "Ga",
        "--from",
        "CN",
        "--to",
        "JP",
        "--format",
        "json",
    )
    assert json.loads(answer.stdout)["position"] == log_count(store)


def test_an_append_whose_projections_cannot_be_updated_still_succeeds(
    seeded: Path, big_batch: Path, tmp_path: Path
) -> None:
    store = copy_of(seeded, tmp_path)
    logged = log_count(store)
    with sqlite3.connect(store) as connection:
        live = connection.execute("SELECT value FROM view_meta WHERE key = 'live'").fetchone()[0]
        connection.execute(f"DROP TABLE regime_segments_{live}")
    appended = invoke("--store", str(store), "append", str(big_batch))
    assert appended.exit_code == 0, appended.stderr
    assert "appended 1000 new records" in appended.stderr
    assert "projections were not updated" in appended.stderr
    assert "Traceback" not in appended.stderr
    assert log_count(store) == logged + BATCH
    assert invoke("--store", str(store), "replay").exit_code == 0
    assert _view_position(store) == log_count(store)


# -- the verifiable log ----------------------------------------------------------------------


def _tamper(store: Path, *statements: str) -> None:
    with sqlite3.connect(store) as connection:
        for statement in statements:
            connection.execute(statement)


TAMPERING = {
    "edited-payload": (
        [
            "UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT), "
            "'Announcement No. 18', 'Announcement No. 81') AS BLOB) "
            "WHERE rowid = (SELECT rowid FROM stored_events WHERE "
            "CAST(state AS TEXT) LIKE '%Announcement No. 18 of 2025%' LIMIT 1)"
        ],
        None,
    ),
    "deleted-row": (["DELETE FROM stored_events WHERE rowid = 17"], 17),
    "swapped-rows": (
        [
            "UPDATE stored_events SET rowid = -1 WHERE rowid = 20",
            "UPDATE stored_events SET rowid = 20 WHERE rowid = 21",
            "UPDATE stored_events SET rowid = 21 WHERE rowid = -1",
        ],
        20,
    ),
    "inserted-row": (
        [
            "INSERT INTO stored_events (rowid, originator_id, originator_version, "
            "topic, state) SELECT 1000, originator_id, 99, topic, state "
            "FROM stored_events WHERE rowid = 3"
        ],
        1000,
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING), ids=list(TAMPERING))
def test_verify_names_the_first_position_where_the_log_was_altered(
    seeded: Path, tmp_path: Path, case: str
) -> None:
    store = copy_of(seeded, tmp_path)
    assert invoke("--store", str(store), "verify").exit_code == 0
    statements, position = TAMPERING[case]
    _tamper(store, *statements)
    result = invoke("--store", str(store), "verify")
    assert result.exit_code == 1
    assert "the log was altered at position" in result.stderr
    if position is not None:
        assert f"position {position}:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_digest_cited_earlier_still_verifies_while_the_log_grows(
    seeded: Path, tmp_path: Path
) -> None:
    store = copy_of(seeded, tmp_path)
    cited = invoke("--store", str(store), "digest").stdout.strip()
    assert (
        invoke("--store", str(store), "append", "-", stdin=jsonl(imposed("later-one"))).exit_code
        == 0
    )
    assert invoke("--store", str(store), "digest").stdout.strip() != cited
    assert invoke("--store", str(store), "verify", "--digest", cited).exit_code == 0
    forged = ("f" * 64) + "@" + cited.split("@")[1]
    result = invoke("--store", str(store), "verify", "--digest", forged)
    assert result.exit_code == 1
    assert "does not extend" in result.stderr
    assert "altered" not in result.stderr
    answer = json.loads(
        invoke("--store", str(store), "as-of", "2026-01-01", "--format", "json").stdout
    )
    assert answer["digest"] == invoke("--store", str(store), "digest").stdout.strip()


# -- store health ----------------------------------------------------------------------------


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[Path]:
    """A store file even root cannot write (chattr +i), removed afterwards."""
    store = tmp_path / "frozen.db"
    assert invoke("--store", str(store), "init", "--empty").exit_code == 0
    made = subprocess.run(["chattr", "+i", str(store)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot make a read-only file here: {made.stderr.decode().strip()}")
    yield store
    subprocess.run(["chattr", "-i", str(store)], check=False)


def test_a_read_only_store_is_explained_in_one_line(immutable: Path) -> None:
    result = invoke("--store", str(immutable), "as-of", "2026-01-01")
    assert result.exit_code == 1
    assert "read-only" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "notes.db"
    store.write_text("my notes\n")
    result = invoke("--store", str(store), "append", "-", stdin=jsonl(imposed()))
    assert result.exit_code == 1
    assert "not a regimes store" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert store.read_text() == "my notes\n"


def test_another_applications_database_is_left_alone(tmp_path: Path) -> None:
    store = tmp_path / "crm.db"
    with sqlite3.connect(store) as connection:
        connection.execute("CREATE TABLE customers (name TEXT)")
    before = store.read_bytes()
    result = invoke("--store", str(store), "as-of", "2026-01-01")
    assert result.exit_code == 1
    assert "not a regimes store" in result.stderr
    assert "Traceback" not in result.stderr
    assert store.read_bytes() == before


def test_queries_answer_while_another_process_holds_the_write_lock(
    seeded: Path, tmp_path: Path
) -> None:
    """Readers are never failed by a writer (docs/stores.md §5): opening a store with its
    tables writes nothing. Every opening ran the library's `CREATE TABLE IF NOT EXISTS`, a
    write that failed at once ("database is locked") while an append or a replay wrote."""
    store = copy_of(seeded, tmp_path)
    writer = sqlite3.connect(store, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # as an append holds it while it writes
        for args in (
            ["digest"],
            ["as-of", "2026-01-08", "-e", "Dy", "--from", "CN", "--to", "JP", "--format", "json"],
            ["search", "No. 70"],
            ["log", "--since", "280"],
            ["show", "No. 70 of 2025"],
        ):
            started = time.monotonic()
            done = regimes("--store", str(store), *args)
            assert done.returncode == 0, (args, done.stderr)
            assert done.stderr == "", (args, done.stderr)
            assert time.monotonic() - started < 10, args  # not a wait for the lock
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_query_right_after_init_answers_while_another_process_writes(tmp_path: Path) -> None:
    """`init` builds the projections too: the first query has no table to create, which it
    could not while another process holds the write lock."""
    store = tmp_path / "store.db"
    assert invoke("--store", str(store), "init").exit_code == 0
    writer = sqlite3.connect(store, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        done = regimes("--store", str(store), "as-of", "2026-01-08", "-e", "Dy", "--to", "JP")
        assert done.returncode == 0, done.stderr
        assert "end_user_ban" in done.stdout
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_store_being_set_up_while_another_process_writes_is_busy_at_once(
    tmp_path: Path,
) -> None:
    """A store that still lacks tables cannot be set up while another process holds the
    write lock: the command says the store is busy within a lock timeout, not after six
    (two minutes), and never with a traceback."""
    store = tmp_path / "store.db"
    with sqlite3.connect(store) as connection:  # the log's table alone, as a store being made
        connection.execute(
            "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
    writer = sqlite3.connect(store, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        done = regimes("--store", str(store), "as-of", "2026-01-08", "-e", "Dy")
        assert done.returncode == 1, done.stderr
        assert "the store is busy" in done.stderr
        assert "Traceback" not in done.stderr
        assert time.monotonic() - started < 30
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_an_empty_file_or_database_is_no_store_to_ask(tmp_path: Path) -> None:
    """A query on a zero-byte file, or on a SQLite database without the log, says there is
    no store there and leaves the file as it was: it made it a store and answered "none"."""
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.db"
    with sqlite3.connect(blank) as connection:
        connection.execute("PRAGMA user_version = 7")
    before = blank.read_bytes()
    for store in (empty, blank):
        result = invoke("--store", str(store), "as-of", "2026-01-08", "-e", "Dy")
        assert result.exit_code == 1
        assert f"no store at {store}" in result.stderr
        assert invoke("--store", str(store), "digest").exit_code == 1
    assert empty.read_bytes() == b""
    assert blank.read_bytes() == before
    # creating a store there stays possible
    assert invoke("--store", str(empty), "init", "--empty").exit_code == 0
    assert invoke("--store", str(empty), "digest").exit_code == 0


def test_a_store_from_a_newer_regimes_is_refused(seeded: Path, tmp_path: Path) -> None:
    store = copy_of(seeded, tmp_path)
    _tamper(store, "UPDATE regimes_meta SET value = '99' WHERE key = 'schema'")
    result = invoke("--store", str(store), "log")
    assert result.exit_code == 1
    assert "newer version of regimes" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_conflicting_lifts_in_one_batch_are_refused_whole(seeded: Path, tmp_path: Path) -> None:
    store = copy_of(seeded, tmp_path)
    before = store.read_bytes()
    result = invoke(
        "--store",
        str(store),
        "append",
        "-",
        stdin=jsonl(
            follow_up("measure_lifted", "cn-mofcom-2025-18", effective_on="2026-02-01"),
            follow_up("measure_lifted", "cn-mofcom-2025-18", effective_on="2026-03-01"),
        ),
    )
    assert result.exit_code == 1
    assert "line 2: measure:" in result.stderr
    assert store.read_bytes() == before

"""Replays, verification and `show` when something is wrong around them: a hostile package in
the working directory, a full disk, tampered projections, odd things beside the store.

A full disk is SQLite's own SQLITE_FULL, raised by `PRAGMA max_page_count` on the
projections' connections to the store file (the pragma holds per connection, so these
commands run in this process). Tampering uses sqlite3 or psycopg on the store, as an
adversary would.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.sqlite import SQLiteCursor

from domain.application import Regimes
from domain.errors import RegimesError
from projections.backends import SQLiteViewStore
from projections.flows import FlowQuery
from projections.queries import RegimeReader
from projections.replay import replay
from projections.shards import SHARDED_FROM, cores
from regimes.bundled import bundled_batch
from tests.commands import REGIMES, invoke
from tests.conftest import StoreFactory
from tests.integration.test_reliability import BATCH, big_batch, copy_of, seeded
from tests.integration.test_sharded_replay import mixed_history
from tests.samples import RECORDED_AT, batch

__all__ = ["big_batch", "seeded"]  # fixtures shared with the reliability suite

DY_CN_JP = ("as-of", "2026-01-08", "-e", "Dy", "--from", "CN", "--to", "JP", "--format", "json")


def live_generation(store: Path) -> str:
    with sqlite3.connect(store) as connection:
        return str(
            connection.execute("SELECT value FROM view_meta WHERE key = 'live'").fetchone()[0]
        )


def tables(store: Path) -> set[str]:
    with sqlite3.connect(store) as connection:
        return {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }


def scratch_folders(store: Path) -> list[Path]:
    return [path for path in store.parent.iterdir() if "scratch" in path.name]


def one_line_error(result: Any) -> str:
    """The one line a failed command printed, checked to be one line without a traceback."""
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return str(lines[0])


# -- the working directory -------------------------------------------------------------------

HOSTILE = (
    "import pathlib\n"
    "pathlib.Path(__file__).resolve().parent.parent.joinpath('PWNED').write_text("
    "__name__)\n"
)


def hostile_folder(tmp_path: Path, packages: tuple[str, ...] = ("projections",)) -> Path:
    """A working directory holding packages (by default `projections`) that leave a mark,
    PWNED, beside themselves when imported."""
    work = tmp_path / "work"
    for package in packages:
        (work / package).mkdir(parents=True)
        for module in ("__init__.py", "replay.py", "shards.py", "spawn.py", "process.py"):
            (work / package / module).write_text(HOSTILE)
    return work


def test_replay_helpers_never_import_from_the_working_directory(
    sqlite_app: Regimes, sqlite_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    sqlite_app.append(batch(*mixed_history(300)), RECORDED_AT)
    work = hostile_folder(tmp_path)
    monkeypatch.chdir(work)  # where the helpers start
    reader = RegimeReader(sqlite_app)
    try:
        assert replay(sqlite_app, reader.view, shards=2, verify=True).verified is True
    finally:
        reader.close()
    assert not (work / "PWNED").exists()


def test_replay_helpers_start_without_the_working_directory_on_their_import_path(
    sqlite_app: Regimes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Helpers start as fresh interpreters in the working directory: not even the modules
    they import to start (`multiprocessing`, `concurrent`) come from there."""
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    sqlite_app.append(batch(*mixed_history(300)), RECORDED_AT)
    packages = ("multiprocessing", "concurrent", "projections", "store", "domain")
    work = hostile_folder(tmp_path, packages)
    monkeypatch.chdir(work)
    reader = RegimeReader(sqlite_app)
    try:
        assert replay(sqlite_app, reader.view, shards=2, verify=True).verified is True
    finally:
        reader.close()
    assert not (work / "PWNED").exists()


@pytest.mark.slow
def test_a_projections_package_in_the_working_directory_never_runs(tmp_path: Path) -> None:
    """A large append (rebuilt by a sharded replay), `verify` and `replay` run by the
    installed script in a folder holding a hostile `projections` package."""
    if cores() < 2:
        pytest.skip("one core: replays load in one process, no helper starts")
    from benchmarks.generate import generate

    work = hostile_folder(tmp_path)
    history = tmp_path / "history.jsonl"
    generate(SHARDED_FROM, 1, history)
    store = tmp_path / "store.db"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [REGIMES, "--store", str(store), *args],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "not updated" not in done.stderr
        return done

    run("append", str(history))
    assert live_generation(store) == "b"  # the append's records were loaded by a replay
    run("verify")
    run("replay")
    assert live_generation(store) == "b"  # verify and replay switched once each
    assert not (work / "PWNED").exists()


# -- a full disk -----------------------------------------------------------------------------

#: Makes the projections' connections opened from then on unable to grow the store file.
FillDisk = Callable[[], None]


@pytest.fixture
def fill_disk(monkeypatch: pytest.MonkeyPatch) -> FillDisk:
    def fill() -> None:
        original = SQLiteViewStore.tune

        def capped(store: SQLiteViewStore, cursor: SQLiteCursor) -> None:
            original(store, cursor)
            cursor.execute("PRAGMA page_count")
            cursor.execute(f"PRAGMA max_page_count = {cursor.fetchone()[0]}")

        monkeypatch.setattr(SQLiteViewStore, "tune", capped)

    return fill


@pytest.mark.parametrize("command", ["replay", "verify"])
def test_replay_and_verify_on_a_full_disk_say_so_and_keep_the_view(
    seeded: Path, tmp_path: Path, fill_disk: FillDisk, command: str
) -> None:
    store = copy_of(seeded, tmp_path)
    expected = json.loads(invoke("--store", str(store), *DY_CN_JP).stdout)
    live, before = live_generation(store), tables(store)
    fill_disk()
    line = one_line_error(invoke("--store", str(store), command))
    assert "disk holding the store is full" in line
    assert "previous projections are kept" in line
    assert live_generation(store) == live
    assert tables(store) == before  # the fresh generation's tables are gone again
    answer = invoke("--store", str(store), *DY_CN_JP)
    assert answer.exit_code == 0, answer.stderr
    assert json.loads(answer.stdout) == expected
    assert answer.stderr == ""


def test_a_query_on_a_full_disk_answers_from_the_view_and_says_why(
    seeded: Path, tmp_path: Path, big_batch: Path, fill_disk: FillDisk
) -> None:
    store = copy_of(seeded, tmp_path)
    expected = json.loads(invoke("--store", str(store), *DY_CN_JP).stdout)
    fill_disk()
    appended = invoke("--store", str(store), "append", str(big_batch))
    assert appended.exit_code == 0, appended.stderr
    assert "projections were not updated" in appended.stderr
    answer = invoke("--store", str(store), *DY_CN_JP)
    assert answer.exit_code == 0, answer.stderr
    assert json.loads(answer.stdout)["position"] == expected["position"]
    assert json.loads(answer.stdout)["flows"] == expected["flows"]
    assert "disk holding the store is full" in answer.stderr
    assert f"position {expected['position']} of {expected['position'] + BATCH}" in answer.stderr
    assert "another process" not in answer.stderr
    assert "Traceback" not in answer.stderr


def test_a_sharded_replay_on_a_full_disk_leaves_no_scratch_files(
    sqlite_app: Regimes, sqlite_path: Path, fill_disk: FillDisk
) -> None:
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    sqlite_app.append(batch(*mixed_history(800)), RECORDED_AT)
    query = FlowQuery(("Dy",), "CN", "JP")
    built = RegimeReader(sqlite_app)
    expected = built.as_of(RECORDED_AT.date(), query).to_json()
    built.close()
    fill_disk()
    reader = RegimeReader(sqlite_app)
    try:
        with pytest.raises(RegimesError, match="disk holding the store is full"):
            replay(sqlite_app, reader.view, shards=2)
        assert reader.as_of(RECORDED_AT.date(), query).to_json() == expected
    finally:
        reader.close()
    assert not scratch_folders(sqlite_path)


# -- tampered projections --------------------------------------------------------------------

TAMPERING = {
    "log-position-edited": (
        "log positions",
        [
            "UPDATE log_positions_{live} SET recorded_at = '2001-01-01T00:00:00.000000Z' "
            "WHERE position = 5"
        ],
    ),
    "log-position-deleted": (
        "log positions",
        ["DELETE FROM log_positions_{live} WHERE position = 7"],
    ),
    "summary-edited": (
        "measure summaries",
        ["UPDATE measure_states_{live} SET summary = REPLACE(summary, 'No. 18', 'No. 81')"],
    ),
    "tracking-behind": (
        "tracking",
        [
            "UPDATE tracking SET notification_id = notification_id - 3 "
            "WHERE application_name = 'regimes.view-{live}'"
        ],
    ),
    "tracking-ahead": (
        "tracking",
        [
            "UPDATE tracking SET notification_id = notification_id + 1000 "
            "WHERE application_name = 'regimes.view-{live}'"
        ],
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING), ids=list(TAMPERING))
def test_verify_names_the_projection_table_that_was_tampered_with(
    seeded: Path, tmp_path: Path, case: str
) -> None:
    store = copy_of(seeded, tmp_path)
    table, statements = TAMPERING[case]
    live = live_generation(store)
    with sqlite3.connect(store) as connection:
        for statement in statements:
            assert connection.execute(statement.format(live=live)).rowcount > 0
    line = one_line_error(invoke("--store", str(store), "verify"))
    assert f"{table}:" in line
    assert "regimes replay" in line
    assert live_generation(store) == live  # the evidence is kept until the user rebuilds
    assert invoke("--store", str(store), "replay").exit_code == 0
    assert invoke("--store", str(store), "verify").exit_code == 0


def test_show_on_projections_missing_a_log_position_says_they_are_damaged(
    seeded: Path, tmp_path: Path
) -> None:
    store = copy_of(seeded, tmp_path)
    live = live_generation(store)
    for slug in ("cn-mofcom-2025-18", "cn-mofcom-2025-57"):
        with sqlite3.connect(store) as connection:
            connection.execute(
                f"DELETE FROM log_positions_{live} WHERE position = (SELECT MIN(position) "
                f"FROM log_positions_{live} WHERE subject = ?)",
                (f"measure:{slug}",),
            )
        line = one_line_error(invoke("--store", str(store), "show", slug))
        assert "damaged" in line
        assert "regimes replay" in line
    assert invoke("--store", str(store), "replay").exit_code == 0
    assert invoke("--store", str(store), "show", "cn-mofcom-2025-18").exit_code == 0


@pytest.mark.postgres
@pytest.mark.parametrize("new_store", ["postgresql"], indirect=True)
def test_verify_on_postgresql_names_a_tampered_log_position(new_store: StoreFactory) -> None:
    import psycopg
    from psycopg import sql

    from tests.conftest import POSTGRES_URL

    store = new_store()
    assert invoke("--store", store, "init").exit_code == 0
    assert invoke("--store", store, "verify").exit_code == 0
    schema = store.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        live = connection.execute(
            sql.SQL("SELECT value FROM {}.view_meta WHERE key = 'live'").format(
                sql.Identifier(schema)
            )
        ).fetchone()
        assert live is not None
        connection.execute(
            sql.SQL("UPDATE {}.{} SET subject = 'measure:nothing' WHERE position = 3").format(
                sql.Identifier(schema), sql.Identifier(f"log_positions_{live[0]}")
            )
        )
    line = one_line_error(invoke("--store", store, "verify"))
    assert "log positions:" in line
    assert invoke("--store", store, "replay").exit_code == 0
    assert invoke("--store", store, "verify").exit_code == 0


# -- beside the store ------------------------------------------------------------------------


def test_what_a_user_keeps_beside_the_store_is_left_alone_by_a_sharded_replay(
    sqlite_app: Regimes, sqlite_path: Path
) -> None:
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    sqlite_app.append(batch(*mixed_history(300)), RECORDED_AT)
    folder = sqlite_path.parent
    plain_file = Path(f"{sqlite_path}.replay")
    plain_file.write_text("my notes\n")
    # Folders with the scratch name of this store, but not made by a replay of it: one
    # without the mark a replay writes first, one holding a file no helper writes.
    unmarked = folder / f"{sqlite_path.name}.regimes-replay-scratch-mine"
    unmarked.mkdir()
    (unmarked / "1.sqlite").write_text("kept\n")
    reader = RegimeReader(sqlite_app)
    try:
        assert replay(sqlite_app, reader.view, shards=2).verified is None
        plain_file.unlink()
        user_folder = Path(f"{sqlite_path}.replay")
        user_folder.mkdir()
        (user_folder / "thesis.txt").write_text("chapter 1\n")
        assert replay(sqlite_app, reader.view, shards=3, verify=True).verified is True
    finally:
        reader.close()
    assert (user_folder / "thesis.txt").read_text() == "chapter 1\n"
    assert (unmarked / "1.sqlite").read_text() == "kept\n"
    assert sorted(scratch_folders(sqlite_path)) == [unmarked]


def test_an_empty_store_replays_and_verifies(tmp_path: Path) -> None:
    """A generation of nothing is complete: the switch's check lets it go live."""
    store = str(tmp_path / "empty.db")
    assert invoke("--store", store, "init", "--empty").exit_code == 0
    replayed = invoke("--store", store, "replay")
    assert replayed.exit_code == 0, replayed.stderr
    verified = invoke("--store", store, "verify")
    assert verified.exit_code == 0, verified.stderr

"""Replays of one store started together run one after the other: never a traceback, and
never a partial view made live. After each round every answer equals the pure fold.

The replays run in real processes; the store is set up and judged in this process.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from domain.application import Regimes
from projections.flows import FlowQuery
from regimes.bundled import bundled_batch
from tests.commands import REGIMES, invoked
from tests.conftest import StoreFactory
from tests.integration.test_sharded_replay import mixed_history
from tests.properties.test_view_matches_fold import folded, logged_events, opened
from tests.samples import RECORDED_AT, batch

#: A replay in a process of its own through the library, so that it can be made to shard
#: a small log; it fails as the CLI does, in one line.
REPLAY = """
import sys
from store.log import open_application
from domain.errors import RegimesError
from store.locations import parse_store
from projections.queries import RegimeReader
from projections.replay import replay

app = open_application(parse_store(sys.argv[1]))
reader = RegimeReader(app)
try:
    replay(app, reader.view, shards=int(sys.argv[2]))
except RegimesError as error:
    sys.exit(f"regimes: {error}")
finally:
    reader.close()
    app.close()
"""

QUESTIONS = [
    (day, FlowQuery(items, exporter, importer))
    for day in (date(2011, 6, 1), date(2020, 1, 1), date(2026, 1, 8))
    for items, exporter, importer in (
        (("Dy",), "CN", "JP"),
        ((), None, "JP"),
        (("Ga", "graphite"), "CN", None),
    )
]


def fold_answers(store: str) -> list[list[dict[str, object]]]:
    """What the pure fold answers to each question, from the store's log."""
    with opened(store) as (app, _):
        log = logged_events(app)
    return [folded(log, day, query) for day, query in QUESTIONS]


def assert_whole_view_answers_as_the_fold(store: str, expected: Sequence[object]) -> None:
    """The live generation is tracked at the log's end, lists every event once, and answers
    every question as the fold does."""
    with opened(store) as (app, reader):
        generation, tracked = reader.view.standing()
        last = app.last_position()
        with reader.view.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) AS listed FROM {reader.view.sql(generation).log}")
            listed = c.fetchone()["listed"]
        assert (tracked, listed) == (last, last)
        answers = [reader.as_of(day, query).to_json()["flows"] for day, query in QUESTIONS]
    assert answers == expected


#: The one-line refusals a replay may end with when others run: another replay kept the
#: lock too long, or (opening the store, before any replay starts) SQLite stayed locked
#: through every retry while the others committed.
REFUSALS = ("another replay of this store", "database is locked")


def assert_ran_or_waited(processes: Sequence[subprocess.Popen[str]]) -> None:
    """Each replay finished, or said in one line why it did not start."""
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert "Traceback" not in err, err
        if process.returncode != 0:
            assert process.returncode == 1, err
            assert len(err.strip().splitlines()) == 1, err
            assert any(refusal in err for refusal in REFUSALS), err
            print("refused:", err.strip())  # how often, in the test's output


def started_together(commands: Sequence[list[str]], delay: float) -> list[subprocess.Popen[str]]:
    """Starts the commands `delay` seconds apart."""
    processes = []
    for index, command in enumerate(commands):
        if index:
            time.sleep(delay)
        processes.append(
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    return processes


def test_two_sharded_replays_started_together_run_one_after_the_other(
    sqlite_app: Regimes, sqlite_path: Path
) -> None:
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    sqlite_app.append(batch(*mixed_history(800)), RECORDED_AT)
    store = str(sqlite_path)
    expected = fold_answers(store)
    command = [sys.executable, "-c", REPLAY, store, "2"]
    for delay in (0.0, 0.3):
        assert_ran_or_waited(started_together([command, command], delay))
        assert_whole_view_answers_as_the_fold(store, expected)
    assert not list(sqlite_path.parent.glob("*scratch*"))


@pytest.mark.postgres
@pytest.mark.parametrize("new_store", ["postgresql"], indirect=True)
def test_two_replays_of_one_postgresql_store_run_one_after_the_other(
    new_store: StoreFactory,
) -> None:
    store = new_store()
    invoked("--store", store, "init")
    with opened(store) as (app, _):
        app.append(batch(*mixed_history(300)), RECORDED_AT)
    expected = fold_answers(store)
    command = [REGIMES, "--store", store, "replay"]
    # One timing: a process on PostgreSQL takes most of a second to start, which spreads
    # the two over the first one's replay anyway.
    assert_ran_or_waited(started_together([command, command], 0.2))
    assert_whole_view_answers_as_the_fold(store, expected)


# -- the full run: 30k records, two then four replays at ten timings each ---------------------

TIMINGS = 10


@pytest.fixture(scope="module")
def store_30k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from benchmarks.generate import generate

    folder = tmp_path_factory.mktemp("store-30k")
    history = folder / "h30k.jsonl"
    generate(30_000, 1, history)
    store = folder / "store.db"
    invoked("--store", str(store), "init", "--empty")
    done = subprocess.run(
        [REGIMES, "--store", str(store), "append", str(history)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return store


@pytest.mark.slow
@pytest.mark.parametrize("replays", [2, 4])
def test_concurrent_replays_of_a_30k_store_never_leave_a_partial_view(
    store_30k: Path, tmp_path: Path, replays: int
) -> None:
    store = tmp_path / "store.db"
    shutil.copy(store_30k, store)
    expected = fold_answers(str(store))
    command = [REGIMES, "--store", str(store), "replay"]
    started = time.perf_counter()
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0
    alone = time.perf_counter() - started
    for timing in range(TIMINGS):
        # From all at once to a little past the moment the first one switches.
        gap = alone * 1.1 * timing / (TIMINGS - 1) / (replays - 1)
        assert_ran_or_waited(started_together([command] * replays, gap))
        assert_whole_view_answers_as_the_fold(str(store), expected)
    with sqlite3.connect(store) as connection:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert len({name for name in tables if name.startswith("regime_segments_")}) == 1
    assert not list(tmp_path.glob("*scratch*"))


def test_a_catch_up_never_writes_into_a_generation_a_replay_switched_away_from(
    sqlite_app: Regimes,
) -> None:
    """A reader that read the live generation before a replay switched, writing once the
    next replay has loaded that generation afresh, is refused: it would have put its rows
    and tracking into the replay's fresh tables."""
    from projections.replay import replay
    from projections.view import GenerationMoved

    sqlite_app.append(bundled_batch(), RECORDED_AT)
    with opened(str(sqlite_app.env["SQLITE_DBNAME"])) as (_, reader):
        stale, _ = reader.view.standing()
        replay(sqlite_app, reader.view)
        reader.view.reset_generation(stale)  # as the next replay starts, and has loaded
        reader.view.index_generation(stale)  # it, about to switch
        with pytest.raises(GenerationMoved):
            reader.view.apply(stale, [], [], sqlite_app.last_position())
        assert reader.view.standing(stale) == (stale, 0)

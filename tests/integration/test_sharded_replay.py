"""Replay split over helper processes loads exactly what one process (and catch-up) builds."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import regimes
from domain.application import Regimes
from domain.errors import RegimesError
from projections.flows import FlowQuery
from projections.queries import RegimeReader
from projections.replay import replay
from projections.shards import ShardHelpers, ShardTask
from regimes.bundled import bundled_batch
from store.locations import MAPPER_ENV
from tests.commands import invoke, invoked
from tests.samples import RECORDED_AT, batch, follow_up, imposed, jsonl

PLACES = ("*", "JP", "US", "KR", "DE")
ITEMS = ("Dy", "Tb", "Ga", "Ge", "graphite")


def mixed_history(measures: int, seed: int = 7) -> list[dict[str, Any]]:
    """Measures with suspensions, amendments, corrections, liftings and retractions."""
    chance = random.Random(seed)
    records: list[dict[str, Any]] = []
    for index in range(measures):
        slug = f"m-{index}"
        year = 2010 + index % 15
        records.append(
            imposed(
                slug,
                items=chance.sample(ITEMS, chance.randint(1, 3)),
                destinations=chance.sample(PLACES, chance.randint(1, 2)),
                announced_on=f"{year}-03-01",
                effective_on=f"{year}-05-01",
            )
        )
        kind = index % 6
        if kind == 1:
            records.append(
                follow_up(
                    "measure_suspended",
                    slug,
                    effective_on=f"{year + 1}-01-01",
                    until=f"{year + 2}-01-01",
                )
            )
        elif kind == 2:
            records.append(
                follow_up("measure_amended", slug, effective_on=f"{year}-09-01", items=["Dy", "Tb"])
            )
        elif kind == 3:
            records.append(
                follow_up(
                    "measure_corrected",
                    slug,
                    fields={"destinations": ["JP", "KR"]},
                    reason="destinations misread",
                )
            )
        elif kind == 4:
            records.append(follow_up("measure_lifted", slug, effective_on=f"{year + 3}-06-01"))
        elif kind == 5:
            records.append(follow_up("measure_retracted", slug, reason="never happened"))
    return records


def test_a_replay_in_three_shards_verifies_against_the_view_built_by_catch_up(
    store_app: Regimes, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the helpers load scratch files that are copied in; on PostgreSQL they load
    the fresh generation's tables themselves, at once."""
    tasks: list[ShardTask] = []
    start = ShardHelpers.__init__

    def started(self: ShardHelpers, given: Sequence[ShardTask]) -> None:
        tasks.extend(given)
        start(self, given)

    monkeypatch.setattr(ShardHelpers, "__init__", started)
    store_app.append(bundled_batch(), RECORDED_AT)
    store_app.append(batch(*mixed_history(240)), RECORDED_AT)
    reader = RegimeReader(store_app)
    try:
        query = FlowQuery(("Dy",), "CN", "JP")
        days = [date(2011, 6, 1), date(2020, 1, 1), date(2026, 1, 8)]
        before = [reader.as_of(day, query).to_json()["flows"] for day in days]
        report = replay(store_app, reader.view, verify=True, shards=3)
        assert report.verified is True
        assert report.events == store_app.last_position()
        after = [reader.as_of(day, query).to_json()["flows"] for day in days]
        assert after == before
        assert [task.shard for task in tasks] == [1, 2]
        # The helpers create no table. On PostgreSQL two of them replacing the library's
        # insert function at once failed ("tuple concurrently updated"), as they did when
        # the store was created in this process (the library's table creation on).
        assert all(task.env["CREATE_TABLE"] == "false" for task in tasks)
        assert all(task.env["REGIMES_CREATE_TABLE"] == "false" for task in tasks)
        if store_url.startswith("postgresql:"):
            assert store_app.env["CREATE_TABLE"] == "true"
            assert [task.path for task in tasks] == ["", ""]  # into the store itself
        else:
            assert all(task.path for task in tasks)
            assert not scratch_folders(Path(store_url))  # scratch files are gone
        view = reader.view
        with view.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) AS n FROM {view.sql(view.live_generation()).log}")
            logged = c.fetchone()["n"]
        assert logged == store_app.last_position()
    finally:
        reader.close()


def scratch_folders(store: Path) -> list[Path]:
    """The scratch folders of sharded replays beside `store`."""
    return list(store.parent.glob(f"{store.name}.regimes-replay-scratch-*"))


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_sharded_replay_killed_midway_takes_its_helpers_along_and_leaves_the_view(
    store_app: Regimes, store_url: str
) -> None:
    """On PostgreSQL the helpers were writing into the fresh tables themselves: what they
    committed is dropped by the next replay, which the killed one's lock no longer holds."""
    on_sqlite = not store_url.startswith("postgresql:")
    store_app.append(bundled_batch(), RECORDED_AT)
    store_app.append(batch(*mixed_history(800)), RECORDED_AT)
    reader = RegimeReader(store_app)
    query = FlowQuery(("Dy",), "CN", "JP")
    expected = reader.as_of(date(2026, 1, 8), query).to_json()
    # Small chunks in this process's own shard (the helpers keep theirs), so that its first
    # one is loaded (and reported) well before the end.
    script = (
        "import sys\n"
        "import projections.bulk_load\n"
        "import projections.replay\n"
        "from store.log import open_application\n"
        "from store.locations import parse_store\n"
        "from projections.queries import RegimeReader\n"
        "projections.bulk_load._LOAD_ROWS = 500\n"
        "app = open_application(parse_store(sys.argv[1]))\n"
        "reader = RegimeReader(app)\n"
        "projections.replay.replay(app, reader.view, shards=2,\n"
        "                          progress=lambda done: print(done, flush=True))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, store_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.readline()  # the first chunk is loaded: its helper is at work
    helpers = _children(process.pid)
    assert any(_alive(helper) for helper in helpers), "no helper at work when killed"
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(helper) for helper in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(helper) for helper in helpers)
    if on_sqlite:
        assert len(scratch_folders(Path(store_url))) == 1  # the killed replay's, left behind
    try:
        assert reader.as_of(date(2026, 1, 8), query).to_json() == expected
        assert replay(store_app, reader.view, verify=True, shards=2).verified is True
        if on_sqlite:
            assert not scratch_folders(Path(store_url))  # provably the killed replay's: removed
        assert reader.as_of(date(2026, 1, 8), query).to_json() == expected
    finally:
        reader.close()


def test_an_update_rebuilds_a_view_missing_most_of_the_log_and_applies_a_few_events(
    sqlite_app: Regimes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.keeper.REBUILD_FROM", 50)
    reader = RegimeReader(sqlite_app)
    try:
        sqlite_app.append(bundled_batch(), RECORDED_AT)
        live = reader.view.live_generation()
        assert reader.update() == sqlite_app.last_position()  # all of it: rebuilt
        assert reader.view.live_generation() != live
        rebuilt = reader.view.live_generation()
        sqlite_app.append(batch(*mixed_history(30)), RECORDED_AT)  # under half the log
        assert reader.update() == 55  # 30 impositions, 25 follow-ups: applied one by one
        assert reader.view.live_generation() == rebuilt
        assert reader.view.standing() == (rebuilt, sqlite_app.last_position())
    finally:
        reader.close()


def test_an_append_that_rebuilds_the_projections_says_so_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.keeper.REBUILD_FROM", 50)
    rebuilt = invoked(
        "--store", str(tmp_path / "a.db"), "append", "-", stdin=jsonl(*mixed_history(60))
    )
    said = "regimes: the projections lack 110 of the log's 110 records: rebuilding them by replay"
    assert said in rebuilt.stderr
    applied = invoked(
        "--store", str(tmp_path / "b.db"), "append", "-", stdin=jsonl(*mixed_history(20))
    )
    assert "rebuilding" not in applied.stderr


def test_a_script_without_a_main_guard_runs_once_when_its_replay_is_sharded(
    sqlite_app: Regimes, sqlite_path: Path, tmp_path: Path
) -> None:
    """Helpers never run the main script of the process that started them again."""
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    sqlite_app.append(batch(*mixed_history(300)), RECORDED_AT)
    script, runs = tmp_path / "rebuild.py", tmp_path / "runs.txt"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "from projections.queries import RegimeReader\n"
        "from projections.replay import replay\n"
        "from store.locations import parse_store\n"
        "from store.log import open_application\n"
        "with Path(sys.argv[2]).open('a') as runs:\n"
        "    runs.write('ran\\n')\n"
        "app = open_application(parse_store(sys.argv[1]))\n"
        "reader = RegimeReader(app)\n"
        "print(replay(app, reader.view, shards=2).events)\n"
        "reader.close()\n"
        "app.close()\n"
    )
    done = subprocess.run(
        [sys.executable, str(script), str(sqlite_path), str(runs)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == sqlite_app.last_position()
    assert runs.read_text() == "ran\n"


@pytest.mark.parametrize(
    ("jobs", "helpers"), [("1", []), ("3", [2])], ids=["one-process", "three-processes"]
)
def test_replay_jobs_loads_the_view_in_that_many_processes(
    sqlite_app: Regimes,
    sqlite_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    jobs: str,
    helpers: list[int],
) -> None:
    sqlite_app.append(bundled_batch(), RECORDED_AT)
    sqlite_app.append(batch(*mixed_history(240)), RECORDED_AT)
    started: list[int] = []
    start = ShardHelpers.__init__

    def counted(self: ShardHelpers, tasks: Sequence[ShardTask]) -> None:
        started.append(len(tasks))
        start(self, tasks)

    monkeypatch.setattr(ShardHelpers, "__init__", counted)
    result = invoked("--store", str(sqlite_path), "replay", "--verify", "--jobs", jobs)
    assert "verified against the live view" in result.stderr
    assert started == helpers


def test_replay_jobs_must_be_one_or_more(sqlite_path: Path) -> None:
    assert invoke("--store", str(sqlite_path), "replay", "--jobs", "0").exit_code == 2
    with regimes.Store(str(sqlite_path)) as store, pytest.raises(ValueError, match="jobs"):
        store.replay(jobs=0)


def test_a_helper_that_fails_names_its_error(tmp_path: Path) -> None:
    env = {
        **MAPPER_ENV,
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "missing" / "folder" / "store.db"),
    }
    task = ShardTask(env, "b", 10, (None, None), str(tmp_path / "1.sqlite"), 1)
    with (
        ShardHelpers([task]) as helpers,
        pytest.raises(RegimesError, match=r"a replay helper failed: .+"),
    ):
        helpers.finish(helpers.jobs[0])

"""The installed `regimes` script, run as a user would: real processes on real stores.

Setting a store up and looking at it after concurrent writers is done in this process,
through click's runner; what the test is about runs in real processes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from store.locations import parse_store
from store.log import open_application
from tests.commands import REGIMES, invoke, invoked, regimes
from tests.samples import follow_up, imposed, jsonl

EXAMPLES = Path(__file__).parent.parent / "data" / "design-examples.jsonl"


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """A user whose data directory is empty: no default store yet."""
    env = {key: value for key, value in os.environ.items() if key != "REGIMES_STORE"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return env


def test_first_query_creates_the_default_store_with_the_bundled_history(
    user_env: dict[str, str], tmp_path: Path
) -> None:
    done = regimes(
        "as-of",
        "2026-01-08",
        "--element",
        "Dy",
        "--from",
        "CN",
        "--to",
        "JP",
        "--format",
        "json",
        env=user_env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1
    assert "created the default store" in done.stderr
    assert (tmp_path / "xdg" / "regimes" / "regimes.db").exists()
    [flow] = json.loads(done.stdout)["flows"]
    assert flow["level"] == "end_user_ban"
    documents = {entry["document"] for entry in flow["in_force"]}
    assert {
        "MOFCOM/GAC Announcement No. 18 of 2025",
        "MOFCOM Announcement No. 1 of 2026",
    } <= documents
    assert any(
        entry["status"] == "reported" and entry["kind"] == "tightened_licence_review"
        for entry in flow["pending"]
    )
    again = regimes("as-of", "2026-01-08", "-e", "Dy", "--from", "CN", "--to", "JP", env=user_env)
    assert again.returncode == 0
    assert again.stderr == ""


def test_every_command_runs_in_the_installed_script(store_url: str) -> None:
    """Every command, on each kind of store. On SQLite each runs in its own process; on
    PostgreSQL the script appends and answers a query in real processes (connections and
    environment of its own), and the other commands run in this process (a process on
    PostgreSQL costs most of a second here)."""
    scripted = {"append", "as-of"} if store_url.startswith("postgresql") else None

    def run(*args: str) -> tuple[int, str, str]:
        if scripted is None or args[0] in scripted:
            done = regimes("--store", store_url, *args)
            return done.returncode, done.stdout, done.stderr
        result = invoke("--store", store_url, *args)
        return result.exit_code, result.stdout, result.stderr

    def json_from(*args: str) -> Any:
        code, stdout, stderr = run(*args, "--format", "json")
        assert code == 0, stderr
        assert "Traceback" not in stderr
        return json.loads(stdout)

    assert run("append", str(EXAMPLES))[0] == 0
    answer = json_from("as-of", "2025-11-20", "-e", "Ho", "--to", "US")
    assert answer["flows"][0]["suspended"][0]["measure"] == "cn-mofcom-2025-57"
    timeline = json_from("timeline", "-e", "La", "--from", "CN", "--to", "JP")
    assert [change["date"] for change in timeline["changes"]] == ["2010-09-21", "2010-11-19"]
    diff = json_from("diff", "2026-01-05", "2026-01-09", "--item", "dichlorosilane")
    assert diff["flows"][0]["after"]["level"] == "monitoring"
    shown = json_from("show", "cn-mofcom-2025-57")
    assert len(shown["records"]) == 2
    code, log, stderr = run("log", "--format", "jsonl")
    assert code == 0, stderr
    assert len(log.splitlines()) == 11
    code, _, stderr = run("replay", "--verify")
    assert code == 0, stderr
    assert "replayed 11 events" in stderr
    assert "verified" in stderr
    code, csv, stderr = run("as-of", "2026-01-08", "-e", "Dy", "--format", "csv")
    assert code == 0, stderr
    assert csv.splitlines()[0].startswith("as_of,item,from,to,level,measure")


def test_two_appends_at_once_on_one_sqlite_file_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    store = str(tmp_path / "s.db")
    invoked("--store", store, "init", "--empty")
    files = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(jsonl(*(imposed(f"{name}-{index}", items=["Ga"]) for index in range(300))))
        files.append(path)
    processes = [
        subprocess.Popen(
            [REGIMES, "--store", store, "append", str(path)], stderr=subprocess.PIPE, text=True
        )
        for path in files
    ]
    outcomes = [
        (process.returncode, stderr)
        for process in processes
        for _, stderr in [process.communicate(timeout=120)]
    ]
    for code, stderr in outcomes:
        assert code == 0 or "try again" in stderr, stderr
    log = invoked("--store", store, "log", "--format", "jsonl").stdout.splitlines()
    measures = [json.loads(line)["measure"] for line in log]
    assert len(measures) == len(set(measures))
    appended = sum(300 for code, _ in outcomes if code == 0)
    assert len(measures) == appended == 600


def test_the_same_file_appended_twice_at_once_is_recorded_once(tmp_path: Path) -> None:
    store = str(tmp_path / "s.db")
    invoked("--store", store, "init", "--empty")
    path = tmp_path / "same.jsonl"
    path.write_bytes(jsonl(*(imposed(f"m-{index}", items=["Ga"]) for index in range(200))))
    processes = [
        subprocess.Popen(
            [REGIMES, "--store", store, "append", str(path)], stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    log = invoked("--store", store, "log", "--format", "jsonl").stdout.splitlines()
    assert len(log) == 200


def _spawn_appends(store: str, files: list[Path]) -> list[tuple[int, str]]:
    processes = [
        subprocess.Popen(
            [REGIMES, "--store", store, "append", str(path)], stderr=subprocess.PIPE, text=True
        )
        for path in files
    ]
    return [
        (process.returncode, stderr)
        for process in processes
        for _, stderr in [process.communicate(timeout=180)]
    ]


def test_four_writers_with_disjoint_batches_all_land_once_in_order(
    store_url: str, tmp_path: Path
) -> None:
    invoked("--store", store_url, "init", "--empty")
    files = []
    for writer in range(4):
        path = tmp_path / f"w{writer}.jsonl"
        path.write_bytes(
            jsonl(
                *(
                    imposed(f"w{writer}-{index}", items=["Ga"], destinations=["JP"])
                    for index in range(150)
                )
            )
        )
        files.append(path)
    for code, stderr in _spawn_appends(store_url, files):
        assert code == 0, stderr
    app = open_application(parse_store(store_url))
    try:
        logged = list(app.records())
    finally:
        app.close()
    positions = [record.position for record in logged]
    assert positions == sorted(set(positions))
    measures = [record.record["measure"] for record in logged]
    assert sorted(measures) == sorted(f"w{w}-{i}" for w in range(4) for i in range(150))
    answer = json.loads(
        invoked(
            "--store",
            store_url,
            "as-of",
            "2025-05-01",
            "-e",
            "Ga",
            "--from",
            "CN",
            "--to",
            "JP",
            "--format",
            "json",
        ).stdout
    )
    assert len(answer["flows"][0]["in_force"]) == 600
    invoked("--store", store_url, "replay", "--verify")


def test_conflicting_follow_ups_from_two_writers_one_wins_cleanly(
    store_url: str, tmp_path: Path
) -> None:
    invoked("--store", store_url, "init", "--empty")
    invoked("--store", store_url, "append", "-", stdin=jsonl(imposed("contested")))
    files = []
    for writer, day in enumerate(("2025-06-01", "2025-07-01")):
        path = tmp_path / f"lift{writer}.jsonl"
        lifting = follow_up("measure_lifted", "contested", effective_on=day)
        others = [imposed(f"side-{writer}-{index}") for index in range(50)]
        path.write_bytes(jsonl(*others, lifting))
        files.append(path)
    outcomes = _spawn_appends(store_url, files)
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 1], outcomes
    loser = next(stderr for code, stderr in outcomes if code == 1)
    assert "already lifted" in loser
    assert "Traceback" not in loser
    log = invoked("--store", store_url, "log", "--format", "jsonl").stdout.splitlines()
    lifted = [json.loads(line) for line in log if '"measure_lifted"' in line]
    assert len(lifted) == 1
    assert len(log) == 1 + 50 + 1  # the winner's whole batch, nothing of the loser's


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://analyst:s3cret-pw@127.0.0.1:1/regimes",
        "postgresql://analyst:s3cret-pw@127.0.0.1:5432/no_such_database_here",
        "postgresql://analyst:s3cret-pw@no-such-host.invalid/regimes",
    ],
    ids=["refused", "wrong-database", "wrong-host"],
)
def test_an_unreachable_postgresql_store_is_one_line_without_its_password(url: str) -> None:
    done = regimes("--store", url, "as-of", "2026-01-01")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "s3cret-pw" not in done.stderr
    assert "postgresql://analyst:***@" in lines[0]

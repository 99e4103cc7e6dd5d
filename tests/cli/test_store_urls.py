"""Store names and URLs: every form is checked or refused in one line, and no password shows.

`tests/hostile/store-urls.json` holds hostile store names and URLs with the exit status and
the words of the one line each must give (docs/stores.md §1-§3, docs/cli.md §2). Each is tried with
an `append` (the command that writes) in a folder holding another application's SQLite database
under two names; nothing there may change, no default store may appear, and no password (`secrets`)
may be printed. `{closed_port}` is a port of 127.0.0.1 nothing listens on (refused at once), `{cwd}`
the folder. Entries marked `script` also run through the installed script.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.commands import invoke, invoked, regimes
from tests.samples import imposed, jsonl

CORPUS_FILE = Path(__file__).resolve().parents[1] / "hostile" / "store-urls.json"
CORPUS: dict[str, dict[str, Any]] = json.loads(CORPUS_FILE.read_text(encoding="utf-8"))
RECORD = jsonl(imposed())
#: Another application's database, under a plain name and under a name starting `file:`.
OTHER_DATABASES = ("other.sqlite", "file:other.sqlite")


def closed_port() -> int:
    """A port of 127.0.0.1 with nothing listening: a connection there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory: two non-regimes SQLite databases and nothing else."""
    work = tmp_path / "work"
    work.mkdir()
    for name in OTHER_DATABASES:
        with sqlite3.connect(work / name) as connection:
            connection.execute("CREATE TABLE notes (body TEXT)")
            connection.execute("INSERT INTO notes VALUES ('an application of its own')")
        connection.close()
    monkeypatch.chdir(work)
    return work


def contents(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def store_of(entry: dict[str, Any], cwd: Path) -> str:
    store: str = entry["store"]
    return store.replace("{closed_port}", str(closed_port())).replace("{cwd}", str(cwd))


def assert_refused(entry: dict[str, Any], status: int, stdout: str, stderr: str) -> None:
    """The entry's exit status, its words in one line of stderr, and no password anywhere."""
    assert status == entry["exit"], stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert entry["says"] in stderr
    assert "Traceback" not in stdout + stderr
    for secret in entry.get("secrets", []):
        assert secret not in stdout + stderr


def test_the_corpus_covers_each_way_to_fail() -> None:
    assert len(CORPUS) >= 60
    assert {entry["exit"] for entry in CORPUS.values()} == {1, 2}
    for name, entry in CORPUS.items():
        assert set(entry) <= {"store", "exit", "says", "secrets", "script"}, name
        assert entry["says"], name
        for secret in entry.get("secrets", []):
            assert secret in entry["store"] or "%" in entry["store"], name


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_hostile_store_is_refused_in_one_line_and_nothing_is_written(
    name: str, workdir: Path, tmp_path: Path
) -> None:
    entry = CORPUS[name]
    before = contents(workdir)
    result = invoke("--store", store_of(entry, workdir), "append", "-", stdin=RECORD)
    assert_refused(entry, result.exit_code, result.stdout, result.stderr)
    assert contents(workdir) == before
    assert not (tmp_path / "data").exists()  # no default store instead


@pytest.mark.parametrize("name", sorted(name for name in CORPUS if CORPUS[name].get("script")))
def test_the_installed_script_refuses_a_hostile_store_in_one_line(
    name: str, workdir: Path, tmp_path: Path
) -> None:
    entry = CORPUS[name]
    before = contents(workdir)
    done = regimes("--store", store_of(entry, workdir), "append", "-", stdin=RECORD)
    assert_refused(entry, done.returncode, done.stdout, done.stderr)
    assert contents(workdir) == before
    assert not (tmp_path / "data").exists()


def test_an_empty_regimes_store_variable_is_refused_not_read_as_the_default(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGIMES_STORE", "")
    result = invoke("append", "-", stdin=RECORD)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: the store name (--store or REGIMES_STORE) is empty: give "
        "a path or URL, or leave it out (unset REGIMES_STORE) for the "
        "default store\n"
    )
    assert not (tmp_path / "data").exists()


def test_the_installed_script_refuses_an_empty_regimes_store_variable(
    workdir: Path, tmp_path: Path
) -> None:
    import os

    env = {**os.environ, "REGIMES_STORE": "", "XDG_DATA_HOME": str(tmp_path / "data")}
    done = regimes("as-of", "2026-01-08", env=env)
    assert done.returncode == 2
    assert "is empty" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "data").exists()


def test_a_file_named_file_colon_is_a_store_by_its_dot_path(workdir: Path) -> None:
    """The `file:` prefix is refused, not the file: `./file:…` names it, with every check."""
    invoked("--store", "./file:new.db", "append", "-", stdin=RECORD)
    assert sorted(contents(workdir)) == sorted([*OTHER_DATABASES, "file:new.db"])
    log = invoked("--store", "./file:new.db", "log", "--format", "jsonl")
    assert len(log.stdout.splitlines()) == 1


def test_a_missing_store_is_named_as_it_can_be_given_again(workdir: Path) -> None:
    result = invoke("--store", "./file:missing.db", "log")
    assert result.exit_code == 1
    assert "'regimes --store ./file:missing.db init'" in result.stderr


def test_a_store_by_relative_path_stays_where_it_was_named(workdir: Path) -> None:
    invoked("--store", "sub/store.db", "append", "-", stdin=RECORD)
    assert (workdir / "sub" / "store.db").is_file()

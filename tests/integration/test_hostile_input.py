"""Hostile input: every file of tests/hostile/ is refused whole, located, without a traceback.

Each corpus file is appended to a store that already holds a few records and a built view;
`tests/hostile/EXPECTED.json` names the `line N: field` of one error the CLI must print for
it, and the store must stay byte for byte as it was (docs/records.md §6-§7). Entries with `generate`
are written into tmp_path at run time (a 10 MB line, 100 000 nested brackets); an entry with
`subprocess_timeout` is run as a child process under a time and memory limit, so a file that makes
the reader blow up fails the test instead of the test run.

Every file runs on SQLite; a representative subset also runs on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.commands import invoke
from tests.samples import action, follow_up, imposed, jsonl
from tests.snapshots import snapshot

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "hostile"
EXPECTED: dict[str, dict[str, Any]] = json.loads((HOSTILE / "EXPECTED.json").read_text())

#: What the store holds before each hostile append (corpus files may name `seed-licence`).
SEED = jsonl(
    imposed("seed-licence"),
    action("seed-summit"),
    follow_up("measure_suspended", "seed-licence", effective_on="2025-06-01", until="2025-09-01"),
)

#: The files that also run on PostgreSQL: one of each way to fail (reading, shape, state).
ON_POSTGRES = frozenset(
    {
        "json-truncated-object.jsonl",
        "yaml-bad-indentation.yaml",
        "utf8-bom.jsonl",
        "invalid-utf8-line.bin",
        "mixed-valid-invalid.jsonl",
        "duplicate-id-different-content.jsonl",
        "conflict-with-stored-measure.jsonl",
        "correction-of-retracted.jsonl",
        "control-osc52-in-document.jsonl",
        "control-c1-csi-in-document.jsonl",
        "duplicate-key-nested.jsonl",
        "duplicate-key-top-level.yaml",
        "amendment-clearing-kind.jsonl",
    }
)

TEN_MB = 10 * 1024 * 1024
DEPTH = 100_000


def _ten_mb_line(path: Path) -> None:
    """A valid first line, then one 10 MB line whose `notes` are far too long."""
    huge = action("ten-megabytes", notes="x" * TEN_MB)
    path.write_bytes(jsonl(action("before-the-big-one"), huge))


def _deeply_nested_array(path: Path) -> None:
    path.write_bytes(b"[" * DEPTH + b"\n")


def _deeply_nested_line(path: Path) -> None:
    path.write_bytes(
        jsonl(action("shallow")) + b'{"type": "action_taken", "notes": ' + b"[" * DEPTH + b"\n"
    )


def _line_without_end(path: Path) -> None:
    """A valid first line, then a record whose line never ends before 65 MiB."""
    start = b'{"type": "action_taken", "notes": "'
    path.write_bytes(jsonl(action("before-the-endless-one")) + start + b"x" * (65 << 20))


def _endless_input(path: Path) -> None:
    """An input that never ends: /dev/zero."""
    path.symlink_to("/dev/zero")


GENERATORS: dict[str, Callable[[Path], None]] = {
    "ten_mb_line": _ten_mb_line,
    "line_without_end": _line_without_end,
    "endless_input": _endless_input,
    "deeply_nested_array": _deeply_nested_array,
    "deeply_nested_line": _deeply_nested_line,
}


def run(store: str, *args: str) -> Result:
    return invoke("--store", store, *args)


def run_limited(store: str, path: Path, seconds: float) -> tuple[int, str]:
    """`regimes append PATH` in a child process with at most `seconds` and 2 GiB of memory."""

    def limit_memory() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    try:
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "--store", store, "append", str(path)],
            cwd=ROOT,
            env=os.environ.copy(),
            capture_output=True,
            timeout=seconds,
            preexec_fn=limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`regimes append {path.name}` was still running after {seconds} s (killed)")
    return done.returncode, done.stderr.decode("utf-8", "replace")


def corpus_file(name: str, tmp_path: Path) -> Path:
    """The corpus file, or a fresh copy of a generated one in tmp_path."""
    how = EXPECTED[name].get("generate")
    if how is None:
        return HOSTILE / name
    path = tmp_path / name
    GENERATORS[how](path)
    return path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One seeded SQLite store shared by the argument tests, which each check it is unchanged."""
    folder = tmp_path_factory.mktemp("arguments")
    store = str(folder / "store.db")
    seed(store, folder)
    return store


def seed(store: str, tmp_path: Path) -> None:
    """A few valid records, and a query so the persisted view is built too."""
    path = tmp_path / "seed.jsonl"
    path.write_bytes(SEED)
    result = run(store, "append", str(path))
    assert result.exit_code == 0, result.stderr
    result = run(store, "as-of", "2025-07-01", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["position"] == 3


def assert_seed_intact(store: str) -> None:
    """The store still holds exactly the seed records (a replay may rebuild its view)."""
    result = run(store, "log", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(text)["type"] for text in result.stdout.splitlines()] == [
        "measure_imposed",
        "action_taken",
        "measure_suspended",
    ]


def reports(stderr: str, line: int, field: str) -> bool:
    """True if one line of stderr is the error `line N: field: ...`."""
    prefix = f"line {line}: {field}: "
    return any(text.startswith(prefix) for text in stderr.splitlines())


def _cases() -> list[Any]:
    cases = []
    for name in sorted(EXPECTED):
        cases.append(pytest.param(name, "sqlite", id=f"{name}-sqlite"))
        if name in ON_POSTGRES:
            cases.append(
                pytest.param(
                    name, "postgresql", id=f"{name}-postgresql", marks=pytest.mark.postgres
                )
            )
    return cases


# --- the corpus -----------------------------------------------------------------------------


def test_the_corpus_and_its_expectations_name_the_same_files() -> None:
    # store-urls.json is the corpus of store names and URLs (tests/cli/test_store_urls.py).
    committed = {
        path.name
        for path in HOSTILE.iterdir()
        if path.name not in ("EXPECTED.json", "store-urls.json")
    }
    generated = {name for name, expected in EXPECTED.items() if "generate" in expected}
    assert committed == set(EXPECTED) - generated
    assert {EXPECTED[name]["generate"] for name in generated} <= set(GENERATORS)
    assert len(EXPECTED) >= 45
    assert set(EXPECTED) >= ON_POSTGRES
    for name, expected in EXPECTED.items():
        assert isinstance(expected["line"], int), name
        assert expected["line"] >= 1, name
        assert isinstance(expected["field"], str), name
        assert expected["field"], name


@pytest.mark.parametrize(("name", "new_store"), _cases(), indirect=["new_store"])
def test_a_hostile_file_is_rejected_whole_with_its_line_and_field(
    name: str, store_url: str, tmp_path: Path
) -> None:
    expected = EXPECTED[name]
    path = corpus_file(name, tmp_path)
    seed(store_url, tmp_path)
    before = snapshot(store_url)
    if "subprocess_timeout" in expected:
        exit_code, stderr = run_limited(store_url, path, float(expected["subprocess_timeout"]))
    else:
        result = run(store_url, "append", str(path))
        exit_code, stderr = result.exit_code, result.stderr
    assert "Traceback" not in stderr
    assert exit_code == 1, stderr[-2000:]
    assert reports(stderr, expected["line"], expected["field"]), stderr[-2000:]
    assert "nothing was written" in stderr
    assert snapshot(store_url) == before


def test_hostile_records_on_stdin_are_located_like_in_a_file(
    store_url: str, tmp_path: Path
) -> None:
    seed(store_url, tmp_path)
    before = snapshot(store_url)
    for name in ("utf8-bom.jsonl", "yaml-tab-indentation.yaml", "mixed-valid-invalid.jsonl"):
        expected = EXPECTED[name]
        result = invoke("--store", store_url, "append", "-", stdin=(HOSTILE / name).read_bytes())
        assert result.exit_code == 1, (name, result.stderr)
        assert reports(result.stderr, expected["line"], expected["field"]), result.stderr
    assert snapshot(store_url) == before


def test_several_hostile_files_are_one_rejected_batch_naming_each_file(
    store_url: str, tmp_path: Path
) -> None:
    seed(store_url, tmp_path)
    before = snapshot(store_url)
    names = ("json-truncated-object.jsonl", "yaml-scalar.yaml", "lifted-twice.jsonl")
    result = run(store_url, "append", *(str(HOSTILE / name) for name in names))
    assert result.exit_code == 1, result.stderr
    for name in names:
        expected = EXPECTED[name]
        prefix = f"{HOSTILE / name}: line {expected['line']}: {expected['field']}: "
        assert any(text.startswith(prefix) for text in result.stderr.splitlines()), result.stderr
    assert snapshot(store_url) == before


# --- hostile arguments ----------------------------------------------------------------------

#: Malformed arguments: usage errors, exit status 2.
BAD_ARGUMENTS: list[tuple[str, ...]] = [
    ("as-of", "2025-02-30"),
    ("as-of", "2025-13-01"),
    ("as-of", "yesterday"),
    ("as-of", ""),
    ("as-of", "2025-06-01", "-e", "dy"),
    ("as-of", "2025-06-01", "-e", "Xx"),
    ("as-of", "2025-06-01", "-e", "ree"),
    ("as-of", "2025-06-01", "--item", "Not A Slug"),
    ("as-of", "2025-06-01", "--to", "XX"),
    ("as-of", "2025-06-01", "--to", "jp"),
    ("as-of", "2025-06-01", "--from", "JPN"),
    ("as-of", "2025-06-01", "--from", "C\x00N"),
    ("as-of", "2025-06-01", "--to", "@eu\n"),
    ("as-of", "2025-06-01", "--known-at", "2025-02-30"),
    ("as-of", "2025-06-01", "--known-at", "soon"),
    ("as-of", "2025-06-01", "--known-at", "2025-06-01T10:00:00"),
    ("as-of", "2025-06-01", "--recorded-at", "soon"),
    ("as-of", "2025-06-01", "--recorded-at", "#"),
    ("as-of", "2025-06-01", "--recorded-at", "#-1"),
    ("as-of", "2025-06-01", "--recorded-at", "#1.5"),
    ("as-of", "2025-06-01", "--recorded-at", "#٣"),
    ("as-of", "2025-06-01", "--recorded-at", "#99999999999999999999"),
    ("timeline", "--recorded-at", "#x"),
    ("diff", "2025-01-01", "2025-02-01", "--known-at", "2025-13-01"),
    ("search", "x", "--recorded-at", "# 5"),
    ("as-of", "2025-06-01", "--format", "xml"),
    ("timeline", "-e", "dy"),
    ("timeline", "--to", "XX"),
    ("diff", "2025-01-01", "2025-02-30"),
    ("diff", "2025-01-01"),
    ("log", "--since", "-1"),
    ("log", "--since", "0"),
    ("log", "--since", "one"),
    ("log", "--until", "-5"),
    ("log", "--format", "csv"),
    ("log", "--since", "5", "--until", "2"),
    ("show",),
    ("show", ""),
    ("show", "   "),
    ("as-of", "20250601"),
    ("as-of", "2025-W22-7"),
    ("timeline", "--since", "20250101"),
    ("as-of", "2025-06-01", "--recorded-at", "20250601"),
    ("show", "seed-licence", "--format", "yaml"),
    ("replay", "--until", "not-a-time"),
]

#: Well-formed but extreme arguments: answered (0) or refused as usage errors (2), never a crash.
EXTREME_ARGUMENTS: list[tuple[str, ...]] = [
    ("as-of", "0001-01-01"),
    ("as-of", "9999-12-31"),
    ("diff", "0001-01-01", "9999-12-31"),
    ("as-of", "2025-06-01", "--known-at", "0001-01-01"),
    ("as-of", "2025-06-01", "--known-at", "9999-12-31"),
    ("as-of", "2025-06-01", "--recorded-at", "0001-01-01T00:00:00+05:00"),
    ("as-of", "2025-06-01", "--recorded-at", "9999-12-31T23:59:59-05:00"),
    ("as-of", "2025-06-01", "--recorded-at", "#0"),
    ("as-of", "2025-06-01", "--recorded-at", "#4611686018427387904"),
    ("as-of", "2025-06-01", "--known-at", "0001-01-01", "--recorded-at", "#1"),
    ("timeline", "-e", "Dy", "--known-at", "9999-12-31"),
    ("timeline", "-e", "Dy", "--recorded-at", "9999-12-31"),
    ("log", "--since", "99999999999999999999"),
    ("log", "--until", "99999999999999999999"),
    ("replay", "--until", "99999999999999999999"),
    ("replay", "--until", "9999-12-31"),
]


@pytest.mark.parametrize("arguments", BAD_ARGUMENTS, ids=" ".join)
def test_a_malformed_argument_is_a_usage_error(arguments: tuple[str, ...], seeded: str) -> None:
    store = seeded
    before = snapshot(store)
    result = run(store, *arguments)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert "Error" in result.stderr
    assert snapshot(store) == before


def test_malformed_arguments_are_usage_errors_on_every_store(
    store_url: str, tmp_path: Path
) -> None:
    seed(store_url, tmp_path)
    before = snapshot(store_url)
    for arguments in (
        ("as-of", "2025-02-30"),
        ("as-of", "2025-06-01", "-e", "dy"),
        ("as-of", "2025-06-01", "--to", "XX"),
        ("log", "--since", "-1"),
        ("show", "seed-licence", "--format", "yaml"),
    ):
        result = run(store_url, *arguments)
        assert result.exit_code == 2, (arguments, result.output)
    assert snapshot(store_url) == before


@pytest.mark.parametrize("arguments", EXTREME_ARGUMENTS, ids=" ".join)
def test_an_extreme_argument_never_crashes(arguments: tuple[str, ...], seeded: str) -> None:
    result = run(seeded, *arguments)  # an exception here is the failure
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.stderr
    assert_seed_intact(seeded)


@pytest.mark.parametrize(
    "slug",
    [
        "Seed-Licence",
        "no such id",
        "-x",
        "a" * 101,
        "bell\x07",
        "",
        "../../etc/passwd",
        "'; DROP TABLE events; --",
    ],
)
def test_show_of_an_id_that_cannot_exist_says_so_without_changing_the_store(
    slug: str, seeded: str
) -> None:
    store = seeded
    before = snapshot(store)
    result = run(store, "show", slug)
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.stderr
    assert snapshot(store) == before

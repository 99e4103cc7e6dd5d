"""`regimes append`, `log`, `show` and `init` through click's runner, on real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.commands import invoke
from tests.conftest import StoreFactory
from tests.samples import follow_up, imposed, jsonl
from tests.snapshots import snapshot

EXAMPLES = Path(__file__).parent.parent / "data" / "design-examples.jsonl"


def run(store: str | Path, *args: str, stdin: bytes | None = None) -> Result:
    return invoke("--store", str(store), *args, stdin=stdin)


def exported(store: str) -> list[dict[str, Any]]:
    result = run(store, "log", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_every_record_type_appends_and_the_log_prints_them_back(store_url: str) -> None:
    store = store_url
    result = run(store, "append", str(EXAMPLES))
    assert result.exit_code == 0, result.stderr
    assert "appended 11 new records" in result.stderr
    records = exported(store)
    given = [json.loads(line) for line in EXAMPLES.read_text().splitlines()]
    assert [record["type"] for record in records] == [record["type"] for record in given]
    assert records[1]["items"] == ["Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"]
    assert records[6]["items"][:3] == ["Sc", "Y", "La"]  # REE expanded on input


def test_export_then_append_into_an_empty_store_reproduces_the_log(new_store: StoreFactory) -> None:
    first, second = new_store(), new_store()
    run(first, "append", str(EXAMPLES))
    text = run(first, "log", "--format", "jsonl").stdout
    result = run(second, "append", "-", stdin=text.encode())
    assert result.exit_code == 0, result.stderr
    assert exported(second) == exported(first)


def test_appending_the_same_file_twice_appends_nothing_the_second_time(store_url: str) -> None:
    store = store_url
    run(store, "append", str(EXAMPLES))
    before = exported(store)
    again = run(store, "append", str(EXAMPLES))
    assert again.exit_code == 0
    assert "0 new records" in again.stderr
    assert exported(store) == before


BAD_LINES = {
    2: ("items[0]", imposed("bad-element", items=["Xx"])),
    3: ("destinations[0]", imposed("bad-country", destinations=["jp"])),
    4: ("effective_on", imposed("bad-date", effective_on="2025-02-30")),
    5: ("colour", imposed("unknown-field", colour="red")),
    6: ("measure", follow_up("measure_lifted", "never-imposed", effective_on="2025-05-01")),
    7: ("measure", imposed("cn-mofcom-2025-18", items=["Tb"])),
}


def test_a_bad_batch_lists_every_error_and_leaves_the_store_byte_for_byte(store_url: str) -> None:
    store = store_url
    run(store, "append", str(EXAMPLES))
    run(store, "as-of", "2026-01-01")  # the view too is part of what must not change
    before = snapshot(store)
    good = imposed("a-good-one", items=["Ga"])
    result = run(
        store, "append", "-", stdin=jsonl(good, *(record for _, record in BAD_LINES.values()))
    )
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert [(line.split(":")[0], line.split(":")[1].strip()) for line in errors] == [
        (f"line {number}", field) for number, (field, _) in BAD_LINES.items()
    ]
    assert "nothing was written" in result.stderr
    assert snapshot(store) == before


def test_dry_run_validates_and_writes_nothing(store_url: str) -> None:
    store = store_url
    run(store, "init", "--empty")
    result = run(store, "append", "--dry-run", str(EXAMPLES))
    assert result.exit_code == 0
    assert "11 would be new" in result.stderr
    assert exported(store) == []


def test_a_dry_run_into_a_store_not_made_yet_checks_against_an_empty_log(
    tmp_path: Path,
) -> None:
    """It said "no store at PATH" instead of checking the records; it creates nothing."""
    store = tmp_path / "new.db"
    result = run(store, "append", "--dry-run", str(EXAMPLES))
    assert result.exit_code == 0, result.stderr
    assert "11 would be new" in result.stderr
    refused = run(store, "append", "--dry-run", "-", stdin=jsonl({"type": "nope"}))
    assert refused.exit_code == 1
    assert "line 1: type: unknown record type 'nope'" in refused.stderr
    assert not store.exists()


def test_show_prints_a_measures_whole_history_with_positions(store_url: str) -> None:
    store = store_url
    run(store, "append", str(EXAMPLES))
    result = run(store, "show", "cn-mofcom-2025-57", "--format", "json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert [(r["position"], r["record"]["type"]) for r in shown["records"]] == [
        (5, "measure_imposed"),
        (6, "measure_suspended"),
    ]
    assert all(r["recorded_at"] for r in shown["records"])


def test_show_of_an_unknown_id_fails_with_exit_1(store_url: str) -> None:
    store = store_url
    run(store, "append", str(EXAMPLES))
    result = run(store, "show", "no-such-thing")
    assert result.exit_code == 1
    assert "no measure or action is called 'no-such-thing'" in result.stderr


def test_a_query_on_a_missing_explicit_store_names_the_path(tmp_path: Path) -> None:
    store = tmp_path / "missing.db"
    result = run(store, "as-of", "2025-01-01")
    assert result.exit_code == 1
    assert str(store) in result.stderr
    assert not store.exists()


def test_init_loads_the_bundled_history_unless_empty(new_store: StoreFactory) -> None:
    full, empty = new_store(), new_store()
    assert run(full, "init").exit_code == 0
    assert run(empty, "init", "--empty").exit_code == 0
    assert len(exported(full)) > 40
    assert exported(empty) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["as-of", "2025-13-01"], "is not a calendar date"),
        # forms date.fromisoformat takes, which are not the YYYY-MM-DD documented
        (["as-of", "20250101"], "'20250101' is not a date YYYY-MM-DD"),
        (["as-of", "2025-W01-3"], "'2025-W01-3' is not a date YYYY-MM-DD"),
        (["as-of", "2025-01-01", "--known-at", "20250101"], "is not a date YYYY-MM-DD"),
        (["as-of", "2025-01-01", "--recorded-at", "20251207"], "is not a date, an ISO"),
        (["as-of", "2025-01-01", "--recorded-at", "20251207T10:00"], "is not a date, an ISO"),
        (["as-of", "2025-01-01", "-e", "dy"], "case-exact: Dy"),
        (["as-of", "2025-01-01", "--to", "jp"], "must be upper case"),
        (["log", "--since", "0"], "0"),
    ],
    ids=[
        "bad-date",
        "basic-date",
        "week-date",
        "basic-known-at",
        "basic-recorded-at",
        "basic-date-time",
        "lower-case-element",
        "lower-case-country",
        "position-zero",
    ],
)
def test_bad_arguments_are_usage_errors_with_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(tmp_path / "t.db", *args)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("command", "said", "logged"),
    [(("append", "-"), "the records are appended", 1), (("init",), "the store is ready", 284)],
    ids=["append", "init"],
)
def test_an_interrupt_after_the_records_landed_says_they_are_in(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    said: str,
    logged: int,
) -> None:
    """Ctrl-C while the projections catch up, after the commit: click's bare "Aborted!"
    let the user think the command failed."""
    from cli.session import Session

    def interrupted(self: Session, progress: Any = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Session, "update_projections", interrupted)
    store = tmp_path / "t.db"
    result = run(store, *command, stdin=jsonl(imposed()))
    assert result.exit_code == 130
    assert said in result.stderr
    assert "Aborted" not in result.stderr
    monkeypatch.undo()
    assert len(exported(str(store))) == logged

"""An input appended from a file is read twice: once to outline the batch, then to check and
write it. A file written between the two readings (a producer still at work) must not have
records written that only the first reading made valid: the append stops, writes nothing,
and says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import regimes
from domain.errors import InputChanged
from regimes.reading import Rereading
from tests.samples import GROUP_G, action, follow_up, imposed, jsonl

GROUP = {**GROUP_G, "group": "race-g"}


@pytest.fixture
def rewritten_after_outline(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, bytes]]:
    """Files (path, new bytes) rewritten in place once the reading ahead has read them."""
    pending: list[tuple[Path, bytes]] = []
    read_ahead = Rereading.ahead

    def ahead(self: Rereading, exact: Any) -> Iterator[Any]:
        yield from read_ahead(self, exact)
        for path, data in pending:
            with path.open("r+b") as stream:  # the same file, as `cat new > FILE` writes it
                stream.truncate(0)
                stream.write(data)
        pending.clear()

    monkeypatch.setattr(Rereading, "ahead", ahead)
    return pending


@pytest.mark.parametrize("dry_run", [False, True], ids=["append", "dry-run"])
def test_a_file_rewritten_between_the_readings_is_refused_and_nothing_is_written(
    tmp_path: Path, rewritten_after_outline: list[tuple[Path, bytes]], dry_run: bool
) -> None:
    # first read: a measure to a group the batch defines; then the group is gone
    path = tmp_path / "batch.jsonl"
    measure = imposed(destinations=["@race-g"])
    path.write_bytes(jsonl(measure, GROUP))
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append([action("earlier")])
        before = store.digest()
        rewritten_after_outline.append((path, jsonl(measure, action())))
        with pytest.raises(InputChanged, match=r"batch\.jsonl changed while it was appended"):
            store.append(path, dry_run=dry_run)
        assert store.digest() == before
        assert [logged.record["type"] for logged in store.log()] == ["action_taken"]


def test_a_file_grown_between_the_readings_is_refused_and_nothing_is_written(
    tmp_path: Path, rewritten_after_outline: list[tuple[Path, bytes]]
) -> None:
    # the first reading saw the measure's last record; the second finds one more after it
    path = tmp_path / "batch.jsonl"
    path.write_bytes(jsonl(imposed(), action()))
    grown = jsonl(imposed(), action(), follow_up("measure_lifted", effective_on="2026-01-01"))
    rewritten_after_outline.append((path, grown))
    with regimes.open(str(tmp_path / "store.db")) as store:
        with pytest.raises(InputChanged, match="changed while it was appended"):
            store.append(path)
        assert list(store.log()) == []


def test_the_command_says_the_file_changed_and_exits_1(
    tmp_path: Path, rewritten_after_outline: list[tuple[Path, bytes]]
) -> None:
    from click.testing import CliRunner

    from cli.main import main as cli

    path = tmp_path / "batch.jsonl"
    path.write_bytes(jsonl(imposed(destinations=["@race-g"]), GROUP))
    rewritten_after_outline.append((path, jsonl(imposed(destinations=["@race-g"]), action())))
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "s.db"), "append", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path} changed while it was appended" in result.stderr
    assert "Traceback" not in result.stderr

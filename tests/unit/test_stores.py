"""Opening a store: the checks read the file through SQLite only."""

from __future__ import annotations

import builtins
import io
from pathlib import Path
from typing import Any

import pytest

from domain.application import Regimes, open_application
from domain.errors import StoreError
from domain.stores import parse_store
from tests.samples import RECORDED_AT, batch, imposed


def test_checking_an_open_store_never_opens_its_file_outside_sqlite(
        sqlite_app: Regimes, sqlite_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing a descriptor of our own on the file would drop the POSIX locks this process's
    SQLite connections hold on it (seen as "disk I/O error" later)."""
    sqlite_app.append(batch(imposed()), RECORDED_AT)
    opened: list[str] = []
    real_open = builtins.open

    def watching_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith(str(sqlite_path)):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(io, "open", watching_open)
    with parse_store(str(sqlite_path)).opening():
        pass
    assert opened == []


def test_a_file_that_is_not_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes\n" * 100)
    with pytest.raises(StoreError, match="is not a regimes store: it is not a SQLite database"):
        open_application(parse_store(str(path)))


@pytest.mark.parametrize("name", ["store.db", "my stores/#1 store.db"])
def test_an_existing_store_opens_by_a_relative_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).parent.mkdir(exist_ok=True)
    app = open_application(parse_store(name))
    app.append(batch(imposed()), RECORDED_AT)
    app.close()
    again = open_application(parse_store(name))  # the store exists now: it is checked
    try:
        assert again.last_position() == 1
    finally:
        again.close()

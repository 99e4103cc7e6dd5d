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

"""Fixtures shared by every suite: stores in tmp_path, never the user's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.application import Regimes


@pytest.fixture(autouse=True)
def _private_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Points the default store at tmp_path and clears any store the environment names."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("REGIMES_STORE", raising=False)


@pytest.fixture
def popo_app() -> Iterator[Regimes]:
    """An in-memory application, for unit tests."""
    app = Regimes(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where a test's SQLite store lives."""
    return tmp_path / "store.db"


@pytest.fixture
def sqlite_app(sqlite_path: Path) -> Iterator[Regimes]:
    """An application on a real SQLite file."""
    app = Regimes(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                       "SQLITE_DBNAME": str(sqlite_path)})
    yield app
    app.close()

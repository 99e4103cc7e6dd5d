"""A large append into SQLite: a larger page cache for its one transaction, and nothing else."""

from __future__ import annotations

import pytest

import store.sqlite
from domain.application import Regimes
from store import log
from tests.samples import RECORDED_AT, action, batch, imposed


def cache_size(app: Regimes) -> int:
    with app.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


def test_a_bulk_insert_restores_the_page_cache_and_keeps_the_chain(
    sqlite_app: Regimes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store.sqlite, "_BULK", 3)
    before = cache_size(sqlite_app)
    report = sqlite_app.append(
        batch(*(imposed(f"m-{number}") for number in range(5)), action()), RECORDED_AT
    )
    assert (report.appended, report.first_position, report.last_position) == (6, 1, 6)
    assert cache_size(sqlite_app) == before
    head = log.verify(sqlite_app)
    assert head is not None
    assert head == log.digest(sqlite_app)
    assert head.position == 6

"""Queries while another process rebuilds the projections (issue 14): they answer at once
from the view as it stands and say so, and a generation switched away under a query is no
damage. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from projections import keeper
from projections.flows import FlowQuery
from projections.queries import RegimeReader
from projections.serial import replay_lock
from store.locations import parse_store
from store.log import open_application
from tests.commands import invoke, invoked
from tests.samples import RECORDED_AT, batch, imposed, jsonl


def test_a_query_far_behind_a_running_rebuild_answers_from_the_view_and_says_so(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoked("--store", store_url, "append", "-", stdin=jsonl(imposed()))
    app = open_application(parse_store(store_url))
    try:
        # Records appended past the view (as by another process that has not updated it yet).
        app.append(batch(*(imposed(f"later-{n}", items=["Ga"]) for n in range(12))), RECORDED_AT)
        monkeypatch.setattr(keeper, "REBUILD_FROM", 10)
        reader = RegimeReader(app)
        try:
            with replay_lock(reader.view):  # the other process's rebuild
                result = invoke("--store", store_url, "as-of", "2025-06-01", "--format", "json")
        finally:
            reader.close()
    finally:
        app.close()
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["position"] == 1
    said = (
        "another process is rebuilding the projections of this store; this answer is "
        "as of position 1 of 13"
    )
    assert answer["warnings"] == [said]  # a pipeline reading the JSON learns it too
    assert result.stderr.count(said) == 1
    caught_up = json.loads(
        invoked("--store", store_url, "as-of", "2025-06-01", "--format", "json").stdout
    )
    assert caught_up["position"] == 13


def test_a_generation_switched_away_under_a_query_is_asked_again(store_url: str) -> None:
    invoked("--store", store_url, "append", "-", stdin=jsonl(imposed()))
    app = open_application(parse_store(store_url))
    reader, other = RegimeReader(app), RegimeReader(app)
    try:
        reader.catch_up()
        original: Callable[..., Any] = reader.view.rows_on
        replayed: list[bool] = []

        def rows_on_after_a_switch(*args: Any, **kwargs: Any) -> Any:
            if not replayed:
                replayed.append(True)
                other.replay()  # switches to the other generation, dropping this one
            return original(*args, **kwargs)

        reader.view.rows_on = rows_on_after_a_switch  # type: ignore[method-assign]
        answer = reader.as_of(date(2025, 6, 1), FlowQuery(("Dy",), "CN", "JP"))
    finally:
        reader.close()
        other.close()
        app.close()
    assert replayed == [True]
    assert answer.flows[0].level.name == "licence_required"

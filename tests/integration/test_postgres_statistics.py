"""A PostgreSQL store's view has the planner's statistics once it is loaded: after a replay,
and after an update that applied many events. Without them (the server's autovacuum may be
off, as on this project's test server, or not yet round), PostgreSQL plans the view's tables
as if empty, and a question read every segment standing on its day."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from projections import keeper
from regimes.store import Store
from tests.commands import invoked
from tests.conftest import POSTGRES_URL, _drop_schema, _postgres_or_skip
from tests.integration.test_postgres_appends import _history

pytestmark = pytest.mark.postgres


@pytest.fixture
def url() -> Iterator[str]:
    _postgres_or_skip()
    schema = f"regimes_test_{uuid.uuid4().hex[:12]}"
    yield f"{POSTGRES_URL}?schema={schema}"
    _drop_schema(schema)


def _analyzed(url: str) -> dict[str, bool]:
    """Each view table of the store's schema, and whether it has been analysed."""
    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL) as connection:
        rows = connection.execute(
            "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE schemaname = %s AND relname ~ '_[ab]$'",
            (schema,),
        ).fetchall()
    return dict(rows)


def test_a_replay_leaves_every_table_of_the_view_analysed(url: str, tmp_path: Path) -> None:
    history = tmp_path / "h.jsonl"
    history.write_text("".join(_history(tmp_path, 120)))
    invoked("--store", url, "append", str(history))
    assert not any(_analyzed(url).values())  # 120 events caught up one by one
    invoked("--store", url, "replay")
    analyzed = _analyzed(url)
    assert len(analyzed) == 7, analyzed  # segments, summaries, log, codes, three of scopes
    assert all(analyzed.values()), analyzed


def test_an_update_applying_many_events_analyses_the_view(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _history(tmp_path, 300)
    history = tmp_path / "h.jsonl"
    history.write_text("".join(lines[:120]))
    monkeypatch.setattr(keeper, "ANALYZE_FROM", 121)
    with Store(url) as store:
        store.append(history)
    assert not any(_analyzed(url).values())
    more = tmp_path / "more.jsonl"
    more.write_text("".join(lines[120:]))
    monkeypatch.setattr(keeper, "ANALYZE_FROM", 180)
    with Store(url) as store:
        report = store.append(more)
    assert report.appended == 180
    analyzed = _analyzed(url)
    assert len(analyzed) == 7, analyzed
    assert all(analyzed.values()), analyzed

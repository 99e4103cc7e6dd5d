"""A file appended a chunk at a time (issue 23: a 1M-record append within 1 GiB): read once to
outline it, then checked and written in chunks inside one transaction. It appends exactly what
checking the whole batch at once adds, all or nothing, on SQLite and PostgreSQL.

`domain.application.CHUNK` is lowered to a few events, so that a batch of tens of records
spans many chunks.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import regimes
from domain.appending import plan
from domain.application import AppendReport, RawRecord, Regimes
from domain.errors import BatchRejected
from regimes.reading import read_raw_records
from store.locations import parse_store
from store.log import open_application
from tests.samples import RECORDED_AT, action, batch, follow_up, imposed, jsonl
from tests.snapshots import snapshot

#: Events per chunk in these tests.
SMALL_CHUNK = 3


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("domain.application.CHUNK", SMALL_CHUNK)


def history() -> list[dict[str, Any]]:
    """Forty records: an early measure followed up long after its imposition (many chunks
    later), one suspended and resumed across chunks, an action answered by a later measure,
    a group named before the record that defines it."""
    records: list[dict[str, Any]] = [
        imposed("early", items=["Ga"], destinations=["@late-group"]),
        imposed("paused", items=["Ge"]),
        action("talks", occurred_on="2025-05-01"),
    ]
    records += [imposed(f"filler-{index}", items=["Dy"]) for index in range(30)]
    records += [
        follow_up("measure_suspended", "paused", effective_on="2025-06-01"),
        {
            "type": "group_defined",
            "group": "late-group",
            "title": "A group defined after a measure names it",
            "members": ["JP", "KR"],
            "effective_on": "2020-01-01",
            "sources": [{"title": "Gazette"}],
        },
        imposed("answer", items=["Tb"], responds_to=["talks"]),
        follow_up("measure_resumed", "paused", effective_on="2025-08-01"),
        follow_up("measure_amended", "early", effective_on="2025-09-01", items=["Ga", "Ge"]),
        follow_up("measure_lifted", "early", effective_on="2026-01-01"),
        follow_up("measure_lifted", "filler-0", effective_on="2026-01-01"),
    ]
    return records


def _file(tmp_path: Path, records: list[dict[str, Any]], name: str = "batch.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(jsonl(*records))
    return path


def _stored(app: Regimes) -> list[tuple[int, Any, int, str, bytes]]:
    """Every stored event with its position, in log order."""
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in app.recorder.select_notifications(start=1, limit=10_000)
    ]


def _append(url: str, source: Any, **options: Any) -> AppendReport:
    with regimes.Store(url) as store:
        return store.append(source, recorded_at=RECORDED_AT, **options)


def test_a_batch_over_many_chunks_stores_what_checking_it_whole_adds(
    store_url: str, tmp_path: Path
) -> None:
    records = history()
    report = _append(store_url, _file(tmp_path, records))
    assert (report.received, report.appended, report.unchanged) == (40, 40, 0)
    assert (report.first_position, report.last_position) == (1, 40)
    whole = open_application(parse_store("memory:"))
    try:
        events, _ = plan(whole.repository, batch(*records), RECORDED_AT)
        expected = [whole.mapper.to_stored_event(event) for event in events]
    finally:
        whole.close()
    app = open_application(parse_store(store_url))
    try:
        assert _stored(app) == [
            (position, e.originator_id, e.originator_version, e.topic, e.state)
            for position, e in enumerate(expected, 1)
        ]
        from store import log

        assert log.verify(app) == log.digest(app)  # the chain runs on across the chunks
    finally:
        app.close()


def test_a_follow_up_long_after_its_imposition_applies_to_the_measure_of_an_early_chunk(
    store_url: str, tmp_path: Path
) -> None:
    _append(store_url, _file(tmp_path, history()))
    with regimes.Store(store_url) as store:
        logged = {entry.position: entry.record for entry in store.log()}
        assert (logged[38]["type"], logged[38]["measure"]) == ("measure_amended", "early")
        answer = store.as_of("2025-12-01", elements=["Ge"], exporter="CN", importer="JP")
        assert "early" in {row["measure"] for row in answer.rows()}  # the amendment's item
        lifted = store.as_of("2026-02-01", elements=["Ga"], exporter="CN", importer="JP")
        assert "early" not in {row["measure"] for row in lifted.rows()}


def test_an_error_in_a_late_chunk_writes_nothing_and_is_reported_with_its_line(
    store_url: str, tmp_path: Path
) -> None:
    _append(store_url, jsonl(imposed("stored")))
    before = snapshot(store_url)
    records = history()
    # line 41: a resumption of a measure that is not suspended (a broken state rule found
    # after a dozen chunks were written); line 42: an unreadable record
    records += [
        follow_up("measure_resumed", "filler-5", effective_on="2025-08-01"),
        imposed("broken", items=["dy"]),
    ]
    with pytest.raises(BatchRejected) as raised:
        _append(store_url, _file(tmp_path, records))
    assert [(error.line, error.field) for error in raised.value.errors] == [
        (41, "effective_on"),
        (42, "items[0]"),
    ]
    assert snapshot(store_url) == before


def test_an_unknown_response_found_after_the_last_chunk_writes_nothing(
    store_url: str, tmp_path: Path
) -> None:
    """`responds_to` may name a measure or action further on in the batch, so an unknown one
    is only known once every record is checked, every chunk but the last written."""
    _append(store_url, jsonl(imposed("stored")))
    before = snapshot(store_url)
    records = [*history(), imposed("late-answer", responds_to=["never-taken"])]
    records.insert(5, imposed("early-answer", responds_to=["nowhere"]))
    with pytest.raises(BatchRejected) as raised:
        _append(store_url, _file(tmp_path, records))
    assert [(error.line, error.field, error.message) for error in raised.value.errors] == [
        (6, "responds_to", "'nowhere' is neither a measure nor an action in the log"),
        (42, "responds_to", "'never-taken' is neither a measure nor an action in the log"),
    ]
    assert snapshot(store_url) == before


def test_appending_the_file_again_counts_every_record_unchanged_and_writes_nothing(
    store_url: str, tmp_path: Path
) -> None:
    path = _file(tmp_path, history())
    _append(store_url, path)
    before = snapshot(store_url)
    report = _append(store_url, path)
    assert (report.received, report.appended, report.unchanged) == (40, 0, 40)
    assert (report.first_position, report.last_position) == (None, None)
    assert snapshot(store_url) == before


def test_a_file_partly_in_the_log_appends_the_rest_after_it(store_url: str, tmp_path: Path) -> None:
    records = history()
    _append(store_url, _file(tmp_path, records[1:21], "first.jsonl"))
    report = _append(store_url, _file(tmp_path, records))
    assert (report.appended, report.unchanged) == (20, 20)
    assert (report.first_position, report.last_position) == (21, 40)


def test_a_dry_run_over_many_chunks_reports_and_writes_nothing(
    store_url: str, tmp_path: Path
) -> None:
    _append(store_url, jsonl(imposed("stored")))
    before = snapshot(store_url)
    report = _append(store_url, _file(tmp_path, [imposed("stored"), *history()]), dry_run=True)
    assert (report.received, report.appended, report.unchanged, report.dry_run) == (
        41,
        40,
        1,
        True,
    )
    assert snapshot(store_url) == before


def test_an_input_read_once_appends_the_same_as_a_file(store_url: str, tmp_path: Path) -> None:
    """A pipe cannot be read twice: it is read whole, then checked and written in chunks."""

    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            return self.data.readinto(buffer)

    records = history()
    piped = _append(store_url, io.BufferedReader(Pipe(jsonl(*records))))
    assert (piped.appended, piped.first_position, piped.last_position) == (40, 1, 40)
    assert _append(store_url, _file(tmp_path, records)).unchanged == 40


def test_another_writer_between_the_outline_and_the_write_makes_the_append_check_again(
    store_url: str, tmp_path: Path
) -> None:
    """Another process imposes one of the batch's measures after the batch was outlined:
    the first write breaks the log's key, and the append checks everything again, finding
    that record already in the log."""
    data = jsonl(*history())
    readings = 0

    def read() -> Iterator[RawRecord]:
        nonlocal readings
        readings += 1
        if readings == 2:  # the first attempt's checking pass
            other = open_application(parse_store(store_url))
            try:
                report = other.append(batch(imposed("early", items=["Ga"])), RECORDED_AT)
                assert report.appended == 1
            finally:
                other.close()
        for line, raw in read_raw_records(io.BytesIO(data)):
            yield line, raw, None

    # the other writer's record differs from the batch's (no group): the batch is refused
    app = open_application(parse_store(store_url))
    try:
        with pytest.raises(BatchRejected) as raised:
            app.append_records(read, RECORDED_AT)
    finally:
        app.close()
    assert readings == 4  # outlined and checked twice
    assert [(error.line, error.field) for error in raised.value.errors] == [(1, "measure")]


def test_another_writer_of_the_same_record_leaves_it_counted_unchanged(
    store_url: str, tmp_path: Path
) -> None:
    records = history()
    data = jsonl(*records)
    readings = 0

    def read() -> Iterator[RawRecord]:
        nonlocal readings
        readings += 1
        if readings == 2:
            other = open_application(parse_store(store_url))
            try:
                assert other.append(batch(records[1]), RECORDED_AT).appended == 1
            finally:
                other.close()
        for line, raw in read_raw_records(io.BytesIO(data)):
            yield line, raw, None

    app = open_application(parse_store(store_url))
    try:
        report = app.append_records(read, RECORDED_AT)
        logged = [entry.record["measure"] for entry in app.records() if "measure" in entry.record]
    finally:
        app.close()
    assert readings == 4
    assert (report.appended, report.unchanged) == (39, 1)
    # (PostgreSQL's positions may skip those the failed write took.)
    assert (report.first_position or 0) > 1
    assert logged[:3] == ["paused", "early", "filler-0"]


def test_a_wrong_definition_of_a_group_named_earlier_is_reported_as_reading_it_whole_does(
    store_url: str, tmp_path: Path
) -> None:
    """The outline of a file read twice validates the definitions of groups and parties, so
    that a measure naming a group whose definition is wrong is refused as it is when the
    whole batch is read first (and the records following that measure up, in turn)."""
    records = history()
    records[34] = {**records[34], "title": None}
    with pytest.raises(BatchRejected) as streamed:
        _append(store_url, _file(tmp_path, records))
    app = open_application(parse_store(store_url))
    try:
        with pytest.raises(BatchRejected) as whole:
            app.append(batch(*records), RECORDED_AT)
    finally:
        app.close()
    assert streamed.value.errors == whole.value.errors
    assert [(error.line, error.field) for error in streamed.value.errors] == [
        (1, "destinations"),
        (35, "title"),
        (38, "measure"),
        (39, "measure"),
    ]

"""Digests (docs/projections.md §7-§8): the record chain names its position; the content chain is
the same for every store holding the same records, and a digest not extended says where histories
part."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import regimes
from tests.commands import answered, invoke, invoked
from tests.conftest import StoreFactory
from tests.samples import action, follow_up, imposed, jsonl

HISTORY = jsonl(imposed(), follow_up("measure_suspended", effective_on="2025-06-01"), action())


def _loaded(store: str, records: bytes = HISTORY) -> str:
    invoked("--store", store, "append", "-", stdin=records)
    return store


def test_stores_loaded_apart_have_equal_content_digests_and_verify_each_other(
    new_store: StoreFactory,
) -> None:
    first = _loaded(new_store())
    time.sleep(0.01)  # another record time
    second = _loaded(new_store())
    recorded = [invoked("--store", store, "digest").stdout.strip() for store in (first, second)]
    assert recorded[0] != recorded[1]  # the record chain covers record times
    content = [
        invoked("--store", store, "digest", "--content").stdout.strip() for store in (first, second)
    ]
    assert content[0] == content[1]
    assert content[0].startswith("content:")
    assert content[0].endswith("@3")
    for store in (first, second):
        result = invoke("--store", store, "verify", "--digest", content[0])
        assert result.exit_code == 0, result.stderr
        assert f"extends {content[0]}" in result.stderr


def test_a_content_digest_still_verifies_as_the_log_grows(new_store: StoreFactory) -> None:
    store = _loaded(new_store())
    cited = invoked("--store", store, "digest", "--content").stdout.strip()
    invoked("--store", store, "append", "-", stdin=jsonl(imposed("a-later-one")))
    assert invoked("--store", store, "digest", "--content").stdout.strip() != cited
    assert invoke("--store", store, "verify", "--digest", cited).exit_code == 0


def test_another_copys_record_digest_parts_without_blaming_alteration(
    new_store: StoreFactory,
) -> None:
    first = _loaded(new_store())
    time.sleep(0.01)
    second = _loaded(new_store())
    theirs = invoked("--store", first, "digest").stdout.strip()
    result = invoke("--store", second, "verify", "--digest", theirs)
    assert result.exit_code == 1
    assert "the two histories part at or before position 3" in result.stderr
    assert "altered" not in result.stderr
    assert "digest --content" in result.stderr


def test_a_content_digest_of_other_records_names_the_record_count(new_store: StoreFactory) -> None:
    first = _loaded(new_store())
    other = _loaded(new_store(), jsonl(imposed("something-else"), action()))
    theirs = invoked("--store", other, "digest", "--content").stdout.strip()
    result = invoke("--store", first, "verify", "--digest", theirs)
    assert result.exit_code == 1
    assert "part at or before record 2" in result.stderr
    longer = invoked("--store", first, "digest", "--content").stdout.strip()
    invoked("--store", other, "append", "-", stdin=jsonl(imposed("third")))
    result = invoke("--store", other, "verify", "--digest", longer)
    assert result.exit_code == 1


def test_a_digest_past_the_end_of_the_log_says_where_the_log_ends(new_store: StoreFactory) -> None:
    store = _loaded(new_store())
    link = invoked("--store", store, "digest").stdout.strip().split("@")[0]
    result = invoke("--store", store, "verify", "--digest", f"{link}@9")
    assert result.exit_code == 1
    assert "this log ends at position 3" in result.stderr
    result = invoke("--store", store, "verify", "--digest", f"content:{link}@9")
    assert "holds 3 records, fewer than 9" in result.stderr


def test_an_empty_log_has_no_content_digest(new_store: StoreFactory) -> None:
    store = new_store()
    invoked("--store", store, "init", "--empty")
    assert invoked("--store", store, "digest", "--content").stdout.strip() == "the log is empty"


def test_a_digest_of_position_0_and_reversed_bounds_are_usage_errors(
    new_store: StoreFactory,
) -> None:
    store = _loaded(new_store())
    assert invoke("--store", store, "verify", "--digest", f"content:{'0' * 64}@0").exit_code == 2
    assert (
        invoke(
            "--store", store, "timeline", "--since", "2026-01-01", "--until", "2025-01-01"
        ).exit_code
        == 2
    )


def test_a_file_with_a_correction_has_one_content_digest_whatever_day_it_is_appended(
    tmp_path: Path,
) -> None:
    """A correction without a publication date of its own is published the day it is
    appended (record time): the content digest leaves that date out, as it leaves out
    record time, so the same file gives the same content digest on any day. A date of its
    own is content: stores whose corrections were published on other days differ."""
    correction = follow_up("measure_corrected", fields={"items": ["Tb"]}, reason="r")

    def content_digest(name: str, day: int, records: list[dict[str, object]]) -> str:
        with regimes.open(str(tmp_path / name)) as store:
            store.append(records, recorded_at=datetime(2026, 1, day, tzinfo=UTC))
            return str(store.digest(content=True))

    first = content_digest("first.db", 10, [imposed(), correction])
    assert content_digest("second.db", 20, [imposed(), correction]) == first
    dated = {**correction, "published_on": "2026-01-15"}
    assert content_digest("dated.db", 20, [imposed(), dated]) != first
    with regimes.open(str(tmp_path / "first.db")) as store:
        exported = [logged.record for logged in store.log()]
    assert exported[1]["published_on"] == "2026-01-10"  # the export keeps the date: as if given
    assert content_digest("copy.db", 10, exported) == first  # appended that day: the same


def test_an_answer_at_a_position_in_a_gap_cites_the_digest_of_the_log_there(
    new_store: StoreFactory,
) -> None:
    """Positions have gaps where a transaction was rolled back (PostgreSQL's sequence moves
    on): an answer recorded at a position inside one cites the log as it stood there, the
    link of its last record before it, not null."""
    store = new_store()
    invoked("--store", store, "append", "-", stdin=jsonl(imposed()))
    if store.startswith("postgresql"):
        import psycopg
        from psycopg import sql

        schema = store.rsplit("schema=", 1)[1]
        with psycopg.connect(store.split("?")[0], autocommit=True) as connection:
            table = f"{schema}.regimes_events"
            [(sequence,)] = connection.execute(
                "SELECT pg_get_serial_sequence(%s, 'notification_id')", (table,)
            ).fetchall()
            connection.execute(sql.SQL("SELECT setval({}, 10)").format(sql.Literal(sequence)))
    invoked("--store", store, "append", "-", stdin=jsonl(action()))
    head = invoked("--store", store, "digest").stdout.strip()
    first = answered(store, "as-of", "2025-06-01", "-e", "Dy", "--recorded-at", "#1")["digest"]
    assert first is not None
    assert first.endswith("@1")
    last = int(head.rsplit("@", 1)[1])
    assert last == (11 if store.startswith("postgresql") else 2)
    for position in range(2, last):  # inside the gap, on PostgreSQL
        asked = answered(store, "as-of", "2025-06-01", "-e", "Dy", "--recorded-at", f"#{position}")
        assert asked["digest"] == first
    assert answered(store, "as-of", "2025-06-01", "-e", "Dy")["digest"] == head

"""Reading records from JSON Lines, a JSON array or a YAML list, each with its first line."""

from __future__ import annotations

import gc
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from domain.batch import Batch
from domain.records import MeasureImposedRecord
from regimes.reading import read_into
from tests.samples import action, imposed, jsonl

TEN_MB = 10 * 1024 * 1024


def read(data: bytes, source: str | None = None) -> Batch:
    """A batch read from one input."""
    batch = Batch()
    read_into(batch, io.BytesIO(data), source)
    return batch


def lines(batch: Batch) -> list[tuple[int, str]]:
    """The first line and type of every record read."""
    return [(numbered.line, numbered.record.type) for numbered in batch.records]


def errors(batch: Batch) -> list[tuple[int, str]]:
    """The line and field of every error."""
    return [(error.line, error.field) for error in batch.errors]


# --- JSON Lines ---------------------------------------------------------------------------------


def test_json_lines_are_read_with_their_line_numbers_skipping_blank_lines() -> None:
    data = b"\n" + jsonl(imposed()) + b"   \n\n\t\n" + jsonl(action())
    batch = read(data)
    assert lines(batch) == [(2, "measure_imposed"), (6, "action_taken")]
    assert batch.errors == []


def test_json_lines_with_windows_line_endings_are_read() -> None:
    data = jsonl(imposed()).replace(b"\n", b"\r\n") + b"\r\n" + jsonl(action())
    assert lines(read(data)) == [(1, "measure_imposed"), (3, "action_taken")]


def test_json_lines_after_many_blank_lines_are_still_json_lines() -> None:
    data = b"\n" * 10_000 + jsonl(imposed(), action())
    batch = read(data)
    assert lines(batch) == [(10_001, "measure_imposed"), (10_002, "action_taken")]
    assert batch.errors == []


def test_invalid_json_on_line_3_is_reported_and_the_other_lines_are_still_read() -> None:
    data = jsonl(imposed(), action()) + b'{"type": measure_lifted}\n' + jsonl(action("second"))
    batch = read(data)
    assert lines(batch) == [(1, "measure_imposed"), (2, "action_taken"), (4, "action_taken")]
    assert errors(batch) == [(3, "record")]
    assert batch.errors[0].message.startswith("invalid JSON")


def test_a_truncated_last_json_line_is_reported_on_its_line() -> None:
    data = jsonl(imposed(), action())[:-30]
    batch = read(data)
    assert lines(batch) == [(1, "measure_imposed")]
    assert errors(batch) == [(2, "record")]


def test_a_json_line_that_is_not_an_object_is_reported_on_its_line() -> None:
    batch = read(jsonl(imposed()) + b"[1, 2]\n" + b'"text"\n')
    assert lines(batch) == [(1, "measure_imposed")]
    assert errors(batch) == [(2, "record"), (3, "record")]


def test_a_record_that_fails_validation_is_reported_with_its_field_and_id() -> None:
    batch = read(jsonl(action(), imposed(items=["Xx"])))
    assert lines(batch) == [(1, "action_taken")]
    assert errors(batch) == [(2, "items[0]")]
    assert batch.unreadable_ids == {"cn-mofcom-2025-18"}


def test_errors_name_the_input_they_come_from() -> None:
    batch = Batch()
    read_into(batch, io.BytesIO(jsonl(imposed(issuer="cn"))), "first.jsonl")
    read_into(batch, io.BytesIO(jsonl(action(), action(kind="Summit"))), "second.jsonl")
    assert [str(error).split(": ")[:3] for error in batch.errors] == [
        ["first.jsonl", "line 1", "issuer"],
        ["second.jsonl", "line 2", "kind"],
    ]
    assert [(numbered.source, numbered.line) for numbered in batch.records] == [("second.jsonl", 1)]


def test_a_real_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(jsonl(imposed(), action()))
    batch = Batch()
    with path.open("rb") as stream:
        read_into(batch, stream, str(path))
    assert lines(batch) == [(1, "measure_imposed"), (2, "action_taken")]


# --- JSON array ---------------------------------------------------------------------------------


def test_a_json_array_gives_each_element_the_line_it_starts_on() -> None:
    text = (
        "[\n"
        + json.dumps(imposed())
        + ",\n\n"
        + json.dumps(action(), indent=2)
        + ",\n"
        + json.dumps(action("second"))
        + "\n]\n"
    )
    batch = read(text.encode())
    assert lines(batch) == [
        (2, "measure_imposed"),
        (4, "action_taken"),
        (4 + json.dumps(action(), indent=2).count("\n") + 1, "action_taken"),
    ]
    assert batch.errors == []


def test_a_json_array_on_one_line_puts_every_record_on_line_1() -> None:
    batch = read(json.dumps([imposed(), action()]).encode())
    assert lines(batch) == [(1, "measure_imposed"), (1, "action_taken")]


def test_a_json_array_after_blank_lines_counts_them() -> None:
    batch = read(b"\n\n  [\n" + json.dumps(imposed()).encode() + b"]")
    assert lines(batch) == [(4, "measure_imposed")]


def test_a_truncated_json_array_keeps_the_records_before_the_break() -> None:
    text = "[\n" + json.dumps(imposed()) + ",\n" + json.dumps(action())[:40]
    batch = read(text.encode())
    assert lines(batch) == [(2, "measure_imposed")]
    assert errors(batch) == [(3, "record")]
    assert batch.errors[0].message.startswith("invalid JSON")


def test_a_json_array_without_its_closing_bracket_is_reported() -> None:
    batch = read(("[\n" + json.dumps(imposed()) + "\n").encode())
    assert lines(batch) == [(2, "measure_imposed")]
    assert [error.field for error in batch.errors] == ["record"]


def test_text_after_a_json_array_is_reported() -> None:
    batch = read(("[" + json.dumps(imposed()) + "]\n\ntrailing").encode())
    assert lines(batch) == [(1, "measure_imposed")]
    assert [error.field for error in batch.errors] == ["record"]
    assert "after the end" in batch.errors[0].message


def test_a_json_array_element_that_is_not_an_object_is_reported_on_its_line() -> None:
    batch = read(("[\n" + json.dumps(imposed()) + ",\n42\n]").encode())
    assert lines(batch) == [(2, "measure_imposed")]
    assert errors(batch) == [(3, "record")]


# --- YAML ---------------------------------------------------------------------------------------

YAML = b"""\
# Rare earths, as recorded by hand.
- type: measure_imposed
  measure: cn-mofcom-2025-18
  issuer: CN
  kind: licence_requirement
  items: [Dy, Tb]
  destinations: ['*']
  announced_on: 2025-04-04
  effective_on: 2025-04-04
  sources:
    - title: MOFCOM announcement
      published_on: 2025-04-04

- {type: action_taken, action: busan-summit, issuer: CN, kind: summit,
   occurred_on: 2025-10-30, title: Busan, sources: [{title: Xinhua}]}
- type: measure_lifted
  measure: cn-mofcom-2025-18
  effective_on: "2025-11-10"
  sources: [{title: MOFCOM}]
"""


def test_a_yaml_list_gives_each_item_the_line_it_starts_on() -> None:
    batch = read(YAML)
    assert lines(batch) == [(2, "measure_imposed"), (14, "action_taken"), (16, "measure_lifted")]
    assert batch.errors == []


def test_unquoted_yaml_dates_are_dates() -> None:
    record = read(YAML).records[0].record
    assert isinstance(record, MeasureImposedRecord)
    assert record.effective_on == date(2025, 4, 4)
    assert record.sources[0].published_on == date(2025, 4, 4)


def test_an_unquoted_yaml_date_time_is_refused_as_not_a_date() -> None:
    batch = read(YAML.replace(b"effective_on: 2025-04-04", b"effective_on: 2025-04-04 10:00:00"))
    assert errors(batch) == [(2, "effective_on")]
    assert "date and time" in batch.errors[0].message
    assert lines(batch) == [(14, "action_taken"), (16, "measure_lifted")]


def test_yaml_that_is_a_mapping_is_not_a_list_of_records() -> None:
    batch = read(b"type: measure_imposed\nmeasure: cn-mofcom-2025-18\n")
    assert errors(batch) == [(1, "record")]
    assert "list" in batch.errors[0].message
    assert batch.records == []


def test_yaml_that_is_a_scalar_is_not_a_list_of_records() -> None:
    batch = read(b"\n\njust some text\n")
    assert errors(batch) == [(3, "record")]
    assert batch.records == []


def test_invalid_yaml_is_reported_on_the_line_of_the_problem() -> None:
    batch = read(b"- type: action_taken\n  action: a\n- [unclosed\n")
    assert errors(batch) == [(3, "record")]  # the last line, not the parser's virtual one
    assert batch.errors[0].message.startswith("invalid YAML")


def test_a_yaml_item_that_is_not_a_mapping_is_reported_on_its_line() -> None:
    batch = read(YAML + b"- just text\n")
    assert lines(batch)[-1] == (16, "measure_lifted")
    assert errors(batch) == [(20, "record")]


def test_yaml_python_tags_are_refused_not_run() -> None:
    batch = read(b"- !!python/object/apply:os.system ['true']\n")
    assert errors(batch) == [(1, "record")]


def test_several_yaml_documents_are_refused() -> None:
    batch = read(b"- {a: 1}\n---\n- {b: 2}\n")
    assert [error.field for error in batch.errors] == ["record"]
    assert batch.records == []


# --- malformed input ----------------------------------------------------------------------------


def test_empty_input_is_an_error() -> None:
    batch = read(b"")
    assert errors(batch) == [(1, "record")]
    assert "empty" in batch.errors[0].message


def test_input_of_only_blank_lines_is_an_error() -> None:
    batch = read(b"\n  \n\t\n")
    assert errors(batch) == [(1, "record")]
    assert "empty" in batch.errors[0].message


def test_a_utf8_byte_order_mark_is_reported_and_nothing_is_read() -> None:
    batch = read(b"\xef\xbb\xbf" + jsonl(imposed(), action()))
    assert errors(batch) == [(1, "record")]
    assert "byte-order mark" in batch.errors[0].message
    assert batch.records == []


def test_invalid_utf8_in_json_lines_is_reported_on_its_line() -> None:
    data = jsonl(imposed()) + b'{"type": "action_taken", "title": "caf\xe9"}\n' + jsonl(action())
    batch = read(data)
    assert lines(batch) == [(1, "measure_imposed"), (3, "action_taken")]
    assert errors(batch) == [(2, "record")]
    assert "UTF-8" in batch.errors[0].message


def test_invalid_utf8_in_yaml_is_reported_on_its_line() -> None:
    batch = read(YAML.replace(b"title: Busan", b"title: Bus\xffan"))
    assert errors(batch) == [(15, "record")]
    assert "UTF-8" in batch.errors[0].message


def test_deeply_nested_json_array_is_an_error_not_a_crash() -> None:
    batch = read(b"[" * 100_000)
    assert errors(batch) == [(1, "record")]
    assert batch.errors[0].message.startswith("invalid JSON")


def test_deeply_nested_json_after_a_good_element_keeps_the_good_one() -> None:
    batch = read(
        b"[\n" + json.dumps(imposed()).encode() + b",\n" + b"[" * 100_000 + b"]" * 100_000 + b"\n]"
    )
    assert lines(batch) == [(2, "measure_imposed")]
    assert errors(batch) == [(3, "record")]


def test_deeply_nested_json_line_is_an_error_not_a_crash() -> None:
    batch = read(jsonl(action()) + b'{"notes": ' * 100_000 + b"\n")
    assert lines(batch) == [(1, "action_taken")]
    assert errors(batch) == [(2, "record")]


def test_deeply_nested_yaml_is_an_error_not_a_crash() -> None:
    batch = read(b"- " * 100_000 + b"x\n")
    assert errors(batch) == [(1, "record")]
    assert batch.errors[0].message.startswith("invalid YAML")


def test_a_10_mb_line_with_a_huge_note_is_refused_for_its_note() -> None:
    batch = read(jsonl(imposed(notes="x" * TEN_MB), action()))
    assert errors(batch) == [(1, "notes")]
    assert "10000" in batch.errors[0].message
    assert lines(batch) == [(2, "action_taken")]
    assert batch.unreadable_ids == {"cn-mofcom-2025-18"}


def test_a_10_mb_line_of_a_valid_record_is_read() -> None:
    sources: list[dict[str, Any]] = [{"title": f"{n:05d} " + "x" * 9_000} for n in range(1_200)]
    data = jsonl(imposed(sources=sources))
    assert len(data) > TEN_MB
    batch = read(data)
    assert batch.errors == []
    record = batch.records[0].record
    assert isinstance(record, MeasureImposedRecord)
    assert len(record.sources) == 1_200


def test_reading_resumes_the_collector_even_when_the_input_is_bad() -> None:
    assert read(jsonl(imposed()) + b"{not json\n").errors
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # what was read stays collectable


def test_reading_leaves_what_the_caller_froze_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert read(jsonl(imposed())).records
        # not unfrozen (which would empty it); a frozen object whose last reference went
        # meanwhile (a cache entry replaced) leaves it, so the count may drop by a few
        assert frozen - 100 <= gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()

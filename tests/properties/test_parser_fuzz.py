"""Fuzzing the record parser: whatever it is fed, it accepts or says why, never crashes.

For any JSON-like value, any dict of the real field names with any values, and any bytes,
`parse_record` returns a valid record or raises `RecordErrors` (a list of located
`RecordError`s), and `Batch.read` never raises: unreadable input becomes `RecordError`s.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from domain.batch import Batch
from domain.errors import RecordError
from domain.records import (
    RECORD_TYPES,
    ActionTakenRecord,
    MeasureAmendedRecord,
    MeasureCorrectedRecord,
    MeasureImposedRecord,
    MeasureLiftedRecord,
    MeasureResumedRecord,
    MeasureRetractedRecord,
    MeasureSuspendedRecord,
    RecordErrors,
    SourceRecord,
    parse_record,
)
from regimes.reading import read_into

MODELS = (
    ActionTakenRecord,
    MeasureAmendedRecord,
    MeasureCorrectedRecord,
    MeasureImposedRecord,
    MeasureLiftedRecord,
    MeasureResumedRecord,
    MeasureRetractedRecord,
    MeasureSuspendedRecord,
)
#: Every field name any record has, in a stable order.
FIELD_NAMES = sorted({name for model in MODELS for name in model.model_fields})
SOURCE_FIELDS = sorted(SourceRecord.model_fields)


def fuzz(examples: int) -> settings:
    """Few enough examples that the whole file runs in a few seconds; no deadline."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


#: Anything JSON (or YAML) can hold.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

#: Words a record is made of, right and almost right, so the fuzzer reaches deep checks.
PLAUSIBLE = st.sampled_from(
    [
        "2025-04-04",
        "2025-02-30",
        "2025-13-01",
        "0000-01-01",
        "2025-1-5",
        "2025-04-04T10:00:00",
        "9999-12-31",
        "0001-01-01",
        "Dy",
        "dy",
        "Xx",
        "REE",
        "ree",
        "graphite",
        "*",
        "CN",
        "JP",
        "jp",
        "XX",
        "JPN",
        "cn-mofcom-2025-18",
        "Bad Id",
        "-x",
        "a" * 101,
        "export",
        "import",
        "licence_requirement",
        "export_ban",
        "tariff",
        "in_force",
        "reported",
        "de_facto",
        "military",
        "summit",
        "https://example.org/a",
        "ftp://x",
        "",
        " ",
        "\x00",
        "\ufeff",
        *RECORD_TYPES,
        *FIELD_NAMES,
    ]
)
plausible_values = st.one_of(
    PLAUSIBLE,
    st.lists(PLAUSIBLE, max_size=4),
    st.lists(
        st.dictionaries(
            st.sampled_from(SOURCE_FIELDS) | st.text(max_size=5),
            PLAUSIBLE | json_values,
            max_size=4,
        ),
        max_size=3,
    ),
    st.dictionaries(
        st.sampled_from(FIELD_NAMES), PLAUSIBLE | st.lists(PLAUSIBLE, max_size=3), max_size=4
    ),
    json_values,
)


@st.composite
def field_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A dict of real field names with arbitrary values, usually with a real record type."""
    record: dict[str, Any] = {"type": draw(st.sampled_from(RECORD_TYPES) | json_values)}
    record.update(
        draw(
            st.dictionaries(
                st.sampled_from(FIELD_NAMES), plausible_values, max_size=len(FIELD_NAMES)
            )
        )
    )
    return record


def check_parse(raw: object, line: int = 7) -> None:
    """`parse_record` accepts `raw` as a valid record, or raises located `RecordErrors`."""
    problems: list[RecordError] | None = None
    try:
        record = parse_record(raw, line)
    except RecordErrors as error:
        problems = error.errors
    if problems is not None:
        assert problems
        for problem in problems:
            assert isinstance(problem, RecordError)
            assert problem.line == line
            assert isinstance(problem.field, str)
            assert problem.field
            assert isinstance(problem.message, str)
            assert problem.message
            assert str(problem).startswith(f"line {line}: {problem.field}: ")
        return
    assert isinstance(record, MODELS)
    assert isinstance(raw, dict)
    assert record.type == raw["type"]
    json.dumps(record.payload(), default=str)
    record.model_dump(mode="json")


def check_read(data: bytes) -> Batch:
    """`Batch.read` never raises; everything it could not take is a located `RecordError`."""
    batch = Batch()
    read_into(batch, io.BytesIO(data), "fuzz.input")
    for numbered in batch.records:
        assert numbered.line >= 1
        assert isinstance(numbered.record, MODELS)
    for problem in batch.errors:
        assert isinstance(problem, RecordError)
        assert problem.line >= 1
        assert problem.field
        assert problem.source == "fuzz.input"
    return batch


@fuzz(200)
@given(json_values)
def test_any_json_value_is_a_record_or_located_errors(raw: object) -> None:
    check_parse(raw)


@fuzz(150)
@given(field_dicts())
def test_any_dict_of_real_fields_is_a_record_or_located_errors(raw: dict[str, Any]) -> None:
    check_parse(raw)


@fuzz(100)
@given(
    st.lists(field_dicts() | json_values, min_size=1, max_size=4),
    st.sampled_from(["jsonl", "json", "yaml"]),
)
def test_any_records_in_any_format_are_read_or_located(records: list[Any], form: str) -> None:
    if form == "jsonl":
        data = "".join(json.dumps(record) + "\n" for record in records).encode()
    elif form == "json":
        data = json.dumps(records, indent=1).encode()
    else:
        data = yaml.safe_dump(records, allow_unicode=True).encode()
    batch = check_read(data)
    # JSON Lines whose first line is not an object are read as a JSON array or YAML instead.
    if not batch.errors and (form != "jsonl" or isinstance(records[0], dict)):
        assert len(batch.records) == len(records)


PREFIXES = [
    b"",
    b"{",
    b"[",
    b"- ",
    b"[{",
    b'{"type": "measure_imposed", ',
    b"\xef\xbb\xbf",
    b"\n\n",
    b"- type: action_taken\n  ",
]


@fuzz(500)
@given(st.sampled_from(PREFIXES), st.binary(max_size=200) | st.text(max_size=100).map(str.encode))
@example(b"[", b"9" * 5000 + b"]")
@example(b"{", b'"type": "action_taken", "notes": ' + b"9" * 5000 + b"}")
@example(b"- ", b"notes: " + b"9" * 5000)
@example(b"", b"[" * 100_000)
@example(b"{", b'"a": ' + b"[" * 100_000)
@example(b"- ", b"[" * 100_000)
@example(b"", b"")
@example(b"\xef\xbb\xbf", b"")
@example(b"{", b"\xff\xfe}")
@example(b"- ", b"\xff")
@example(b"[", b'"\\ud800"]')
@example(b"", b"- !!python/object/apply:os.system [true]")
@example(b"", b"- &a [*a]")
def test_any_bytes_are_read_or_located(prefix: bytes, data: bytes) -> None:
    check_read(prefix + data)


@pytest.mark.parametrize(
    "text",
    [
        "[1e999999]",
        "[-1e999999]",
        "[NaN, Infinity]",
        "[{}]",
        "[[]]",
        "[null]",
        '[{"type": null}]',
        '[{"type": {}}]',
        '[{"type": []}]',
        '[{"type": "measure_imposed", "fields": 1}]',
    ],
)
def test_json_array_oddities_are_read_or_located(text: str) -> None:
    check_read(text.encode())

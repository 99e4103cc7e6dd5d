"""A key given twice in one object is refused with its line and field, in every input format.

JSON and YAML readers keep the last of repeated keys without a word, so a record could say
one title to a reviewer reading the file and store another (issue 14, defect 9).
"""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.batch import Batch
from regimes.reading import _json_line, read_into
from tests.samples import action, imposed, jsonl

DUPLICATE = "duplicate key"


def read(data: bytes) -> Batch:
    batch = Batch()
    read_into(batch, io.BytesIO(data))
    return batch


def errors(batch: Batch) -> list[tuple[int, str]]:
    return [(error.line, error.field) for error in batch.errors]


def line(record: dict[str, object], *extra: str) -> bytes:
    """One JSON line of `record` with `extra` members written after its own."""
    text = json.dumps(record)
    return (text[:-1] + "".join(f", {member}" for member in extra) + "}\n").encode()


# --- JSON Lines ---------------------------------------------------------------------------------


def test_a_top_level_key_given_twice_in_a_json_line_is_refused_with_its_line() -> None:
    batch = read(jsonl(action("first")) + line(imposed(title="First"), '"title": "Second"'))
    assert errors(batch) == [(2, "title")]
    assert DUPLICATE in batch.errors[0].message
    assert [numbered.record.type for numbered in batch.records] == ["action_taken"]


def test_a_nested_key_given_twice_in_a_json_line_is_refused_with_its_path() -> None:
    data = line(imposed()).replace(
        b'"published_on": "2025-04-04"',
        b'"published_on": "2025-04-04", "published_on": "2025-05-01"',
    )
    assert errors(read(data)) == [(1, "sources[0].published_on")]


def test_a_key_spelled_once_plainly_and_once_with_escapes_is_the_same_key() -> None:
    assert errors(read(line(imposed(title="First"), '"\\u0074itle": "Second"'))) == [(1, "title")]


def test_colons_in_values_and_escaped_colons_are_no_duplicates() -> None:
    record = imposed(
        title="Note: a: b",
        document="MOFCOM 18: annex",
        sources=[{"title": "Re: x", "url": "https://example.org:8443/a:b"}],
    )
    assert errors(read(line(record))) == []
    escaped = line(record).replace(b"Note: a", b"Note\\u003a a")
    batch = read(escaped)
    assert errors(batch) == []
    assert batch.records[0].record.title == "Note: a: b"  # type: ignore[union-attr]
    assert errors(read(escaped[:-2] + b', "notes": "x", "notes": "y"}\n')) == [(1, "notes")]


def test_a_measure_refused_for_a_duplicate_key_does_not_make_its_follow_ups_unknown() -> None:
    follow = {
        "type": "measure_lifted",
        "measure": "cn-x",
        "effective_on": "2025-06-01",
        "sources": [{"title": "t"}],
    }
    batch = read(line(imposed("cn-x"), '"issuer": "CN"') + jsonl(follow))
    assert "cn-x" in batch.unreadable_ids


def test_a_line_nested_deeper_than_the_exact_check_reads_is_refused_not_let_through() -> None:
    depth = 1_020  # orjson reads it; the standard reader, which finds the key, cannot
    data = b'{"notes": ' + b"[" * depth + b"]" * depth + b', "notes": "x"}\n'
    assert errors(read(data)) == [(1, "record")]
    assert "nested too deeply" in read(data).errors[0].message


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(alphabet=': "\\ab{}[],'),
        lambda children: (
            st.lists(children, max_size=3)
            | st.lists(
                st.tuples(st.sampled_from(["a", "b", "a:b", ":", "\\", '"']), children), max_size=4
            )
        ),
        max_leaves=12,
    )
)
def test_the_fast_check_of_a_json_line_agrees_with_reading_every_pair(value: object) -> None:
    """Objects are written from lists of pairs, so keys may repeat anywhere."""

    def write(node: object) -> str:
        if isinstance(node, list) and node and isinstance(node[0], tuple):
            return "{" + ", ".join(f"{json.dumps(k)}: {write(v)}" for k, v in node) + "}"
        if isinstance(node, list):
            return "[" + ", ".join(map(write, node)) + "]"
        return json.dumps(node)

    def repeats(node: object) -> bool:
        if isinstance(node, list) and node and isinstance(node[0], tuple):
            keys = [key for key, _ in node]
            return len(set(keys)) != len(keys) or any(repeats(v) for _, v in node)
        return isinstance(node, list) and any(map(repeats, node))

    text = write(value).encode()
    read_back = _json_line(1, text)
    assert (getattr(read_back, "message", "").startswith(DUPLICATE)) == repeats(value)


# --- JSON arrays and YAML -----------------------------------------------------------------------


def test_a_key_given_twice_in_a_json_array_element_is_refused_on_its_line() -> None:
    data = (
        b"[\n"
        + line(imposed("one")).rstrip()
        + b",\n"
        + line(imposed("two"), '"kind": "export_ban"').rstrip()
        + b"\n]\n"
    )
    batch = read(data)
    assert errors(batch) == [(3, "kind")]
    assert [numbered.line for numbered in batch.records] == [2]


YAML = b"""\
- type: action_taken
  action: busan
  issuer: CN
  kind: summit
  occurred_on: '2025-10-30'
  title: First
  sources:
  - title: x
    url: https://example.org/a
"""


def test_a_key_given_twice_in_yaml_is_refused_naming_both_lines() -> None:
    batch = read(YAML + b'  "title": Second\n')
    assert errors(batch) == [(1, "title")]
    assert "again on line 10" in batch.errors[0].message


def test_a_nested_key_given_twice_in_yaml_is_refused_with_its_path() -> None:
    batch = read(YAML + b"    url: https://example.org/b\n")
    assert errors(batch) == [(1, "sources[0].url")]


def test_yaml_merge_keys_may_be_overridden_as_yaml_means_them_to() -> None:
    data = (
        b"- &base {type: action_taken, action: one, issuer: CN, kind: summit,\n"
        b"         occurred_on: '2025-10-30', title: T, sources: [{title: x}]}\n"
        b"- <<: *base\n  action: two\n"
    )
    batch = read(data)
    assert errors(batch) == []
    assert [numbered.line for numbered in batch.records] == [1, 3]

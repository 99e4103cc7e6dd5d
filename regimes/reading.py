"""Reads input files: JSON Lines, a JSON array or a YAML list, keeping each record's line
and refusing repeated keys; into a batch, or record by record, again on every reading."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from functools import cache, partial
from typing import IO, TYPE_CHECKING, Any

import orjson

from domain.batch import Batch, DuplicateKey, printable_source
from domain.errors import InputChanged, RecordError
from domain.record_errors import field_path
from projections.collector import collection_paused

if TYPE_CHECKING:
    from domain.application import RawRecord

_BOM = b"\xef\xbb\xbf"


def read_into(
    batch: Batch,
    stream: IO[bytes],
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Adds every record of one input to `batch`, naming it `source` in errors; `progress`
    hears how many records the batch holds, every thousand."""
    source = printable_source(source)
    with collection_paused():
        for line, raw in read_raw_records(stream):
            if progress is not None and line % 1000 == 0:
                progress(len(batch))
            batch.add(line, raw, source)


def rereading(
    inputs: Sequence[tuple[IO[bytes], str | None]], progress: Callable[[int], None] | None = None
) -> Rereading | None:
    """How to read every record of the inputs (each named in errors, or not), again from
    where each starts now on every call; None when an input cannot be read twice (a pipe).
    `progress` hears how many records a checking reading has read, every thousand (not the
    reading ahead: `Rereading.ahead`)."""
    if not all(stream.seekable() for stream, _ in inputs):
        return None
    return Rereading(
        [(stream, stream.tell(), printable_source(name)) for stream, name in inputs], progress
    )


class Rereading:
    """Inputs read again from the start on every call, each record exactly as `read_into`
    reads it; or, ahead of checking them, lightly (`ahead`)."""

    def __init__(
        self,
        starts: list[tuple[IO[bytes], int, str | None]],
        progress: Callable[[int], None] | None,
    ) -> None:
        self.starts = starts
        self.progress = progress
        #: The fingerprint of each input's bytes as the last reading ahead read them: a
        #: checking reading that reads other bytes (a file written meanwhile) stops there.
        self.read_ahead: list[bytes] | None = None

    def __call__(self) -> Iterator[RawRecord]:
        """Every record: its first line, the raw record (or the `RecordError` that it could
        not be read), and its input's name."""
        return self._read(None, self.progress)

    def ahead(self, exact: Callable[[Any], bool]) -> Iterator[RawRecord]:
        """Every record as `__call__` gives it, but for what an outline of the batch needs:
        a line of JSON Lines is only decoded, a key it gives twice unnoticed (finding one
        costs as much again), unless `exact` picks the decoded record (then it is read as
        `__call__` reads it). A record read wrong this way is read right, and refused, by
        the checking reading."""
        return self._read(exact, None)

    def _read(
        self, exact: Callable[[Any], bool] | None, told: Callable[[int], None] | None
    ) -> Iterator[RawRecord]:
        count = 0
        fingerprints: list[bytes] = []
        for index, (stream, start, source) in enumerate(self.starts):
            stream.seek(start)
            fingerprinted = _Fingerprinted(stream)
            buffered = io.BufferedReader(fingerprinted, _BUFFER)
            try:
                for line, record in read_raw_records(buffered, exact):
                    count += 1
                    if told is not None and count % 1000 == 0:
                        told(count)
                    yield line, record, source
            finally:
                buffered.detach()  # a buffer let go would close the input
            fingerprints.append(fingerprinted.digest())
            ahead = self.read_ahead
            if exact is None and ahead is not None and ahead[index] != fingerprints[index]:
                name = getattr(stream, "name", None)  # a file's path (or its descriptor)
                named = source or printable_source(name if isinstance(name, str) else None)
                raise InputChanged(
                    f"{named or 'the input'} changed while it was appended (it was written "
                    "meanwhile); nothing was written: append it again once it is complete"
                )
        if exact is not None:
            self.read_ahead = fingerprints


#: The read size of a reading (larger than io's default: fewer calls to fingerprint).
_BUFFER = 1 << 16


class _Fingerprinted(io.RawIOBase):
    """A binary stream read through, fingerprinting every byte read (SHA-256: the fastest
    of hashlib's here, where the processor computes it)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.hash.update(data)
        return size

    def digest(self) -> bytes:
        return self.hash.digest()


class _Pairs(dict[str, Any]):
    """A JSON object as read, remembering the keys it was given more than once."""

    duplicates: list[str]


def _json_pairs(found: list[_Pairs]) -> Callable[[list[tuple[str, Any]]], _Pairs]:
    """An `object_pairs_hook` that notes, in `found`, each object with a repeated key."""

    def pairs(items: list[tuple[str, Any]]) -> _Pairs:
        made = _Pairs(items)
        if len(made) != len(items):
            seen: set[str] = set()
            made.duplicates = []
            for key, _ in items:
                if key in seen:
                    made.duplicates.append(key)
                seen.add(key)
            found.append(made)
        return made

    return pairs


def _duplicate_path(value: Any, location: list[str | int]) -> list[str | int] | None:
    """Where a repeated key is (an outer object's first), as a field path."""
    if isinstance(value, _Pairs) and hasattr(value, "duplicates"):
        return [*location, value.duplicates[0]]
    children = (
        value.items()
        if isinstance(value, dict)
        else (enumerate(value) if isinstance(value, list) else ())
    )
    for key, child in children:
        found = _duplicate_path(child, [*location, key])
        if found is not None:
            return found
    return None


def _duplicate_key(line: int, value: Any) -> DuplicateKey:
    location = _duplicate_path(value, []) or []
    return DuplicateKey(
        line,
        field_path(location),
        "duplicate key: each key may be given once in an object",
        record=value,
    )


def read_raw_records(
    stream: IO[bytes], exact: Callable[[Any], bool] | None = None
) -> Iterator[tuple[int, Any | RecordError]]:
    """Each record of the stream with its line number; JSON Lines are read one line at a time.

    With `exact`, a line of JSON Lines is only decoded, unless `exact` picks the decoded
    record (`Rereading.ahead`); other formats are read whole, and exactly, anyway."""
    raw: Any = stream
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    if buffered.peek(3).startswith(_BOM):
        yield (
            1,
            RecordError(
                1,
                "record",
                "the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM",
            ),
        )
        return
    blank = 0
    first_line = buffered.readline(LINE_LIMIT + 1)
    while first_line and not first_line.strip():
        blank += first_line.endswith(b"\n")  # (a blank line past the limit comes in parts)
        first_line = buffered.readline(LINE_LIMIT + 1)
    if first_line.lstrip().startswith(b"{"):
        lines = _json_lines(buffered, first_line, blank + 1)
        if exact is None:
            for number, line in lines:
                if isinstance(line, RecordError):
                    yield number, line
                elif line.strip():
                    yield number, _json_line(number, line)
            return
        for number, line in lines:
            if isinstance(line, RecordError):
                yield number, line
            elif line.strip():
                try:
                    value = orjson.loads(line)
                except orjson.JSONDecodeError:
                    value = _json_line(number, line)
                else:
                    if exact(value):
                        value = _json_line(number, line)
                yield number, value
        return
    whole = first_line + buffered.read(WHOLE_LIMIT + 1 - len(first_line))
    if len(whole) > WHOLE_LIMIT:
        yield 1, RecordError(1, "record", _too_long("the input", WHOLE_LIMIT))
        return
    text = _decode(b"\n" * blank + whole)
    if isinstance(text, RecordError):
        yield text.line, text
    elif not text.strip():
        yield 1, RecordError(1, "record", "the input is empty: no records")
    elif text.lstrip().startswith("["):
        yield from _json_array(text)
    else:
        yield from _yaml_list(text)


#: The longest line of JSON Lines read, and the largest JSON array or YAML list (read whole):
#: an input past them (a file without line breaks, /dev/zero) is refused, not read until
#: memory runs out.
LINE_LIMIT = 64 << 20
WHOLE_LIMIT = 256 << 20


def _too_long(what: str, limit: int) -> str:
    return (
        f"{what} is longer than {limit >> 20} MiB: give a large input as JSON Lines, one "
        f"record of at most {LINE_LIMIT >> 20} MiB a line"
    )


def _json_lines(
    buffered: io.BufferedReader, first_line: bytes, first_number: int
) -> Iterator[tuple[int, bytes | RecordError]]:
    """The lines of JSON Lines from `first_line` (line `first_number`), ended by a
    `RecordError` at a line longer than `LINE_LIMIT`."""
    rest = iter(partial(buffered.readline, LINE_LIMIT + 1), b"")
    for number, line in enumerate(itertools.chain([first_line], rest), first_number):
        if len(line) > LINE_LIMIT:
            yield number, RecordError(number, "record", _too_long("the line", LINE_LIMIT))
            return
        yield number, line


def _decode(data: bytes) -> str | RecordError:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return RecordError(line, "record", f"invalid UTF-8 at byte {error.start}")


def _json_line(number: int, line: bytes) -> Any | RecordError:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        decoded = _decode(line)
        if isinstance(decoded, RecordError):
            return RecordError(number, "record", decoded.message)
        return RecordError(number, "record", f"invalid JSON: {error}")
    # orjson keeps the last of repeated keys without a word. Every member of every object is
    # one ':' outside the strings, and orjson writes back the strings' own ':' as they were,
    # so the line repeats a key exactly when it has more ':' than what orjson read back has;
    # unless a string spells ':' as \u003a, which the exact (slower) reading settles.
    if line.count(b":") == orjson.dumps(value).count(b":") and (
        b"\\" not in line or b"u003" not in line
    ):  # one byte is found the fastest
        return value
    found: list[_Pairs] = []
    try:
        checked = json.loads(line, object_pairs_hook=_json_pairs(found))
    except RecursionError:  # orjson reads deeper than the standard reader
        return RecordError(number, "record", "invalid JSON: nested too deeply")
    return _duplicate_key(number, checked) if found else value


def _json_array(text: str) -> Iterator[tuple[int, Any | RecordError]]:
    found: list[_Pairs] = []
    decoder = json.JSONDecoder(object_pairs_hook=_json_pairs(found))
    index = text.index("[") + 1
    line = 1 + text.count("\n", 0, index)
    while True:
        start = _skip_space(text, index)
        if start < len(text) and text[start] == "]":
            if text[start + 1 :].strip():
                yield (
                    _line_at(text, start + 1),
                    RecordError(
                        _line_at(text, start + 1), "record", "text after the end of the JSON array"
                    ),
                )
            return
        line = _line_at(text, start)
        try:
            value, index = decoder.raw_decode(text, start)
        except (ValueError, RecursionError) as error:  # ValueError: also integers too long
            yield line, RecordError(line, "record", f"invalid JSON: {_json_reason(error)}")
            return
        if found:
            found.clear()
            yield line, _duplicate_key(line, value)
        else:
            yield line, value
        index = _skip_space(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
            if index < len(text) and text[index] == "]":
                at = _line_at(text, index)
                yield at, RecordError(at, "record", "invalid JSON: a comma before ']'")
                return
        elif index >= len(text) or text[index] != "]":
            at = _line_at(text, index)
            yield at, RecordError(at, "record", "invalid JSON: expected ',' or ']'")
            return


def _json_reason(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


@cache
def _checking_loader() -> Any:
    """A safe YAML loader that notes each mapping giving a key twice (YAML itself keeps the
    last without a word). Keys merged in with `<<` may be overridden, as YAML means them to."""
    import yaml  # only YAML input needs it (start-up of every append)

    base: Any = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader

    class Loader(base):  # type: ignore[misc]
        repeated: list[tuple[Any, Any]]

        def construct_yaml_binary(self, node: Any) -> Any:
            # bytes are no record value: text fields take text (and bytes would pass as it)
            raise yaml.constructor.ConstructorError(
                None, None, "binary values (!!binary) are not accepted: give text", node.start_mark
            )

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node)  # kept: constructed once
                if key in seen:
                    self.repeated.append((node, key_node))
                seen.add(key)
            return super().construct_mapping(node, deep)

    Loader.add_constructor("tag:yaml.org,2002:binary", Loader.construct_yaml_binary)
    return Loader


_MERGE = "tag:yaml.org,2002:merge"


def _node_path(
    node: Any, target: Any, location: list[str | int], seen: set[int]
) -> list[str | int] | None:
    """Where `target` is under `node`, as a field path (aliases are followed once)."""
    if node is target:
        return location
    if id(node) in seen:
        return None
    seen.add(id(node))
    children: Any = ()
    if isinstance(node.value, list) and node.value and isinstance(node.value[0], tuple):
        children = ((str(key.value), value) for key, value in node.value)
    elif isinstance(node.value, list):
        children = enumerate(node.value)
    for part, child in children:
        found = _node_path(child, target, [*location, part], seen)
        if found is not None:
            return found
    return None


def _yaml_duplicate(line: int, item: Any, value: Any, repeated: tuple[Any, Any]) -> DuplicateKey:
    mapping, key_node = repeated
    location = _node_path(item, mapping, [], set()) or []
    return DuplicateKey(
        line,
        field_path([*location, str(key_node.value)]),
        "duplicate key: each key may be given once in an object (again on "
        f"line {key_node.start_mark.line + 1})",
        record=value,
    )


def _yaml_list(text: str) -> Iterator[tuple[int, Any | RecordError]]:
    import yaml

    loader = _checking_loader()(text)
    loader.repeated = []
    try:
        node = loader.get_single_node()
        if not isinstance(node, yaml.SequenceNode):
            line = node.start_mark.line + 1 if node is not None else 1
            yield (
                line,
                RecordError(
                    line, "record", "expected JSON Lines, a JSON array or a YAML list of records"
                ),
            )
            return
        for item in node.value:
            line = item.start_mark.line + 1
            try:
                value = loader.construct_document(item)
                if loader.repeated:
                    yield line, _yaml_duplicate(line, item, value, loader.repeated[0])
                    loader.repeated.clear()
                else:
                    yield line, value
            except yaml.MarkedYAMLError as error:  # where, from its mark, not in its text
                mark = error.problem_mark or error.context_mark
                at = mark.line + 1 if mark is not None else line
                yield line, RecordError(at, "record", f"invalid YAML value: {error.problem}")
            except (yaml.YAMLError, ValueError, TypeError) as error:
                yield line, RecordError(line, "record", f"invalid YAML value: {error}")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        line = min(mark.line + 1, max(last_line, 1)) if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        yield line, RecordError(line, "record", f"invalid YAML: {problem}")
    except RecursionError:
        yield 1, RecordError(1, "record", "invalid YAML: nested too deeply")
    finally:
        loader.dispose()

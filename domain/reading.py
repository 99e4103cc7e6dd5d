"""Reads records from JSON Lines, a JSON array or a YAML list, keeping each record's line."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any

import orjson

from domain.collector import collection_paused
from domain.errors import RecordError
from domain.records import Record, RecordErrors, parse_record

#: A raw record (whatever the file held) or why it could not be read, with its first line.
RawRecord = tuple[int, Any]

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Numbered:
    """A valid record and where it was read: its input and first line."""

    line: int
    record: Record
    source: str | None = None

    def error(self, field: str, message: str) -> RecordError:
        """A problem with this record, located."""
        return RecordError(self.line, field, message, self.source)


@dataclass
class Batch:
    """Records read from one or more inputs: the valid ones, and what was wrong with the rest."""

    records: list[Numbered] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    #: Ids named by records that could not be read, so follow-ups on them are not blamed.
    unreadable_ids: set[str] = field(default_factory=set)

    def read(self, stream: IO[bytes], source: str | None = None,
             progress: Callable[[int], None] | None = None) -> None:
        """Adds every record of one input, naming it `source` in errors; `progress` hears
        how many records this batch holds, every thousand."""
        with collection_paused():
            self._read(stream, source, progress)

    def _read(self, stream: IO[bytes], source: str | None,
              progress: Callable[[int], None] | None) -> None:
        for line, raw in read_raw_records(stream):
            if progress is not None and line % 1000 == 0:
                progress(len(self.records) + len(self.errors))
            if isinstance(raw, RecordError):
                self.errors.append(replace(raw, source=source))
                continue
            try:
                self.records.append(Numbered(line, parse_record(raw, line), source))
            except RecordErrors as error:
                self.errors.extend(replace(e, source=source) for e in error.errors)
                if isinstance(raw, dict):  # only plain ids: never render arbitrary input
                    self.unreadable_ids.update(
                        raw[key] for key in ("measure", "action") if isinstance(raw.get(key), str))


def read_raw_records(stream: IO[bytes]) -> Iterator[tuple[int, Any | RecordError]]:
    """Each record of the stream with its line number; JSON Lines are read one line at a time."""
    raw: Any = stream
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
    if buffered.peek(3).startswith(_BOM):
        yield 1, RecordError(1, "record", "the file starts with a UTF-8 byte-order mark; "
                                          "save it as UTF-8 without BOM")
        return
    blank = 0
    first_line = buffered.readline()
    while first_line and not first_line.strip():
        blank += 1
        first_line = buffered.readline()
    if first_line.lstrip().startswith(b"{"):
        for number, line in enumerate(itertools.chain([first_line], buffered), blank + 1):
            if line.strip():
                yield number, _json_line(number, line)
        return
    text = _decode(b"\n" * blank + first_line + buffered.read())
    if isinstance(text, RecordError):
        yield text.line, text
    elif not text.strip():
        yield 1, RecordError(1, "record", "the input is empty: no records")
    elif text.lstrip().startswith("["):
        yield from _json_array(text)
    else:
        yield from _yaml_list(text)


def _decode(data: bytes) -> str | RecordError:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return RecordError(line, "record", f"invalid UTF-8 at byte {error.start}")


def _json_line(number: int, line: bytes) -> Any | RecordError:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as error:
        decoded = _decode(line)
        if isinstance(decoded, RecordError):
            return RecordError(number, "record", decoded.message)
        return RecordError(number, "record", f"invalid JSON: {error}")


def _json_array(text: str) -> Iterator[tuple[int, Any | RecordError]]:
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    line = 1 + text.count("\n", 0, index)
    while True:
        start = _skip_space(text, index)
        if start < len(text) and text[start] == "]":
            if text[start + 1 :].strip():
                yield _line_at(text, start + 1), RecordError(
                    _line_at(text, start + 1), "record", "text after the end of the JSON array")
            return
        line = _line_at(text, start)
        try:
            value, index = decoder.raw_decode(text, start)
        except (ValueError, RecursionError) as error:  # ValueError: also integers too long
            yield line, RecordError(line, "record", f"invalid JSON: {_json_reason(error)}")
            return
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


def _yaml_list(text: str) -> Iterator[tuple[int, Any | RecordError]]:
    import yaml  # only YAML input needs it (start-up of every append)

    loader = yaml.CSafeLoader(text) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if not isinstance(node, yaml.SequenceNode):
            line = node.start_mark.line + 1 if node is not None else 1
            yield line, RecordError(line, "record",
                                    "expected JSON Lines, a JSON array or a YAML list of records")
            return
        for item in node.value:
            line = item.start_mark.line + 1
            try:
                yield line, loader.construct_document(item)
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

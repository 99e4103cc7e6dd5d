"""A batch of input records: the valid ones with their lines, and what was wrong with the rest."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from domain.controls import visible
from domain.errors import RecordError
from domain.records import Record, RecordErrors, parse_record


def printable_source(source: str | None) -> str | None:
    """An input's name as errors print it (control characters made visible)."""
    return None if source is None else visible(source)


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

    def __len__(self) -> int:
        return len(self.records) + len(self.errors)

    def add(self, line: int, raw: Any, source: str | None = None) -> None:
        """Adds one record as read from input `source` (a file's name, shown with its errors:
        see `printable_source`), starting at `line`: valid, it joins the records; otherwise
        its errors join the errors. `raw` may be the reader's own `RecordError` for what
        could not be read at all."""
        entry = read_entry(line, raw, source)
        if isinstance(entry, Numbered):
            self.records.append(entry)
        else:
            self.errors.extend(entry.errors)
            self.unreadable_ids.update(entry.ids)


@dataclass(frozen=True)
class Unread:
    """A record that could not be read: what was wrong with it, and the ids it names."""

    errors: list[RecordError]
    #: The plain ids it gives, so that follow-ups on them are not blamed as well.
    ids: tuple[str, ...] = ()


def read_entry(line: int, raw: Any, source: str | None = None) -> Numbered | Unread:
    """One record as read from input `source` starting at `line` (see `Batch.add`): the
    valid record, or why it is not one."""
    if isinstance(raw, RecordError):
        error = RecordError(raw.line, raw.field, raw.message, source)
        return Unread([error], _ids(raw.record) if isinstance(raw, DuplicateKey) else ())
    try:
        return Numbered(line, parse_record(raw, line), source)
    except RecordErrors as error:
        return Unread([replace(e, source=source) for e in error.errors], _ids(raw))


def _ids(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, dict):  # only plain ids: never render arbitrary input
        return ()
    return tuple(
        raw[key] for key in ("measure", "action", "group") if isinstance(raw.get(key), str)
    )


@dataclass(frozen=True)
class DuplicateKey(RecordError):
    """A record that gives one key twice in an object: the file does not say which it means."""

    record: Any = field(default=None, compare=False, repr=False)

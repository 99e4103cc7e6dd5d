"""What a batch says about its aggregates before any record is checked: the last record about
each measure, action, group and party, the groups and parties the batch defines, and the
ids of its records and of their responses.

A long batch is checked a chunk at a time (`domain.appending`), each aggregate let go after
its last record; the ids let the log be asked in bulk which of them are new (those that
would otherwise cost a query per record: a group or a party a record names is looked up
alone, once, when the record is checked). An outline is
read from records already validated (a `Batch`), or ahead of validating them, from the raw
records of an input that can be read twice: then only a record's type and ids are looked
at, so that any record may be read lightly (`read_exactly`) and any may be wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.batch import Numbered
from domain.records import (
    RECORD_TYPES,
    GroupDefinedRecord,
    PartyIdentifiedRecord,
    RecordErrors,
    parse_record,
)

#: What each record is about: the field naming it, which is also its type's first word.
KINDS = ("measure", "action", "group", "party")
#: The kind of aggregate each type of record is about.
KIND_OF = {record_type: record_type.partition("_")[0] for record_type in RECORD_TYPES}
#: The records that make a group or a party a measure may name anywhere in the batch.
_DEFINING = frozenset({"group_defined", "party_identified"})


@dataclass
class Outline:
    """A batch's aggregates, as far as checking it a chunk at a time needs them."""

    #: By kind, then slug: the place (`ordinal`) of the last record about the aggregate.
    last: dict[str, dict[str, int]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    #: The groups and parties the batch defines: a record may name them before their
    #: definition (docs/records.md §5).
    groups: set[str] = field(default_factory=set)
    parties: set[str] = field(default_factory=set)
    #: By kind: the slugs of the batch's records and of their responses (`responds_to`).
    named: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    #: How many records (read or not) the batch holds.
    records: int = 0

    def done_after(self, kind: str, slug: str, ordinal: int) -> bool:
        """Whether the record at `ordinal` is the last about the aggregate; if so, it is
        forgotten here."""
        last = self.last[kind]
        if last.get(slug) != ordinal:
            return False
        del last[slug]
        return True


def outline_of(records: Iterable[Numbered]) -> Outline:
    """The outline of valid records, each at its place in the iteration."""
    outline = Outline()
    named = outline.named
    for ordinal, numbered in enumerate(records):
        record = numbered.record
        kind = KIND_OF[record.type]
        slug: str = getattr(record, kind)
        outline.last[kind][slug] = ordinal
        named[kind].add(slug)
        if isinstance(record, GroupDefinedRecord):
            outline.groups.add(slug)
        elif isinstance(record, PartyIdentifiedRecord):
            outline.parties.add(slug)
        responses = getattr(record, "responds_to", None)
        if responses:
            _responses(named, responses)
        outline.records = ordinal + 1
    return outline


def read_exactly(raw: Any) -> bool:
    """Whether the outline needs a raw record read exactly (a key given twice found, as
    when it is checked), not merely decoded: a definition of a group or a party, which it
    validates."""
    if not isinstance(raw, dict):
        return False
    record_type = raw.get("type")
    return type(record_type) is str and record_type in _DEFINING


def outline_of_raw(records: Iterable[tuple[int, Any, Any]]) -> Outline:
    """The outline of records as read, each a (line, raw record or the reader's
    `RecordError`, anything) at its place in the iteration, before they are validated.

    Only the definitions of groups and parties are validated here (they are few), so that a
    group or party whose definition is wrong counts as undefined; those must be read as
    they are when checked (`read_exactly`), any other record may be merely decoded. Anything
    else wrong with a record is found when it is checked, which refuses the batch anyway:
    here, a wrong record at most keeps an aggregate it names longer, or has the log asked
    about an id for nothing (a record read right is read the same both ways).
    """
    outline = Outline()
    last, named = outline.last, outline.named
    ordinal = -1
    for ordinal, (line, raw, _) in enumerate(records):
        if not isinstance(raw, dict):  # a RecordError, or not an object at all
            continue
        record_type = raw.get("type")
        if type(record_type) is not str:  # a list or an object would not even be a key
            continue
        kind = KIND_OF.get(record_type)
        if kind is None:
            continue
        slug = raw.get(kind)
        if type(slug) is str:
            last[kind][slug] = ordinal
            named[kind].add(slug)
            if record_type in _DEFINING and _valid(raw, line):
                (outline.groups if kind == "group" else outline.parties).add(slug)
        responses = raw.get("responds_to")
        if responses:
            _responses(named, responses)
    outline.records = ordinal + 1
    return outline


def _valid(raw: dict[str, Any], line: int) -> bool:
    try:
        parse_record(raw, line)
    except RecordErrors:
        return False
    return True


def _responses(named: dict[str, set[str]], slugs: Any) -> None:
    """A record's `responds_to`: each slug a measure's or an action's."""
    if isinstance(slugs, list | tuple):
        texts = [slug for slug in slugs if isinstance(slug, str)]
        named["measure"].update(texts)
        named["action"].update(texts)

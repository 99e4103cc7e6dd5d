"""Checking records against the log: which events they add, or every reason not.

The state rules live in the aggregates; a `Planner` loads each record's aggregate once,
applies the records in input order, gathers every error with its line, and lets each
aggregate go after its last record (`domain.outline`), so that a long batch can be checked
and written a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol, cast, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository

from domain.action import Action
from domain.batch import Batch, Numbered, Unread
from domain.errors import BatchRejected, DomainError, InputChanged, RecordError, UnknownMeasure
from domain.events import RecordedEvent
from domain.group import Group
from domain.ids import action_id, group_id, measure_id, party_id
from domain.measure import Measure
from domain.outline import KIND_OF, Outline, outline_of
from domain.party import Party
from domain.records import (
    ActionTakenRecord,
    GroupChangedRecord,
    GroupDefinedRecord,
    MeasureImposedRecord,
    PartyCorrectedRecord,
    PartyIdentifiedRecord,
    Record,
    groups_named,
    parties_named,
)

Aggregates = Measure | Action | Group | Party
#: A record at its place in the batch: valid, or why it could not be read.
Entry = tuple[int, Numbered | Unread]
#: Each aggregate looked at: itself, None when neither the log nor the batch so far holds
#: it, or its class once the batch has no more records about it (it is let go).
Loaded = dict[UUID, Aggregates | type[Aggregates] | None]


def plan(
    repository: Repository[Any], batch: Batch, recorded_at: datetime
) -> tuple[list[RecordedEvent], int]:
    """The events the batch adds, in input order, and how many records were already logged.

    Raises `BatchRejected` with every reading error and broken rule, sorted by place.
    """
    planner = Planner(repository, recorded_at, outline_of(batch.records))
    planner.unread(Unread(batch.errors, tuple(batch.unreadable_ids)))
    for ordinal, numbered in enumerate(batch.records):
        planner.check(ordinal, numbered)
    unchanged = planner.finish()
    return planner.take_events(), unchanged


class Refused(Exception):
    """A record is wrong: the batch will be refused, so nothing of it may be written."""


class Planner:
    """Records checked one at a time, in input order, against the log and the records
    before them; what they add is taken a chunk at a time (`take_events`), and `finish`
    says, once every record is checked, whether the whole batch may be written."""

    def __init__(self, repository: Repository[Any], recorded_at: datetime, outline: Outline):
        self.repository = repository
        self.recorded_at = recorded_at
        self.outline = outline
        self.loaded = _absent(repository, outline)
        #: Valid records checked, of them unchanged (already in the log).
        self.received = 0
        self.unchanged = 0
        self.events: list[RecordedEvent] = []
        self.reading_errors: list[RecordError] = []
        #: Each broken rule, with the subject of an unknown one (not blamed if a record
        #: about it could not be read: `unreadable`).
        self.rule_errors: list[tuple[RecordError, str | None]] = []
        self.unreadable: set[str] = set()
        #: The `responds_to` slugs not found when their record was checked: (line, input,
        #: slug), found later in the batch or wrong.
        self.responses: list[tuple[int, str | None, str]] = []

    @property
    def failed(self) -> bool:
        """Whether a record so far is wrong (the batch will be refused)."""
        return bool(self.reading_errors or self.rule_errors)

    def unread(self, entry: Unread) -> None:
        """A record that could not be read."""
        self.reading_errors.extend(entry.errors)
        self.unreadable.update(entry.ids)

    def chunks(self, entries: Iterator[Entry], size: int) -> Iterator[list[RecordedEvent]]:
        """The events the records add, `size` or more at a time, while every record so far
        is right: raises `Refused` at the first wrong one (`finish` checks the rest of
        `entries`). The last chunk comes once every record is checked and the batch is
        known right, so that nothing is left to check once it is written."""
        for ordinal, entry in entries:
            self.check(ordinal, entry)
            if self.failed:
                raise Refused
            if len(self.events) >= size:
                yield self.take_events()
        self.finish()
        if self.events:
            yield self.take_events()

    def checked(self, entries: Iterable[Entry]) -> Iterator[list[RecordedEvent]]:
        """The events the records add, a record's at a time, all checked: for a dry run."""
        for ordinal, entry in entries:
            self.check(ordinal, entry)
            yield self.take_events()
        self.finish()

    def check(self, ordinal: int, entry: Numbered | Unread) -> None:
        """Checks the record at place `ordinal` of the batch and applies it."""
        if isinstance(entry, Unread):
            self.unread(entry)
            return
        numbered = entry
        record = numbered.record
        self.received += 1
        repository, loaded = self.repository, self.loaded
        groups, parties = self.outline.groups, self.outline.parties
        unknown = _unknown_references_of(repository, record, loaded, (groups, parties))
        if unknown:
            self.rule_errors += [
                (numbered.error(field, message), None) for field, message in unknown
            ]
        else:
            try:
                changed = _apply(repository, record, self.recorded_at, loaded)
            except UnknownMeasure as error:
                self.rule_errors.append(
                    (numbered.error(error.field, error.message), _subject(record))
                )
            except DomainError as error:
                self.rule_errors.append((numbered.error(error.field, error.message), None))
            else:
                if changed is None:
                    self.unchanged += 1
                else:
                    self.events.extend(cast(list[RecordedEvent], changed.collect_events()))
        for slug in vars(record).get("responds_to") or ():  # (not every type has one)
            if not _responded_to(repository, slug, loaded):
                self.responses.append((numbered.line, numbered.source, slug))
        kind = KIND_OF[record.type]
        slug = getattr(record, kind)
        if self.outline.done_after(kind, slug, ordinal):
            key = _KEYS[kind](slug)
            found = loaded.get(key)
            if found is not None and not isinstance(found, type):
                loaded[key] = type(found)

    def take_events(self) -> list[RecordedEvent]:
        """The events added since the last time, in input order."""
        events, self.events = self.events, []
        return events

    def finish(self, rest: Iterable[Entry] = ()) -> int:
        """Checks the `rest` of the records (their events are dropped: after `Refused`),
        then returns how many were already logged; raises `BatchRejected` with every
        reading error and broken rule, sorted by place."""
        for ordinal, entry in rest:
            self.check(ordinal, entry)
            self.events.clear()
        errors = [
            *self.reading_errors,
            *(
                error
                for error, subject in self.rule_errors
                if subject is None or subject not in self.unreadable
            ),
            *(
                RecordError(
                    line,
                    "responds_to",
                    f"{slug!r} is neither a measure nor an action in the log",
                    source,
                )
                for line, source, slug in self.responses
                if slug not in self.unreadable
                and not _responded_to(self.repository, slug, self.loaded)
            ),
        ]
        if errors:
            raise BatchRejected(sorted(errors, key=lambda error: (error.source or "", error.line)))
        return self.unchanged


_KEYS: dict[str, Callable[[str], UUID]] = {
    "measure": measure_id,
    "action": action_id,
    "group": group_id,
    "party": party_id,
}


def _subject(record: Record) -> str:
    """The id the record is about."""
    if isinstance(record, ActionTakenRecord):
        return record.action
    if isinstance(record, GroupDefinedRecord | GroupChangedRecord):
        return record.group
    if isinstance(record, PartyIdentifiedRecord | PartyCorrectedRecord):
        return record.party
    return record.measure


def _apply(
    repository: Repository[Any], record: Record, recorded_at: datetime, loaded: Loaded
) -> Aggregates | None:
    """The aggregate the record changed, or None when it was already in the log."""
    if isinstance(record, GroupDefinedRecord | GroupChangedRecord):
        return _recorded(
            repository,
            loaded,
            group_id(record.group),
            record,
            recorded_at,
            (Group, GroupDefinedRecord, Group.define),
            ("group", f"unknown group '@{record.group}': define it first (group_defined)"),
        )
    if isinstance(record, PartyIdentifiedRecord | PartyCorrectedRecord):
        return _recorded(
            repository,
            loaded,
            party_id(record.party),
            record,
            recorded_at,
            (Party, PartyIdentifiedRecord, Party.identify),
            ("party", f"unknown party {record.party!r}: identify it first (party_identified)"),
        )
    if isinstance(record, ActionTakenRecord):
        key = action_id(record.action)
        action = _held(_load(repository, key, loaded))
        if isinstance(action, Action):
            action.check_repeat(record)
            return None
        taken = loaded[key] = Action.take(record, recorded_at)
        return taken
    return _recorded(
        repository,
        loaded,
        measure_id(record.measure),
        record,
        recorded_at,
        (Measure, MeasureImposedRecord, Measure.impose),
        ("measure", f"unknown measure {record.measure!r}: impose it first"),
    )


def _recorded(
    repository: Repository[Any],
    loaded: Loaded,
    key: UUID,
    record: Any,
    recorded_at: datetime,
    kind: tuple[type[Any], type[Any], Callable[[Any, datetime], Any]],
    unknown: tuple[str, str],
) -> Aggregates | None:
    """The record applied to the aggregate `key` of the `kind` (its class, the record that
    creates one, and how): recorded on the one the log or the batch holds (None when it
    says nothing new), or creating it; refused (`unknown`) when it needs one and there is
    none."""
    aggregate_class, first, create = kind
    found = _held(_load(repository, key, loaded))
    if isinstance(found, aggregate_class):
        return cast("Aggregates", found) if found.record(record, recorded_at) else None
    if not isinstance(record, first):
        raise UnknownMeasure(*unknown)
    created: Aggregates = create(record, recorded_at)
    loaded[key] = created
    return created


@runtime_checkable
class KnownOriginators(Protocol):
    """A log that can say in bulk which aggregates it already holds (the store's recorders)."""

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]: ...


def _absent(repository: Repository[Any], outline: Outline) -> Loaded:
    """The batch's ids that the log has never seen, found in bulk (a bulk import is mostly
    new measures, and asking for each one alone would cost a query per record)."""
    recorder = repository.event_store.recorder
    if not isinstance(recorder, KnownOriginators):
        return {}
    keys = [key for kind, slugs in outline.named.items() for key in map(_KEYS[kind], slugs)]
    existing = recorder.existing_originators(keys)
    return {key: None for key in keys if key not in existing}


def _load(
    repository: Repository[Any], key: UUID, loaded: Loaded
) -> Aggregates | type[Aggregates] | None:
    if key not in loaded:
        try:
            loaded[key] = repository.get(key)
        except AggregateNotFoundError:
            loaded[key] = None
    return loaded[key]


def _held(found: Aggregates | type[Aggregates] | None) -> Aggregates | None:
    """An aggregate a record is about: never one let go (the outline said the batch had
    no more records about it)."""
    if isinstance(found, type):  # the first reading saw its last record before this one
        raise InputChanged(
            f"the input changed while it was appended: a record about a {found.__name__.lower()} "
            "follows what was its last one when the input was first read; nothing was "
            "written: append it again once it is complete"
        )
    return found


def _is(found: Aggregates | type[Aggregates] | None, kind: type[Aggregates]) -> bool:
    """Whether the log or the batch holds an aggregate of `kind` (held or let go)."""
    return isinstance(found, kind) or found is kind


def _unknown_references_of(
    repository: Repository[Any],
    record: Record,
    loaded: Loaded,
    in_batch: tuple[set[str], set[str]],
) -> list[tuple[str, str]]:
    """(field, message) for each group or party a measure record names that neither the log
    nor the batch holds."""
    groups, parties = in_batch
    unknown = [
        (field, f"unknown group '@{slug}': define it (group_defined)")
        for field, slugs in groups_named(record).items()
        for slug in slugs
        if slug not in groups and not _is(_load(repository, group_id(slug), loaded), Group)
    ]
    unknown += [
        (field, f"unknown party {slug!r}: identify it (party_identified)")
        for field, slugs in parties_named(record).items()
        for slug in slugs
        if slug not in parties and not _is(_load(repository, party_id(slug), loaded), Party)
    ]
    return unknown


def _responded_to(repository: Repository[Any], slug: str, loaded: Loaded) -> bool:
    """Whether a `responds_to` slug is a measure's or an action's in the log or the batch
    so far."""
    return any(_load(repository, key, loaded) for key in (measure_id(slug), action_id(slug)))

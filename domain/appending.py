"""Checking a batch of records against the log: which events it adds, or every reason not.

The state rules live in the aggregates; this module loads each record's aggregate once,
applies the records in input order, and gathers every error with its line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol, cast, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository

from domain.action import Action
from domain.batch import Batch
from domain.errors import BatchRejected, DomainError, RecordError, UnknownMeasure, UnknownReference
from domain.events import RecordedEvent
from domain.group import Group
from domain.ids import action_id, group_id, measure_id, party_id
from domain.measure import Measure
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
Loaded = dict[UUID, Aggregates | None]


def plan(
    repository: Repository[Any], batch: Batch, recorded_at: datetime
) -> tuple[list[RecordedEvent], int]:
    """The events the batch adds, in input order, and how many records were already logged.

    Raises `BatchRejected` with every reading error and broken rule, sorted by place.
    """
    loaded = _absent(repository, batch)
    events: list[RecordedEvent] = []
    errors: list[RecordError] = list(batch.errors)
    unchanged = 0
    in_batch = _named_in(batch)
    for numbered in batch.records:
        unknown = list(_unknown_references_of(repository, numbered.record, loaded, in_batch))
        if unknown:
            errors += [numbered.error(field, message) for field, message in unknown]
            continue
        try:
            changed = _apply(repository, numbered.record, recorded_at, loaded)
        except UnknownMeasure as error:
            if _subject(numbered.record) not in batch.unreadable_ids:
                errors.append(numbered.error(error.field, error.message))
            continue
        except DomainError as error:
            errors.append(numbered.error(error.field, error.message))
            continue
        if changed is None:
            unchanged += 1
        else:
            events.extend(cast(list[RecordedEvent], changed.collect_events()))
    errors.extend(_unknown_references(repository, batch, loaded))
    if errors:
        raise BatchRejected(sorted(errors, key=lambda error: (error.source or "", error.line)))
    return events, unchanged


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
        action = _load(repository, key, loaded)
        if isinstance(action, Action):
            action.check_repeat(record)
            return None
        loaded[key] = Action.take(record, recorded_at)
        return loaded[key]
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
    found = _load(repository, key, loaded)
    if isinstance(found, aggregate_class):
        return cast("Aggregates", found) if found.record(record, recorded_at) else None
    if not isinstance(record, first):
        raise UnknownMeasure(*unknown)
    loaded[key] = create(record, recorded_at)
    return loaded[key]


@runtime_checkable
class KnownOriginators(Protocol):
    """A log that can say in bulk which aggregates it already holds (the store's recorders)."""

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]: ...


def _absent(repository: Repository[Any], batch: Batch) -> Loaded:
    """The batch's ids that the log has never seen, found in bulk (a bulk import is mostly
    new measures, and asking for each one alone would cost a query per record)."""
    recorder = repository.event_store.recorder
    if not isinstance(recorder, KnownOriginators):
        return {}
    measures: set[str] = set()
    actions: set[str] = set()
    groups: set[str] = set()
    parties: set[str] = set()
    for numbered in batch.records:
        record = numbered.record
        if isinstance(record, ActionTakenRecord):
            actions.add(record.action)
            groups.update(slug for named in groups_named(record).values() for slug in named)
        elif isinstance(record, GroupDefinedRecord | GroupChangedRecord):
            groups.add(record.group)
        elif isinstance(record, PartyIdentifiedRecord | PartyCorrectedRecord):
            parties.add(record.party)
        else:
            measures.add(record.measure)
            groups.update(slug for named in groups_named(record).values() for slug in named)
            parties.update(slug for named in parties_named(record).values() for slug in named)
        references = getattr(record, "responds_to", None)
        if references:  # a measure's or an action's slug
            measures.update(references)
            actions.update(references)
    keys = [
        *map(measure_id, measures),
        *map(action_id, actions),
        *map(group_id, groups),
        *map(party_id, parties),
    ]
    existing = recorder.existing_originators(keys)
    return {key: None for key in keys if key not in existing}


def _load(repository: Repository[Any], key: UUID, loaded: Loaded) -> Aggregates | None:
    if key not in loaded:
        try:
            loaded[key] = repository.get(key)
        except AggregateNotFoundError:
            loaded[key] = None
    return loaded[key]


def _named_in(batch: Batch) -> tuple[set[str], set[str]]:
    """The groups the batch defines and the parties it identifies: a measure may name them
    wherever they come in it (docs/records.md §5)."""
    groups = {
        numbered.record.group
        for numbered in batch.records
        if isinstance(numbered.record, GroupDefinedRecord)
    }
    parties = {
        numbered.record.party
        for numbered in batch.records
        if isinstance(numbered.record, PartyIdentifiedRecord)
    }
    return groups, parties


def _unknown_references_of(
    repository: Repository[Any],
    record: Record,
    loaded: Loaded,
    in_batch: tuple[set[str], set[str]],
) -> Iterator[tuple[str, str]]:
    """(field, message) for each group or party a measure record names that neither the log
    nor the batch holds."""
    groups, parties = in_batch
    for field, slugs in groups_named(record).items():
        for slug in slugs:
            if slug in groups or isinstance(_load(repository, group_id(slug), loaded), Group):
                continue
            yield field, f"unknown group '@{slug}': define it (group_defined)"
    for field, slugs in parties_named(record).items():
        for slug in slugs:
            if slug in parties or isinstance(_load(repository, party_id(slug), loaded), Party):
                continue
            yield field, f"unknown party {slug!r}: identify it (party_identified)"


def _unknown_references(
    repository: Repository[Any], batch: Batch, loaded: Loaded
) -> Iterator[RecordError]:
    for numbered in batch.records:
        for slug in getattr(numbered.record, "responds_to", None) or ():
            if slug in batch.unreadable_ids or any(
                _load(repository, key, loaded) for key in (measure_id(slug), action_id(slug))
            ):
                continue
            error = UnknownReference(
                "responds_to", f"{slug!r} is neither a measure nor an action in the log"
            )
            yield numbered.error(error.field, error.message)

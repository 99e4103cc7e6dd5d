"""Pydantic domain events for eventsourcing aggregates, and how they become records again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar, Self, cast
from uuid import UUID

import eventsourcing.domain
import orjson
from eventsourcing.domain import CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import get_topic
from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python

from domain.errors import RecordConflict

#: Fields every stored event has that are not part of the record it came from.
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


class DomainEvent(BaseModel):
    """An immutable fact, validated by pydantic when created and when loaded."""

    # A field named for a keyword (`except_`) is read and written by its alias (`except`).
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        serialize_by_alias=True,
        validate_by_alias=True,
        validate_by_name=True,
    )

    originator_id: UUID
    originator_version: int
    timestamp: datetime


class Source(BaseModel):
    """Where a stored record's facts come from (lenient: the input model is the strict one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    url: str | None = None
    published_on: date | None = None


class RecordedEvent(DomainEvent):
    """An event made from one input record, which it can print back."""

    #: The `type` of the input record this event was made from.
    record_type: ClassVar[str]

    #: The record's publication date, fixed when it was appended (docs/time.md §2). Events
    #: appended before publication time existed have none: `publication` gives the default
    #: by type, which is what an append would have fixed.
    published_on: date | None = None

    def payload(self) -> dict[str, Any]:
        """The event's own fields, without the store's envelope, named as records name them."""
        return {
            field.alias or name: getattr(self, name)
            for name, field in type(self).model_fields.items()
            if name not in ENVELOPE
        }

    def publication(self) -> date:
        """When the world could know what this record says."""
        return self.published_on or self.dated_publication() or self.recorded_on()

    def dated_publication(self) -> date | None:
        """The default publication date that the record's own dates give (None: the day it
        was recorded, as for corrections)."""
        return None

    def recorded_on(self) -> date:
        """The UTC date of the record's record time."""
        return self.timestamp.astimezone(UTC).date()

    def to_record(self) -> dict[str, Any]:
        """The input record (docs/records.md §8) this event was made from, as JSON-ready values.

        The publication date is written out where the record's own dates would not give it
        back (always for corrections and retractions), so that an export appended into
        another store keeps it.
        """
        payload = self.payload()
        publication = self.publication()
        payload["published_on"] = None if publication == self.dated_publication() else publication
        fields = to_jsonable_python(payload)
        record = {
            "type": self.record_type,
            **{name: value for name, value in fields.items() if value is not None},
        }
        if record.get("sources"):
            record["sources"] = [
                {name: value for name, value in source.items() if value is not None}
                for source in record["sources"]
            ]
        return record


def fingerprint(record_type: str, payload: dict[str, Any]) -> bytes:
    """A canonical form of a record's content, its publication date aside: equal for records
    that say the same thing (the aggregates compare publication dates themselves)."""
    content = {"type": record_type, **payload}
    content.pop("published_on", None)
    # orjson writes the plain values itself (dates as pydantic does) and asks pydantic for
    # the rest (an event's sources); its bytes keep their whole output buffer (kilobytes): a
    # copy is kept compact
    written = orjson.dumps(content, default=to_jsonable_python, option=orjson.OPT_SORT_KEYS)
    return bytes(memoryview(written))


def check_publication(given: date | None, logged: set[date]) -> None:
    """Refuses a record the log holds already, under another publication date `given`."""
    if given is not None and given not in logged:
        dates = ", ".join(sorted(day.isoformat() for day in logged))
        raise RecordConflict(
            "published_on",
            f"the log holds this record published on {dates}; a record's publication date "
            "is fixed when it is appended",
        )


class Aggregate(eventsourcing.domain.Aggregate):
    """An aggregate whose events are pydantic models.

    `_begin` and `_trigger` do what the library's `_create` and `trigger_event` do for these
    aggregates (an event with the next originator version, applied, then pending), without
    their generic keyword handling, which cost a large append more than building the events.
    """

    @classmethod
    def _begin(
        cls,
        event_class: type[Aggregate.Created],
        originator_id: UUID,
        timestamp: datetime,
        payload: dict[str, Any],
    ) -> Self:
        event = event_class(
            originator_topic=get_topic(cls),
            originator_id=originator_id,
            originator_version=cls.INITIAL_VERSION,
            timestamp=timestamp,
            **payload,
        )
        aggregate = cast(Self, event.mutate(None))
        aggregate.pending_events.append(event)
        return aggregate

    def _trigger(
        self, event_class: type[Aggregate.Event], timestamp: datetime, payload: dict[str, Any]
    ) -> None:
        event = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=timestamp,
            **payload,
        )
        event.mutate(self)
        self.pending_events.append(event)

    class Event(RecordedEvent, CanMutateAggregate[UUID]):
        pass

    class Created(Event, CanInitAggregate[UUID]):
        originator_topic: str

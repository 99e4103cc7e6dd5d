"""Pydantic domain events for eventsourcing aggregates, and how they become records again."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Self, cast
from uuid import UUID

import eventsourcing.domain
import orjson
from eventsourcing.domain import CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import get_topic
from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python

#: Fields every stored event has that are not part of the record it came from.
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


class DomainEvent(BaseModel):
    """An immutable fact, validated by pydantic when created and when loaded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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

    def payload(self) -> dict[str, Any]:
        """The event's own fields, without the store's envelope."""
        return {
            name: getattr(self, name) for name in type(self).model_fields if name not in ENVELOPE
        }

    def to_record(self) -> dict[str, Any]:
        """The input record (docs/records.md §8) this event was made from, as JSON-ready values."""
        fields = to_jsonable_python(self.payload())
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
    """A canonical form of a record's content: equal for records that say the same thing."""
    content = {"type": record_type, **to_jsonable_python(payload)}
    # orjson's bytes keep their whole output buffer (kilobytes); a copy is kept compact
    return bytes(memoryview(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)))


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

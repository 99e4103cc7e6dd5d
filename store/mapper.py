"""Stores pydantic events as compact JSON and loads them back, upcasting old versions."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

if TYPE_CHECKING:  # pydantic's models load with the first event, not at start-up
    from pydantic import BaseModel


#: Fields stored in their own columns, not in the state.
_COLUMNS = {"originator_id", "originator_version"}


class OrjsonTranscoder(Transcoder):
    """JSON bytes by orjson: values are already JSON-ready when they get here."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper[UUID]):
    """Maps pydantic events to stored events, keeping the library's `upcast_vN_vM` protocol.

    The originator id and version live in their own columns, so the state holds only the rest.
    An event class declares `class_version: ClassVar[int] = N` and static methods
    `upcast_v1_v2(state)`, ... that rewrite an older stored state in place.
    """

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event: BaseModel = domain_event
        topic, class_version = _class_of(type(event))
        if class_version > 1:
            state = event.model_dump(mode="json", exclude=_COLUMNS)
            state["class_version"] = class_version
            data = self.transcoder.encode(state)
        else:  # pydantic writes the JSON itself, as the transcoder would (compact, UTF-8)
            data = event.__pydantic_serializer__.to_json(event, exclude=_COLUMNS)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=data,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state: dict[str, Any] = self.transcoder.decode(data)
        cls, current = _event_class(stored_event.topic)
        version = state.pop("class_version", 1)
        while version < current:
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls.model_validate(state)


@cache
def _event_class(topic: str) -> tuple[type[BaseModel], int]:
    """The event class a stored topic names, and its current class version (looked up once
    per topic: a missing attribute of a pydantic model class is a slow miss)."""
    cls: type[BaseModel] = resolve_topic(topic)
    return cls, _class_of(cls)[1]


@cache
def _class_of(cls: type[BaseModel]) -> tuple[str, int]:
    """An event class's topic and class version (looked up once per class, as above)."""
    return get_topic(cls), getattr(cls, "class_version", 1)

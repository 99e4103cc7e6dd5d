"""Builders of input records for tests: valid by default, any field overridable."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from domain.batch import Batch
from regimes.reading import read_into

#: The record time tests append at, unless they need several.
RECORDED_AT = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)

SOURCE = {
    "title": "MOFCOM announcement",
    "url": "https://example.org/mofcom",
    "published_on": "2025-04-04",
}


def imposed(measure: str = "cn-mofcom-2025-18", **fields: Any) -> dict[str, Any]:
    """A `measure_imposed` record: an export licence requirement on Dy to everyone."""
    record: dict[str, Any] = {
        "type": "measure_imposed",
        "measure": measure,
        "issuer": "CN",
        "kind": "licence_requirement",
        "items": ["Dy"],
        "destinations": ["*"],
        "announced_on": "2025-04-04",
        "effective_on": "2025-04-04",
        "sources": [SOURCE],
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}


def follow_up(
    record_type: str, measure: str = "cn-mofcom-2025-18", **fields: Any
) -> dict[str, Any]:
    """A follow-up record (`measure_suspended`, `measure_lifted`, ...) with a source."""
    record: dict[str, Any] = {"type": record_type, "measure": measure}
    if record_type not in ("measure_corrected", "measure_retracted"):
        record["sources"] = [SOURCE]
    record.update(fields)
    return record


def action(slug: str = "busan-summit", **fields: Any) -> dict[str, Any]:
    """An `action_taken` record."""
    record: dict[str, Any] = {
        "type": "action_taken",
        "action": slug,
        "issuer": "CN",
        "kind": "summit",
        "occurred_on": "2025-10-30",
        "title": "Xi-Trump meeting in Busan",
        "counterparts": ["US"],
        "sources": [SOURCE],
    }
    record.update(fields)
    return record


#: A `group_defined` record: group `@g`, Japan alone, from 2020.
GROUP_G: dict[str, Any] = {
    "type": "group_defined",
    "group": "g",
    "title": "A group",
    "members": ["JP"],
    "effective_on": "2020-01-01",
    "sources": [{"title": "Gazette"}],
}


def jsonl(*records: dict[str, Any]) -> bytes:
    """Records as JSON Lines."""
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def batch(*records: dict[str, Any]) -> Batch:
    """Records read as one JSON Lines input (line N is the N-th record)."""
    read = Batch()
    read_into(read, io.BytesIO(jsonl(*records)))
    return read

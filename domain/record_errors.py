"""Why an input record was refused, said for people: each problem with its field path."""

from __future__ import annotations

import re
from typing import Any

from domain.controls import NOTES_PATTERN, TEXT_PATTERN, URL_PATTERN, first_forbidden, visible
from domain.errors import RecordError


def _follows_from_others(detail: Any, details: list[Any]) -> bool:
    """A too-short list whose items themselves failed: the items' errors say it all."""
    location = tuple(detail["loc"])
    return detail["type"] == "too_short" and any(
        tuple(other["loc"])[: len(location)] == location and len(other["loc"]) > len(location)
        for other in details
    )


class RecordErrors(ValueError):
    """Every problem found in one input record."""

    def __init__(self, errors: list[RecordError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def located_errors(
    line: int, details: list[Any], record_types: tuple[str, ...]
) -> list[RecordError]:
    """pydantic's errors about one input record (starting at `line`), each with its field
    path and a message for people; `record_types` are the values `type` may take."""
    return [
        _record_error(line, detail, record_types)
        for detail in details
        if not _follows_from_others(detail, details)
    ]


def _record_error(line: int, detail: Any, record_types: tuple[str, ...]) -> RecordError:
    kind = detail["type"]
    location = list(detail["loc"])
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        message = (
            "missing record type"
            if kind == "union_tag_not_found"
            else f"unknown record type {shown(detail['input'].get('type'))}"
        )
        return RecordError(line, "type", f"{message}; one of {', '.join(record_types)}")
    if location and location[0] in record_types:
        location = location[1:]
    return RecordError(line, field_path(location), message_for(detail))


def shown(value: object, limit: int = 60) -> str:
    """A value as quoted in an error: short, and never rendering a whole structure."""
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    return f"a {type(value).__name__}"


def field_path(location: list[str | int]) -> str:
    """Where in a record a problem is, as `sources[0].title`."""
    path = ""
    for part in location:
        if isinstance(part, str) and not (len(part) <= 60 and _FIELD_NAME.fullmatch(part)):
            part = visible(shown(part))  # an unknown key is input: never print it raw or whole
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path or "record"


_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def message_for(detail: Any) -> str:
    message = str(detail["msg"]).removeprefix("Value error, ")
    if detail["type"] == "extra_forbidden":
        return "unknown field"
    if detail["type"] == "string_pattern_mismatch":
        pattern = detail["ctx"]["pattern"]
        held = pattern in (TEXT_PATTERN, NOTES_PATTERN, URL_PATTERN) and first_forbidden(
            detail["input"], notes=pattern == NOTES_PATTERN
        )
        return held or f"{shown(detail['input'])} does not match {pattern}"
    if detail["type"] == "too_short":
        return "at least one is required"
    if detail["type"] == "literal_error":
        return f"{shown(detail['input'])} is not one of {detail['ctx']['expected']}"
    return message

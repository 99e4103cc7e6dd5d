"""How questions are put to a store from Python (docs/cli.md §1): dates as dates or their text,
the knowledge filters checked once, flows with groups of items expanded."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from domain.vocabulary import check_element, check_item, check_place, expand_items

if TYPE_CHECKING:
    from projections.answers import Knowledge, RecordTime
    from projections.flows import FlowQuery


#: No log position is larger (the stores keep positions in signed 64-bit integers).
MAX_POSITION = 2**62

#: A date as written: YYYY-MM-DD in ASCII digits (`date.fromisoformat` takes more: 20260108,
#: 2026-W02-4).
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def record_time(text: str) -> RecordTime:
    """A record time as written: `#N` (a log position), a UTC date-time, or a date meaning
    the end of that day (UTC). Raises ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise TypeError(f"a record time is a moment, a log position or its text, not {text!r}")
    if text.startswith("#"):
        digits = text[1:]
        if not digits.isascii() or not digits.isdigit():
            raise ValueError(f"{text!r} is not a log position #N (N a whole number)")
        if int(digits) > MAX_POSITION:
            raise ValueError(f"{text} is past any log position")
        return int(digits)
    try:
        if len(text) == 10:
            return datetime.combine(day_of(text), time.max, UTC)
        if not (_DATE.match(text) and text[10:11] in ("T", " ")):
            raise ValueError  # not 20261207T10:00 or 2026-W49-1T10:00, which fromisoformat takes
        moment = datetime.fromisoformat(text)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(
            f"{text!r} is not a date, an ISO date-time (UTC) in range, or a log position #N"
        ) from None


def now() -> datetime:
    """Record time for what is appended now (only entry points read the clock)."""
    return datetime.now(UTC)


def day_of(value: date | str) -> date:
    """A calendar date, or its text YYYY-MM-DD; ValueError for other text, TypeError for a
    moment or another type."""
    if isinstance(value, datetime):
        raise TypeError(f"expected a date, not a date and time: {value!r}")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected a date or its text YYYY-MM-DD, not {value!r}")
    if not _DATE.fullmatch(value):
        raise ValueError(f"{value[:40]!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None


def knowledge(
    known_at: date | str | None = None, recorded_at: RecordTime | str | None = None
) -> Knowledge:
    """The knowledge filters of a question: `known_at` a date (publication time: what the
    world knew at the end of that day), `recorded_at` a UTC moment, a log position, or their
    text (`#N`; a date meaning the end of that day) (record time: what this store held)."""
    from projections.answers import Knowledge

    if isinstance(known_at, datetime) or not isinstance(known_at, date | str | None):
        raise TypeError(
            "known_at takes a date or its text YYYY-MM-DD (publication time); for a moment "
            "of record time, give recorded_at"
        )
    if isinstance(recorded_at, str):
        recorded_at = record_time(recorded_at)
    elif isinstance(recorded_at, datetime):
        if recorded_at.tzinfo is None:
            recorded_at = recorded_at.replace(tzinfo=UTC)  # as on the command line: UTC
    elif recorded_at is not None and (
        isinstance(recorded_at, bool) or not isinstance(recorded_at, int)
    ):
        raise TypeError("recorded_at takes a moment, a log position (int) or its text (#N)")
    elif isinstance(recorded_at, int) and not 0 <= recorded_at <= MAX_POSITION:
        raise ValueError(f"recorded_at {recorded_at} is no log position (0 to {MAX_POSITION})")
    return Knowledge(None if known_at is None else day_of(known_at), recorded_at)


def hs_asked(code: str) -> str:
    """An HS code asked about: 2 to 10 digits once dots and spaces are dropped, else
    QuestionError."""
    from domain.errors import QuestionError
    from domain.hs import normalised

    digits = normalised(code)
    if not (isinstance(digits, str) and digits.isdigit() and 2 <= len(digits) <= 10):
        raise QuestionError(f"hs: {code!r} is no HS code to ask about: 2 to 10 digits")
    return digits


def names(field: str, values: Iterable[str]) -> tuple[str, ...]:
    """A question's list of names (elements, items, kinds…), as a tuple; TypeError for a
    lone string (which would be read letter by letter) or anything but strings."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(f"{field} takes a list of strings, such as [{values!r}], not {values!r}")
    found = tuple(values)
    wrong = [value for value in found if not isinstance(value, str)]
    if wrong:
        raise TypeError(f"{field} takes strings, not {wrong[0]!r}")
    return found


def place_asked(field: str, place: str | None) -> str | None:
    """A country code, `*` or a group `@slug` asked about (None: any); ValueError or
    TypeError saying what is wrong, as the command line's."""
    if place is None:
        return None
    if not isinstance(place, str):
        raise TypeError(f"{field} takes a country code or a group @slug, not {place!r}")
    try:
        return check_place(place)
    except ValueError as error:
        raise ValueError(f"{field}: {error}") from None


#: What `search` finds, by `types`.
SEARCH_TYPES = ("measure", "action", "group", "party")


def kind_asked(kind: str) -> str:
    """A measure or action kind asked about (lower-case words joined by `_`), else
    ValueError."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", kind):
        raise ValueError(f"kinds: {kind[:60]!r} is not a kind (lower case, words joined by _)")
    return kind


def type_asked(kind: str) -> str:
    """A type of record `search` finds, else ValueError."""
    if kind not in SEARCH_TYPES:
        raise ValueError(f"types: {kind[:60]!r} is none of {', '.join(SEARCH_TYPES)}")
    return kind


def flow_query(
    elements: Iterable[str] = (),
    items: Iterable[str] = (),
    exporter: str | None = None,
    importer: str | None = None,
    party: str | None = None,
    hs: str | None = None,
) -> FlowQuery:
    """The flows asked about, each name checked as the command line checks it: elements and
    items (groups such as REE expanded), from, to, the named party (a slug) and the HS code
    (digits) asked about."""
    from projections.flows import FlowQuery

    named = (
        *map(check_element, names("elements", elements)),
        *map(check_item, names("items", items)),
    )
    return FlowQuery(
        expand_items(named),
        place_asked("exporter", exporter),
        place_asked("importer", importer),
        named,
        party,
        hs,
    )

"""How questions are put to a store from Python (docs/cli.md §1): dates as dates or their text,
the knowledge filters checked once, flows with groups of items expanded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from domain.vocabulary import expand_items

if TYPE_CHECKING:
    from projections.answers import Knowledge, RecordTime
    from projections.flows import FlowQuery


#: No log position is larger (the stores keep positions in signed 64-bit integers).
MAX_POSITION = 2**62


def record_time(text: str) -> RecordTime:
    """A record time as written: `#N` (a log position), a UTC date-time, or a date meaning
    the end of that day (UTC). Raises ValueError saying what is wrong."""
    if text.startswith("#"):
        digits = text[1:]
        if not digits.isascii() or not digits.isdigit():
            raise ValueError(f"{text!r} is not a log position #N (N a whole number)")
        if int(digits) > MAX_POSITION:
            raise ValueError(f"{text} is past any log position")
        return int(digits)
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max, UTC)
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
    """A calendar date, or its text YYYY-MM-DD."""
    if isinstance(value, datetime):
        raise TypeError(f"expected a date, not a date and time: {value!r}")
    return value if isinstance(value, date) else date.fromisoformat(value)


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


def flow_query(
    elements: Sequence[str] = (),
    items: Sequence[str] = (),
    exporter: str | None = None,
    importer: str | None = None,
    party: str | None = None,
    hs: str | None = None,
) -> FlowQuery:
    """The flows asked about: elements and items (groups such as REE expanded), from, to,
    the named party (a slug) and the HS code (digits) asked about."""
    from projections.flows import FlowQuery

    named = (*elements, *items)
    return FlowQuery(expand_items(named), exporter, importer, named, party, hs)

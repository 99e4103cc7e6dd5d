"""Record times as the view writes them (`projections.catchup.utc_text`): sortable UTC text,
kept for the last few, never mixing up two moments that compare equal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from projections.catchup import utc_text


def test_a_record_time_is_written_in_utc_to_the_microsecond() -> None:
    moment = datetime(2026, 12, 7, 19, 10, 15, 120, tzinfo=UTC)
    assert utc_text(moment) == "2026-12-07T19:10:15.000120Z"
    tokyo = moment.astimezone(timezone(timedelta(hours=9)))
    assert utc_text(tokyo) == "2026-12-07T19:10:15.000120Z"


def test_the_hour_a_clock_shows_twice_is_two_moments() -> None:
    """On the night summer time ends, 02:30 in Berlin comes twice: the two compare equal
    (same zone, same clock time) but are an hour apart, whichever is written first."""
    first = datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    second = first.replace(fold=1)
    assert first == second
    assert utc_text(first) == "2026-10-25T00:30:00.000000Z"
    assert utc_text(second) == "2026-10-25T01:30:00.000000Z"
    assert utc_text(first) == "2026-10-25T00:30:00.000000Z"

"""The spans a replay writes with a measure's scopes (`projections.bulk_load.believed_spans`):
over the segments it believes as known today, as catch-up's `ViewSQL.span_scopes` sets them."""

from __future__ import annotations

from projections.bulk_load import believed_spans
from projections.tables import OPEN_DATE, OPEN_KNOWN, Row


def row(valid_from: str, valid_to: str, scope: str, known_to: str = OPEN_KNOWN) -> Row:
    return (valid_from, valid_to, "in_force", 3, "state", scope, "2020-01-01", known_to)


def test_a_scope_spans_from_its_first_segment_to_the_end_of_its_last() -> None:
    believed = [
        row("2025-04-04", "2025-10-09", "a"),
        row("2023-01-01", "2024-01-01", "a"),
        row("2025-11-10", OPEN_DATE, "a"),
        row("2024-06-01", "2024-07-01", "b"),
    ]
    assert believed_spans(believed) == {
        "a": ("2023-01-01", OPEN_DATE),
        "b": ("2024-06-01", "2024-07-01"),
    }


def test_segments_of_earlier_knowledge_give_no_span() -> None:
    """What was known before a later publication is not what questions about now read: a
    scope named only by such segments has no span (the writer gives it `NO_SPAN`)."""
    believed = [
        row("2019-01-01", "2030-01-01", "a", known_to="2025-11-01"),
        row("2025-01-01", "2025-02-01", "a"),
        row("2019-01-01", OPEN_DATE, "b", known_to="2025-11-01"),
    ]
    assert believed_spans(believed) == {"a": ("2025-01-01", "2025-02-01")}

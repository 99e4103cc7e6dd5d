"""A measure's rows in the view, and what one event changes in them.

A measure's belief at a log position is its valid-time segments (`lifecycle.segments`), each
spread over the measure's items and flows as view rows. From one position to the next most
segments stay as they were (an amendment effective in 2025 leaves 2020-2024 alone), so each
new belief reuses the pieces of the one before and renders only the segments that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from projections.history import MeasureHistory
from projections.lifecycle import Segment, segments
from projections.view import OPEN_DATE, Row, state_key, summary_bytes


class Piece(NamedTuple):
    """One segment of a measure's valid time, rendered as the view stores it."""

    segment: Segment
    rows: frozenset[Row]
    state: str  # the summary's key in the states table
    summary: bytes


@dataclass(frozen=True)
class RowChange:
    """What one event at `position` changes in a measure's rows."""

    measure: str
    position: int
    closed: frozenset[Row]  # rows no longer believed from `position`
    opened: frozenset[Row]  # rows believed from `position`
    states: dict[str, bytes]  # the summaries the opened rows cite


def render(segment: Segment, known: Sequence[Piece] = ()) -> Piece:
    """The view rows of one segment; the summary is taken from a `known` piece in the same
    state (a segment only moved in valid time) instead of being rendered again."""
    state = segment.state
    for piece in known:
        if piece.segment.state == state:
            key, summary = piece.state, piece.summary
            break
    else:
        # the view takes the summary's JSON as a plain dict
        summary = summary_bytes(cast("dict[str, Any]", state.summary_json()))
        key = state_key(summary)
    valid_from = segment.valid_from.isoformat()
    valid_to = segment.valid_to.isoformat() if segment.valid_to else OPEN_DATE
    status, level, scope = state.status, int(state.level), state.scope()
    rows: frozenset[Row] = frozenset(
        (item, exporter, importer, valid_from, valid_to, status, level, key)
        for item in state.items
        for exporter, importer in scope
    )
    return Piece(segment, rows, key, summary)


def belief(history: MeasureHistory) -> list[Piece]:
    """Every piece of the measure as its history stands."""
    return [render(segment) for segment in segments(history)]


def revise(
    history: MeasureHistory, position: int, before: Sequence[Piece]
) -> tuple[list[Piece], RowChange]:
    """The measure's pieces once its history includes the event at `position`, and the change
    from `before` (its pieces just before that event)."""
    earlier = {piece.segment.valid_from: piece for piece in before}
    after: list[Piece] = []
    added: list[Piece] = []
    for segment in segments(history):
        kept = earlier.get(segment.valid_from)
        if kept is not None and kept.segment == segment:
            del earlier[segment.valid_from]
        else:
            kept = render(segment, before)
            added.append(kept)
        after.append(kept)
    # Unchanged segments hold rows no other segment of either belief has (their valid_from
    # differs), so comparing what was removed with what was added is the whole difference.
    removed_rows = frozenset().union(*(piece.rows for piece in earlier.values()))
    added_rows = frozenset().union(*(piece.rows for piece in added))
    change = RowChange(
        history.slug,
        position,
        removed_rows - added_rows,
        added_rows - removed_rows,
        {piece.state: piece.summary for piece in added},
    )
    return after, change

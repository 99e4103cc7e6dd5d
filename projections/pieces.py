"""A measure's rows in the view, and what one event changes in them.

A measure's belief at a log position is, for each cut of its knowledge (the history known on
one publication date, `projections.knowledge`), its valid-time segments
(`lifecycle.segments`), each spread over the measure's items and flows as view rows. A segment
that stays the same over consecutive cuts is one span of knowledge, [known_from, known_to),
and its rows carry those bounds. From one position to the next most spans stay as they were
(an amendment effective in 2025 leaves 2020-2024 alone; a record published today leaves what
was known before), so each new belief reuses the pieces of the one before and renders only the
segments that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple, cast

from projections.knowledge import MeasureKnowledge
from projections.lifecycle import Segment, segments
from projections.tables import Scope, scope_key
from projections.view import OPEN_DATE, OPEN_KNOWN, Row, state_key, summary_bytes

#: A measure's segment as the view stores it, without its knowledge bounds: (valid_from,
#: valid_to, status, level, state, scope).
SegmentRow = tuple[str, str, str, int, str, str]


class Piece(NamedTuple):
    """One segment of a measure's valid time, rendered as the view stores it."""

    segment: Segment
    row: SegmentRow
    state: str  # the summary's key in the states table
    summary: bytes
    scope: str  # the key of its items and places in the scopes' tables
    places: Scope


class Span(NamedTuple):
    """A piece believed by every cut of knowledge from `known_from` until `known_to`."""

    known_from: date
    known_to: date | None
    piece: Piece

    def row(self) -> Row:
        """The span's one row of the view: its piece's, with its knowledge bounds."""
        known_to = self.known_to.isoformat() if self.known_to else OPEN_KNOWN
        return (*self.piece.row, self.known_from.isoformat(), known_to)


@dataclass(frozen=True)
class Belief:
    """A measure's pieces for each cut of its knowledge, and the spans they make."""

    cuts: list[list[Piece]]
    #: By (known_from, valid_from): the two identify a span among the measure's.
    spans: dict[tuple[date, date], Span]


@dataclass(frozen=True)
class RowChange:
    """What one event at `position` changes in a measure's segments."""

    measure: str
    position: int
    closed: frozenset[Row]  # segments no longer believed from `position`
    opened: frozenset[Row]  # segments believed from `position`
    states: dict[str, bytes]  # the summaries the opened segments cite
    scopes: dict[str, Scope]  # the scopes the opened segments cite


NOTHING = Belief([], {})


def render(segment: Segment, known: Sequence[Piece] = ()) -> Piece:
    """The view's row of one segment; the summary and the scope are taken from a `known`
    piece in the same state (a segment only moved in valid time) instead of being rendered
    again; else the scope from the measure's last ones with the same items and places."""
    state = segment.state
    for piece in known:
        if piece.segment.state == state:
            return _moved_piece(piece, segment)
    # the view takes the summary's JSON as a plain dict
    summary = summary_bytes(cast("dict[str, Any]", state.summary_json()))
    key = state_key(summary)
    scope, places = _scope(state.slug, state.items, tuple(state.scope()))
    valid_from = segment.valid_from.isoformat()
    valid_to = segment.valid_to.isoformat() if segment.valid_to else OPEN_DATE
    row = (valid_from, valid_to, state.status, int(state.level), key, scope)
    return Piece(segment, row, key, summary, scope, places)


def _moved_piece(piece: Piece, segment: Segment) -> Piece:
    """`piece` rendered for `segment`: the same state over other valid dates."""
    valid_to = segment.valid_to.isoformat() if segment.valid_to else OPEN_DATE
    row = (segment.valid_from.isoformat(), valid_to, *piece.row[2:])
    return Piece(segment, row, piece.state, piece.summary, piece.scope, piece.places)


@lru_cache(maxsize=4096)
def _scope(
    measure: str, items: tuple[str, ...], pairs: tuple[tuple[str, str], ...]
) -> tuple[str, Scope]:
    """A measure's scope and its key (kept for the measures met last: an amendment of dates
    or status keeps a measure's scope)."""
    scope = Scope(tuple(sorted(set(items))), tuple(sorted(set(pairs))))
    return scope_key(measure, scope), scope


def belief(knowledge: MeasureKnowledge) -> Belief:
    """Every piece of the measure as its knowledge stands."""
    cuts = [[render(segment) for segment in segments(history)] for _, history in knowledge.cuts]
    return Belief(cuts, _spans(knowledge, cuts))


def revise(knowledge: MeasureKnowledge, position: int, before: Belief) -> tuple[Belief, RowChange]:
    """The measure's belief once its knowledge includes the event at `position`, and the
    change from `before` (its belief just before that event)."""
    first = knowledge.changed_from
    cuts = before.cuts[:first]
    for index in range(first, len(knowledge.cuts)):
        # the same cut before, or the one it was split from
        earlier = before.cuts[min(index, len(before.cuts) - 1)] if before.cuts else []
        by_start = {piece.segment.valid_from: piece for piece in earlier}
        pieces = []
        for segment in segments(knowledge.cuts[index][1]):
            kept = by_start.get(segment.valid_from)
            if kept is None or kept.segment.state != segment.state:
                kept = render(segment, earlier)
            elif kept.segment.valid_to != segment.valid_to:
                kept = _moved_piece(kept, segment)
            pieces.append(kept)
        cuts.append(pieces)
    if first == len(before.cuts) == len(cuts) - 1:
        # a new last cut (the most frequent change): only the spans open before may end
        after, removed, added = _extended(before, cuts, knowledge.cuts[-1][0])
    else:
        after = Belief(cuts, _spans(knowledge, cuts))
        removed = [
            span
            for key, span in before.spans.items()
            if (now := after.spans.get(key)) is None or _moved(span, now)
        ]
        added = [
            span
            for key, span in after.spans.items()
            if (then := before.spans.get(key)) is None or _moved(then, span)
        ]
    # A span's rows name its knowledge and valid starts, which no other span of the same
    # belief shares, so comparing what was removed with what was added is the whole change.
    removed_rows = frozenset([span.row() for span in removed])
    added_rows = frozenset([span.row() for span in added])
    change = RowChange(
        knowledge.slug,
        position,
        removed_rows - added_rows,
        added_rows - removed_rows,
        {span.piece.state: span.piece.summary for span in added},
        {span.piece.scope: span.piece.places for span in added},
    )
    return after, change


def _extended(
    before: Belief, cuts: list[list[Piece]], published: date
) -> tuple[Belief, list[Span], list[Span]]:
    """The belief whose cuts are `before`'s and a new last one, published on `published`,
    and the spans it removes and adds (as `_spans` and comparing them would find them): a
    span open before goes on if the new cut has its piece, else ends on `published`, and
    each piece of the new cut that goes on no span begins one."""
    current = {piece.segment.valid_from: piece for piece in cuts[-1]}
    spans = dict(before.spans)
    removed, added = [], []
    for key, span in before.spans.items():
        if span.known_to is not None:
            continue
        now = current.get(key[1])
        if now is not None and now.segment == span.piece.segment:
            del current[key[1]]
            continue
        ended = spans[key] = Span(span.known_from, published, span.piece)
        removed.append(span)
        added.append(ended)
    for valid_from, piece in current.items():
        begun = spans[(published, valid_from)] = Span(published, None, piece)
        added.append(begun)
    return Belief(cuts, spans), removed, added


def _moved(then: Span, now: Span) -> bool:
    """Whether two spans with the same starts differ."""
    return then.known_to != now.known_to or then.piece.segment != now.piece.segment


def _spans(knowledge: MeasureKnowledge, cuts: list[list[Piece]]) -> dict[tuple[date, date], Span]:
    """The spans of knowledge that the cuts' pieces make: a piece carried over unchanged
    from one cut to the next is one span."""
    found: dict[tuple[date, date], Span] = {}
    running: dict[date, tuple[date, Piece]] = {}  # by valid_from: since when, which piece
    for (published, _), pieces in zip(knowledge.cuts, cuts, strict=True):
        current = {piece.segment.valid_from: piece for piece in pieces}
        for valid_from, (known_from, piece) in list(running.items()):
            now = current.get(valid_from)
            if now is None or now.segment != piece.segment:
                found[(known_from, valid_from)] = Span(known_from, published, piece)
                del running[valid_from]
        for valid_from, piece in current.items():
            if valid_from not in running:
                running[valid_from] = (published, piece)
    for valid_from, (known_from, piece) in running.items():
        found[(known_from, valid_from)] = Span(known_from, None, piece)
    return found

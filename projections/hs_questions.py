"""Questions asked by HS code (`--hs`, docs/vocabulary.md §8): the answer keeps the measures
whose codes match the code asked either way, each with its coverage. The codes of a measure
are those of its latest record (an imposition, or a correction that replaced them) that the
answer knows: the pure fold reads them from the measures' histories, the view from its table
of codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from domain.hs import hs_match

if TYPE_CHECKING:
    from projections.flows import FlowQuery
    from projections.history import MeasureHistory


def hs_covered(query: FlowQuery, histories: Iterable[MeasureHistory]) -> FlowQuery:
    """The question with the coverage of each measure among `histories` (as the answer
    knows them) whose codes match `query.hs`."""
    assert query.hs is not None
    cover = {}
    for history in histories:
        coverage = hs_match(history.terms.corrected.hs_codes, query.hs)
        if coverage is not None:
            cover[history.slug] = coverage
    return replace(query, hs_cover=cover)


def cover_of(
    codes: Mapping[str, Sequence[tuple[str, int, str]]], asked: str, known: date | None
) -> dict[str, str]:
    """Each measure's coverage of the code `asked`, from its rows of the codes table (code,
    position, publication date, those recorded by the answer's position): its latest record
    published by `known` that gave codes says which ('' for none)."""
    cover = {}
    day = known.isoformat() if known else None
    for measure, rows in codes.items():
        kept = [row for row in rows if day is None or row[2] <= day]
        if not kept:
            continue
        latest = max(position for _, position, _ in kept)
        given = tuple(code for code, position, _ in kept if position == latest and code)
        coverage = hs_match(given, asked)
        if coverage is not None:
            cover[measure] = coverage
    return cover

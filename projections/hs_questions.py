"""Questions asked by HS code (`--hs`, docs/vocabulary.md §8): the measures whose codes match
the code asked either way, found through the view's table of codes, and the flow question
kept to them and to their items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from domain.hs import hs_match

if TYPE_CHECKING:
    from projections.flows import FlowQuery
    from projections.history import MeasureHistory

#: The items of a question whose HS code no measure matches: no row names it, so the view
#: reads nothing (an empty item list would mean every item).
NO_ITEM = ("#no-measure-has-this-hs-code",)


def hs_covered(query: FlowQuery, histories: Iterable[MeasureHistory]) -> FlowQuery:
    """The question kept to the measures among `histories` (as the answer knows them) whose
    codes, at any stage of their terms, match `query.hs`: each with the widest coverage a
    stage gives, and their items (those asked, if any)."""
    cover: dict[str, str] = {}
    items: set[str] = set()
    for history in histories:
        if history.retracted or query.hs is None:
            continue
        stages = [terms for _, terms in history.terms.stages]
        covers = {hs_match(terms.hs_codes, query.hs) for terms in stages} - {None}
        if covers:
            cover[history.slug] = "all" if "all" in covers else "part"
            items.update(item for terms in stages for item in terms.items)
    if not cover:
        kept: tuple[str, ...] = NO_ITEM
    elif query.items:  # those asked that a matching measure names (or all, on every good)
        kept = tuple(item for item in query.items if item in items or "*" in items) or NO_ITEM
    else:
        kept = () if "*" in items else tuple(sorted(items))  # (): every item
    return replace(query, items=kept, hs_cover=cover)


def prefixes(code: str) -> list[str]:
    """The codes a measure may carry that cover all of `code`: its prefixes of 4 digits and
    more (HS codes have at least four), itself included."""
    return [code[:length] for length in range(4, len(code) + 1)]

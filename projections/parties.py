"""Named parties (docs/time.md §6): finding one by its slug, name or alias, and whether any
measure lists it.

A party's records are read from the log through the view's log positions (subject
`party:ID`); the names of every party recorded by a position are indexed once per reader and
position, so that a question naming a party by name does not read them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from domain.errors import AmbiguousName
from domain.ids import party_id
from projections.mentions import recorded

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.party import Party
    from projections.view import BitemporalView


class AmbiguousParty(AmbiguousName):
    """`--party` was given a name that several parties have."""


#: Said of a party asked about that no measure in the store names (docs/time.md §6).
NOT_LISTED = "not on any list in this store — not being listed is not clearance"


@dataclass
class PartyIndex:
    """Every party recorded by a position: what its records say now, and its names."""

    described: dict[str, dict[str, Any]] = field(default_factory=dict)  # by slug
    by_name: dict[str, set[str]] = field(default_factory=dict)  # casefolded name: slugs

    @classmethod
    def read(cls, app: Regimes, view: BitemporalView, generation: str, position: int) -> PartyIndex:
        from domain.party import described

        index = cls()
        for slug in recorded(view, generation, position, "party"):
            positions = [
                logged.position
                for logged in view.positions_of(generation, f"party:{slug}")
                if logged.position <= position
            ]
            events = list(app.events.get(party_id(slug), lte=len(positions)))
            facts = described(cast("list[Party.Event]", events))
            index.described[slug] = facts
            for name in (facts["name"], *(facts.get("aliases") or ())):
                index.by_name.setdefault(name.casefold(), set()).add(slug)
        return index

    def find(self, wanted: str) -> str | None:
        """The slug of the party `wanted` names (its slug, or a name or alias in any case),
        None if none; AmbiguousParty if several parties have that name."""
        if wanted in self.described:
            return wanted
        found = self.by_name.get(wanted.casefold(), set())
        if len(found) > 1:
            candidates = "; ".join(
                f"{slug} ({self.described[slug]['name']}, {self.described[slug]['country']})"
                for slug in sorted(found)
            )
            raise AmbiguousParty(
                f"{len(found)} parties are called {wanted!r}: {candidates}; ask by slug"
            )
        return next(iter(found), None)


def listed_anywhere(view: BitemporalView, generation: str, party: str) -> bool:
    """Whether any measure summary the view holds names `party` (a scan of the summaries:
    asked only when an answer listed no measure naming the party)."""
    needle = f'%"{party}"%'
    with view.transaction(commit=False) as c:
        c.execute(
            f"SELECT 1 AS found FROM {view.sql(generation).states} "
            f"WHERE summary LIKE {view.p} AND summary LIKE {view.p} LIMIT 1",
            ('%"parties"%', needle),
        )
        return c.fetchone() is not None

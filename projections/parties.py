"""Named parties (docs/time.md §6): finding one by its slug, name or alias, and whether any
measure lists it.

A party's records are read from the log through the view's log positions (subject
`party:ID`); their names are indexed in a table of the view's store as questions meet them
(`PartyNames`), so that finding a party by name reads the index, not every party.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import orjson
from eventsourcing.persistence import PersistenceError

from domain.errors import AmbiguousName
from domain.ids import party_id
from projections.answers import RecordTime
from projections.failures import damaged_view_explained
from projections.lookups import RecordLookups

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.party import Party
    from projections.view import BitemporalView


class AmbiguousParty(AmbiguousName):
    """`--party` was given a name that several parties have."""


#: Said of a party asked about that no measure in the store names (docs/time.md §6).
NOT_LISTED = "not on any list in this store — not being listed is not clearance"


class PartyNames:
    """The names and aliases of the parties, indexed in the view's store (a table beside the
    generations: derived from the log alone, which only grows, so no replay rebuilds it).
    Each question brings it up to the log position it reads at, from where it was left: the
    party records since, read once for every later question in any process."""

    def __init__(self, app: Regimes, view: BitemporalView) -> None:
        self.app, self.view = app, view
        self.names = view.store.table("party_names")
        self.checked = view.store.table("party_names_checked")

    def _create(self) -> None:
        """The index's tables, made the first time any process looks a name up (another
        process making them at the same moment may win: then they are there)."""
        try:
            self._make_tables()
        except PersistenceError:
            self._make_tables()  # PostgreSQL: a concurrent CREATE ... IF NOT EXISTS may fail

    def _make_tables(self) -> None:
        with self.view.transaction(commit=True) as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.names} (name TEXT NOT NULL, "
                "party TEXT NOT NULL, position BIGINT NOT NULL)"
            )
            c.execute(f"CREATE INDEX IF NOT EXISTS party_names_by_name ON {self.names} (name)")
            c.execute(f"CREATE TABLE IF NOT EXISTS {self.checked} (position BIGINT NOT NULL)")

    def find(self, wanted: str, generation: str, position: int) -> str | None:
        """The slug of the party `wanted` names by `position` (its slug, or a name or alias in
        any case), None if none; AmbiguousParty if several parties have that name."""
        if self.view.positions_of(generation, f"party:{wanted}"):
            return wanted
        self._index(generation, position)
        p = self.view.p
        with self.view.transaction(commit=False) as c:
            c.execute(
                f"SELECT DISTINCT party FROM {self.names} WHERE name = {p} AND position <= {p}",
                (wanted.casefold(), position),
            )
            candidates = sorted(row["party"] for row in c.fetchall())
        # a correction may have taken a name away since: each candidate as it stands now
        found = {
            slug: facts
            for slug in candidates
            if wanted.casefold() in _names(facts := self._described(generation, slug, position))
        }
        if len(found) > 1:
            listed = "; ".join(
                f"{slug} ({facts['name']}, {facts['country']})" for slug, facts in found.items()
            )
            raise AmbiguousParty(
                f"{len(found)} parties are called {wanted!r}: {listed}; ask by slug"
            )
        return next(iter(found), None)

    def _described(self, generation: str, slug: str, position: int) -> dict[str, Any]:
        from domain.party import described

        recorded = [
            logged.position
            for logged in self.view.positions_of(generation, f"party:{slug}")
            if logged.position <= position
        ]
        events = self.app.events.get(party_id(slug), lte=len(recorded))
        return described(cast("list[Party.Event]", list(events)))

    def _index(self, generation: str, position: int) -> None:
        """Adds the names of the party records after the position indexed, up to `position`."""
        p = self.view.p
        try:
            with self.view.transaction(commit=False) as c:
                c.execute(f"SELECT MAX(position) AS position FROM {self.checked}")
                done = c.fetchone()["position"] or 0
        except PersistenceError:  # no index yet in this store
            self._create()
            done = 0
        if done >= position:
            return
        with self.view.transaction(commit=False) as c:
            c.execute(
                f"SELECT position, subject FROM {self.view.sql(generation).log} "
                f"WHERE position > {p} AND position <= {p} AND subject >= {p} "
                f"AND subject < {p} ORDER BY position",
                (done, position, "party:", "party;"),
            )
            new = [(row["position"], row["subject"].removeprefix("party:")) for row in c.fetchall()]
        rows: list[tuple[str, str, int]] = []
        for slug in dict.fromkeys(slug for _, slug in new):
            recorded = self.view.positions_of(generation, f"party:{slug}")
            events = self.app.events.get(party_id(slug), lte=len(recorded))
            for logged, event in zip(recorded, events, strict=False):
                if done < logged.position <= position:
                    facts: Any = event
                    given = getattr(facts, "fields", None) or {
                        "name": facts.name,
                        "aliases": facts.aliases,
                    }
                    rows += [(name, slug, logged.position) for name in _names(given)]
        with self.view.transaction(commit=True) as c:
            # another process may have indexed some of them meanwhile: names are looked up
            # as a set, so a row written twice changes no answer
            c.executemany(f"INSERT INTO {self.names} VALUES ({p}, {p}, {p})", rows)
            c.execute(f"DELETE FROM {self.checked}")
            c.execute(f"INSERT INTO {self.checked} VALUES ({p})", (position,))


def _names(facts: dict[str, Any]) -> set[str]:
    """A party's names (as `find` compares them): its name and aliases, casefolded."""
    return {
        name.casefold()
        for name in (facts.get("name"), *(facts.get("aliases") or ()))
        if isinstance(name, str)
    }


def candidate_listings(view: BitemporalView, generation: str, party: str) -> set[str]:
    """The measures whose summaries, stored in the view, list `party` among their parties (a
    scan of the summaries, each read back to check the list itself names it)."""
    with view.transaction(commit=False) as c:
        c.execute(
            f"SELECT summary FROM {view.sql(generation).states} "
            f"WHERE summary LIKE {view.p} AND summary LIKE {view.p}",
            ('%"parties"%', f'%"{party}"%'),  # a party's slug holds no LIKE wildcard
        )
        summaries = [orjson.loads(row["summary"]) for row in c.fetchall()]
    return {summary["measure"] for summary in summaries if party in summary.get("parties", ())}


class PartyQuestions(RecordLookups):
    """Finding a party a question names, and whether any measure lists it."""

    def __init__(self, app: Regimes, notify: Callable[[str], None] | None = None) -> None:
        super().__init__(app, notify)
        #: The index of the parties' names (made on first use: most questions name none).
        self._parties: PartyNames | None = None

    @damaged_view_explained
    def party_named(self, wanted: str, recorded_at: RecordTime | None = None) -> str:
        """The slug of the party `wanted` names among the records held at `recorded_at`
        (None: every record): its slug, or a name or alias in any case (AmbiguousParty when
        several parties have it); `wanted` itself when no party does, so that the answer
        about it says it is on no list."""
        generation, position, _ = self.where_to_read(recorded_at)
        if self._parties is None:
            self._parties = PartyNames(self.app, self.view)
        return self._parties.find(wanted, generation, position) or wanted

    def _listed(self, generation: str, party: str, position: int, known: date | None) -> bool:
        """Whether any measure recorded by `position` and published by `known` (a
        retracted one aside) has named `party` at any time: asked when an answer listed no
        measure naming it. The summaries that mention it are found by a scan, each checked
        against its measure's records."""
        if not any(
            logged.position <= position
            for logged in self.view.positions_of(generation, f"party:{party}")
        ):
            return False  # no such party by then
        for slug in candidate_listings(self.view, generation, party):
            history = self._measure_history(generation, slug, position, known)
            if (
                history is not None
                and not history.retracted
                and any(party in (terms.parties or ()) for _, terms in history.terms.stages)
            ):
                return True
        return False

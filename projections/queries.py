"""The questions analysts ask, answered from the persisted view after catching it up
(`projections.keeper`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from domain.hs import describe
from domain.vocabulary import WORLDWIDE, Level, is_group
from projections import mentions
from projections.answers import (
    NO_FILTER,
    Answer,
    Comparison,
    FlowChange,
    FlowDifference,
    Found,
    Knowledge,
    Known,
    Timeline,
    statuses,
)
from projections.catalog import (
    SearchQuery,
    read_catalog,
    text_in,
)
from projections.failures import damaged_view_explained
from projections.flows import Entry, Flow, FlowQuery, assemble, placed_on
from projections.group_questions import GroupQuestions
from projections.history import MeasureHistory
from projections.hs_questions import cover_of
from projections.lifecycle import Cause, cause_on
from projections.lookups import AmbiguousDocument as AmbiguousDocument
from projections.lookups import UnknownId as UnknownId
from projections.mentions import unmentioned
from projections.parties import NOT_LISTED, PartyQuestions
from projections.places import Memberships, groups_by_side, groups_in, periods
from projections.summaries import MeasureSummary, iso
from projections.timeline import FlowKey, Span, flow_changes

if TYPE_CHECKING:
    pass


class RegimeReader(GroupQuestions, PartyQuestions):
    """Answers as-of, timeline, diff and history questions from the bitemporal view, which
    `ViewKeeper` keeps up to the log; group questions and finding parties are its bases'."""

    @damaged_view_explained
    def as_of(self, day: date, query: FlowQuery, knowledge: Knowledge = NO_FILTER) -> Answer:
        """The regimes of the asked flows on `day`, from the records that pass the
        knowledge filters."""
        generation, position, latest = self.where_to_read(knowledge.recorded_at)
        memberships = self._memberships(generation, position, knowledge.known_at)
        named: set[str] = set()
        entries = self._entries_on(
            generation, day, position, query, memberships, knowledge, named, latest=latest
        )
        known = self._known(
            generation,
            position,
            query,
            knowledge,
            seen=named,
            latest=latest,
            party_named=_names_party(entries, query.party),
            hs_named=bool(entries),
        )
        return Answer(day, known, assemble(entries, query))

    def _known(
        self,
        generation: str,
        position: int,
        query: FlowQuery,
        knowledge: Knowledge,
        more: Sequence[str] = (),
        seen: Collection[str] = (),
        *,
        latest: bool = False,
        answered: bool | None = None,
        party_named: bool = False,
        hs_named: bool = False,
    ) -> Known:
        """What an answer about flows at `position` reflects (`_reflects`), with warnings
        about the question: a publication day before anything asked about was published
        (when nothing was `answered`; by default, when no item was `seen` in its rows),
        items no record mentions (beyond those `seen`), a party asked about that no
        measure lists (unless the answer `party_named` it), and `more`."""
        warnings = []
        party = query.party
        if (
            party is not None
            and not party_named
            and not self._listed(generation, party, position, knowledge.known_at)
        ):
            warnings.append(f"{party!r} is {NOT_LISTED}")
        known_at = knowledge.known_at
        nothing_recorded = knowledge.recorded_at is not None and position == 0  # told apart
        if (
            known_at is not None
            and not nothing_recorded
            and not (bool(seen) if answered is None else answered)
            and not mentions.anything_known(
                self.view, generation, query.items, position, known_at, latest=latest
            )
        ):
            earliest = mentions.first_published(self.view, generation, query.items, position)
            # none: nothing at all, told below, or nothing to tell; by `known_at`: it was
            # published, and what was known then leaves nothing (retracted, corrected away)
            if earliest is not None and earliest > known_at:
                warnings.append(
                    f"nothing asked about was published by {known_at}; the first record "
                    f"about it was published on {earliest}"
                )
        asked_groups = [
            place for place in (query.exporter, query.importer) if place and is_group(place)
        ]
        if asked_groups:
            known_groups = self._groups_by(generation, position)
            warnings += unmentioned(asked_groups, known_groups, known_groups, what="group")
        if (
            query.hs is not None
            and not hs_named
            and not self._hs_named(generation, position, query.hs)
        ):
            about = describe(query.hs)
            warnings.append(
                f"no measure names HS code {query.hs}" + (f" ({about})" if about else "")
            )
        # asked by HS code, the items are those of the measures found: none to warn about
        unseen = [item for item in query.items if item not in seen] if query.hs is None else []
        if unseen:
            mentioned = {*seen, *mentions.items_mentioned(self.view, generation, unseen, position)}
            if len(mentioned & set(query.items)) < len(set(query.items)):
                warnings += unmentioned(
                    query.named or query.items,
                    mentioned,
                    mentions.all_items(self.view, generation, position),
                )
        known = self._reflects(position, knowledge, [*warnings, *more])
        return known if party is None else replace(known, party=party)

    def _entries(
        self,
        generation: str,
        day: date | None,
        position: int,
        query: FlowQuery,
        memberships: Memberships,
        *,
        latest: bool = False,
        known: date | None = None,
        named: set[str] | None = None,
    ) -> Iterator[tuple[str, str, Entry]]:
        """Each measure on each asked flow, from the view's rows standing on `day` (any day
        if None), with its groups resolved by `memberships`: for a day, as they stand then;
        over valid time, cut where the flow's countries join or leave a group the measure
        names. Yields (valid_from, valid_to, entry); adds to `named` the items the rows name
        (not `*`: a measure on every good names no item, or any misspelt one would pass)."""
        groups = (
            self._groups_by(generation, position)
            if query.exporter is not None or query.importer is not None
            else []
        )
        rows: Iterable[tuple[str, str, str, str, str, str, int, dict[str, Any]]] = (
            self.view.rows_on(
                generation,
                day,
                position,
                query.items,
                query.places(query.exporter, groups),
                query.places(query.importer, groups),
                latest=latest,
                known=known,
            )
        )
        if query.hs is not None and query.hs_cover is None:  # the measures on these rows
            rows = list(rows)
            measures = sorted({row[0] for row in rows})
            query = replace(
                query, hs_cover=self._hs_cover(generation, position, known, measures, query.hs)
            )
        for _, item, exporter, importer, valid_from, valid_to, level, stored in rows:
            scope = (exporter, importer)
            flow = query.resolve(item, *scope)
            if flow is None:
                continue
            if named is not None and item != WORLDWIDE:
                named.add(item)
            summary = MeasureSummary.from_json(stored)
            involved = groups_in((*scope, *summary.excepted))
            on_days: list[tuple[str, str, date]]
            if day is not None or not involved:  # places the same all along
                on_days = [(valid_from, valid_to, day or _day(valid_from))]
            else:
                start, end = _day(valid_from), _day(valid_to)
                on_days = [
                    (iso(begin), iso(finish), begin)
                    for begin, finish in periods(involved, flow, start, end, memberships)
                ]
            for begin, finish, on in on_days:
                for entry in placed_on(
                    query, flow, item, scope, Level(level), summary, on, memberships
                ):
                    yield begin, finish, entry

    def _hs_named(self, generation: str, position: int, asked: str) -> bool:
        """Whether any code recorded by `position` matches `asked` either way (asked only when
        an answer by HS code found nothing: a scan of the codes, for a warning)."""
        sql, p = self.view.sql(generation), self.view.p
        covering = [asked[:length] for length in range(4, len(asked) + 1)]
        whole = f" OR code IN ({sql.marks(len(covering))})" if covering else ""
        with self.view.transaction(commit=False) as c:
            c.execute(
                f"SELECT 1 AS found FROM {sql.codes} WHERE position <= {p} AND "
                f"((code >= {p} AND code < {p}){whole}) LIMIT 1",
                (position, asked, f"{asked}:", *covering),  # ':' sorts right after '9'
            )
            return c.fetchone() is not None

    def _hs_cover(
        self,
        generation: str,
        position: int,
        known: date | None,
        measures: Sequence[str],
        asked: str,
    ) -> dict[str, str]:
        """The coverage of the code `asked` by each of `measures` whose codes match it, read
        from the view's table of codes as the answer knows them."""
        found: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        sql, p = self.view.sql(generation), self.view.p
        with self.view.transaction(commit=False) as c:
            for start in range(0, len(measures), 500):  # within any store's parameter limit
                chunk = measures[start : start + 500]
                c.execute(
                    f"SELECT measure, code, position, published_on FROM {sql.codes} "
                    f"WHERE measure IN ({sql.marks(len(chunk))}) AND position <= {p}",
                    (*chunk, position),
                )
                for row in c.fetchall():
                    found[row["measure"]].append(
                        (row["code"], row["position"], row["published_on"])
                    )
        return cover_of(found, asked, known)

    def _entries_on(
        self,
        generation: str,
        day: date,
        position: int,
        query: FlowQuery,
        memberships: Memberships,
        knowledge: Knowledge,
        named: set[str],
        *,
        latest: bool,
    ) -> list[Entry]:
        """Each measure on each asked flow on `day` (`_entries`), the items named added to
        `named`."""
        return [
            entry
            for _, _, entry in self._entries(
                generation,
                day,
                position,
                query,
                memberships,
                latest=latest,
                known=knowledge.known_at,
                named=named,
            )
        ]

    @damaged_view_explained
    def timeline(
        self,
        query: FlowQuery,
        knowledge: Knowledge = NO_FILTER,
        *,
        since: date | None = None,
        until: date | None = None,
        actions: bool = False,
    ) -> Timeline:
        """Each valid date (from `since` to `until`) on which a matching flow's level or
        measures change, each measure's change citing the document of the record behind it;
        with `actions`, the actions those measures respond to."""
        generation, position, latest = self.where_to_read(knowledge.recorded_at)
        known_at = knowledge.known_at
        memberships = self._memberships(generation, position, known_at)
        by_flow: dict[tuple[str, str, str], list[Span]] = defaultdict(list)
        # the groups each measure names, with the side of the flow each resolves onto
        named: dict[str, set[tuple[str, int]]] = defaultdict(set)
        party_named = False
        seen: set[str] = set()
        for valid_from, valid_to, entry in self._entries(
            generation,
            None,
            position,
            query,
            memberships,
            latest=latest,
            known=known_at,
            named=seen,
        ):
            by_flow[entry.key].append((valid_from, valid_to, entry))
            summary = entry.summary
            party_named = party_named or query.party in summary.parties
            named[summary.measure].update(
                groups_by_side(
                    summary.direction, summary.issuer, summary.places or (), summary.excepted
                )
            )
        histories: dict[str, MeasureHistory | None] = {}

        def cause(slug: str, day: date, before: str, after: str, flow: FlowKey) -> Cause:
            if slug not in histories:
                histories[slug] = self._measure_history(generation, slug, position, known_at)
            history = histories[slug]
            if history is not None and query.party in history.special_parties():
                history = history.for_party(query.party)  # its follow-ups for the party too
            why = cause_on(history, day, before, after) if history else Cause("measure", None)
            if why.kind in _SHOWN_BY_ITSELF and "none" in (before, after):
                return why  # the measure's own record made it appear or go
            for group, side in sorted(named[slug]):  # else a country joining or leaving
                changed = memberships.changed(group, flow[1 + side], day)
                if changed is not None:
                    return Cause(*changed)
            return why

        changes = sorted(
            (
                change
                for change in flow_changes(by_flow, query, cause)
                if (since is None or change.day >= since) and (until is None or change.day <= until)
            ),
            key=lambda change: (change.day, change.item, change.exporter, change.importer),
        )
        context = self._responded_to(generation, changes, position, known_at) if actions else []
        return Timeline(
            self._known(
                generation,
                position,
                query,
                knowledge,
                seen=seen,
                latest=latest,
                party_named=party_named,
                hs_named=bool(by_flow),
            ),
            changes,
            context,
        )

    def _responded_to(
        self, generation: str, changes: list[FlowChange], position: int, known: date | None
    ) -> list[dict[str, Any]]:
        """The actions that the records of the changes' measures respond to, and those that
        these actions respond to in turn (a dispute's steps, each answering the one before),
        by date."""
        slugs = {entry.measure for change in changes for entry in change.measures}
        targets = [
            target
            for slug in slugs
            for event in self._known_events(generation, "measure", slug, position, known)
            for target in event.to_record().get("responds_to") or ()
        ]
        actions: dict[str, dict[str, Any]] = {}
        while targets:
            target = targets.pop()
            if target in actions:
                continue
            events = self._known_events(generation, "action", target, position, known)
            if events:
                actions[target] = events[0].to_record()
                targets.extend(actions[target].get("responds_to") or ())
        return sorted(
            actions.values(), key=lambda action: (action["occurred_on"], action["action"])
        )

    @damaged_view_explained
    def diff(
        self, first: date, second: date, query: FlowQuery, knowledge: Knowledge = NO_FILTER
    ) -> Comparison:
        """Flows whose level or measures differ between two dates."""
        generation, position, latest = self.where_to_read(knowledge.recorded_at)
        memberships = self._memberships(generation, position, knowledge.known_at)
        named: set[str] = set()

        def flows_on(day: date) -> dict[tuple[str, str, str], Flow]:
            entries = self._entries_on(
                generation, day, position, query, memberships, knowledge, named, latest=latest
            )
            return {flow.key: flow for flow in assemble(entries, query)}

        before, after = flows_on(first), flows_on(second)
        differences = []
        for key in sorted(before.keys() | after.keys()):
            old, new = before.get(key, Flow(*key)), after.get(key, Flow(*key))
            if old.level != new.level or statuses(old) != statuses(new):
                differences.append(FlowDifference(old, new))
        flows = (*before.values(), *after.values())
        seen = named & {
            flow.item for flow in flows if flow.in_force or flow.suspended or flow.pending
        }
        listed = _names_party((entry for flow in flows for entry in flow.listed()), query.party)
        known = self._known(
            generation,
            position,
            query,
            knowledge,
            seen=seen,
            latest=latest,
            party_named=listed,
            hs_named=bool(before or after),
        )
        return Comparison(first, second, known, differences)

    @damaged_view_explained
    def search(self, query: SearchQuery, knowledge: Knowledge = NO_FILTER) -> Found:
        """The records matching `query` (docs/output.md §5), with warnings for items and kinds no
        record mentions."""
        generation, position, latest = self.where_to_read(knowledge.recorded_at)
        known_at = knowledge.known_at
        catalog = read_catalog(
            self.app, position, text_in(query.text) if query.text else None, known_at
        )
        unknown_kinds: list[str] = []
        if query.kinds and not set(query.kinds) <= catalog.kinds():
            # A kind the text-matched records lack may still be any other record's: only
            # then is the whole log read, to tell a typo from a kind nothing matched.
            kinds = (
                read_catalog(self.app, position, known=known_at).kinds()
                if query.text
                else catalog.kinds()
            )
            unknown_kinds = unmentioned(query.kinds, kinds, kinds, what="kind")
        hits = catalog.search(query)
        if query.text and any(hit.type == "party" for hit in hits):
            # how many measures name each party: counted over every measure, not only those
            # whose text matched
            every = read_catalog(self.app, position, known=known_at)
            hits = [
                replace(hit, status=every.subjects[("party", hit.id)].status_on(query.on))
                if hit.type == "party"
                else hit
                for hit in hits
            ]
        hs = None
        if query.hs is not None:
            hs = {"code": query.hs, "description": describe(query.hs)}
            named = bool(hits) or (
                read_catalog(self.app, position, known=known_at) if query.text else catalog
            ).names_hs(query.hs)
            if not named:
                about = f" ({hs['description']})" if hs["description"] else ""
                unknown_kinds.append(f"no measure names HS code {query.hs}{about}")
        known = self._known(
            generation,
            position,
            query.flows,
            knowledge,
            unknown_kinds,
            latest=latest,
            answered=bool(hits),
        )
        return Found(query.on, known, hits, hs)


#: The causes that make a measure appear on a flow, or leave it, by themselves: on such a
#: day a country joining or leaving a group the measure names is not what is cited.
_SHOWN_BY_ITSELF = frozenset({"announced", "took_effect", "lifted", "expired"})

#: A date from the view's ISO text, read once for the many rows that share it.
_day = cache(date.fromisoformat)


def _names_party(listed: Iterable[Entry | MeasureSummary], party: str | None) -> bool:
    """Whether a measure among those `listed` names `party`."""
    if party is None:
        return False
    return any(
        party in (item.summary if isinstance(item, Entry) else item).parties for item in listed
    )

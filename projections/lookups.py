"""Finding the records themselves: one measure's, action's, group's or party's whole history
(a party's with every measure that has named it), and the records carrying one document
(docs/output.md §6), with the records that respond to them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast

from domain.application import LoggedRecord
from domain.errors import RegimesError
from domain.ids import action_id, group_id, measure_id, party_id
from projections.answers import Knowledge, Known, Shown
from projections.catalog import Logged, Subject, read_catalog, slug_in, text_in
from projections.catchup import utc_text
from projections.failures import ProjectionsDamaged, damaged_view_explained
from projections.history import MeasureHistory
from projections.keeper import ViewKeeper
from projections.knowledge import published_by
from projections.lifecycle import measure_on
from store import log

if TYPE_CHECKING:
    from domain.events import RecordedEvent
    from domain.measure import Measure


class UnknownId(RegimesError):
    """`show` was given an id that names no measure or action."""


class AmbiguousDocument(RegimesError):
    """`show` was given text that several documents contain."""


class RecordLookups(ViewKeeper):
    """`show` and the history of one id, answered from the log through the view's list of
    log positions; the records of one subject as an answer knows them; and what any answer
    reflects."""

    def _reflects(self, position: int, knowledge: Knowledge, warnings: list[str]) -> Known:
        """What any answer at `position` reflects: the position, its digest, the knowledge
        asked, and `warnings` after those of any answer (an answer that could not take in
        the newest records, a record time before the first record)."""
        first: list[str] = []
        if self.lagging:
            first.append(self.lagging)
            self.lagging_told = True
        if knowledge.recorded_at is not None and position == 0:
            logged = next(self.app.records(1, 1), None)
            asked = knowledge.to_json()["recorded_at"]
            first.append(
                f"nothing was recorded by {asked}"
                + (
                    f"; the store's first record was appended at {utc_text(logged.recorded_at)}"
                    if logged
                    else "; the store is empty"
                )
            )
        digest = log.digest(self.app, position) if position else None
        return Known(position, knowledge, str(digest) if digest else None, [*first, *warnings])

    def _measure_history(
        self, generation: str, slug: str, position: int, known: date | None
    ) -> MeasureHistory | None:
        """The measure's history from its records up to `position` and published by day
        `known` (None if nothing of it passes)."""
        events = self._known_events(generation, "measure", slug, position, known)
        return MeasureHistory.of(cast("list[Measure.Event]", events)) if events else None

    def _known_events(
        self, generation: str, kind: str, slug: str, position: int, known: date | None
    ) -> list[RecordedEvent]:
        """The events about a measure or an action recorded up to `position` and published
        by day `known`."""
        positions = self.view.positions_of(generation, f"{kind}:{slug}")
        recorded = [logged.position for logged in positions if logged.position <= position]
        if not recorded:
            return []
        key = _STREAMS[kind](slug)
        events = cast("list[RecordedEvent]", self.app.events.get(key, lte=len(recorded)))
        return [event for _, event in published_by(zip(recorded, events, strict=False), known)]

    @damaged_view_explained
    def history(self, slug: str, known: date | None = None) -> list[LoggedRecord]:
        """Every record about one measure, action, party or group (`@slug`), with positions
        and record times; with `known`, those the world knew at the end of that day
        (docs/time.md §3)."""
        generation, _, _ = self.where_to_read(None)
        return self._history(generation, slug, known)

    def _history(self, generation: str, slug: str, known: date | None = None) -> list[LoggedRecord]:
        streams = (
            [(f"group:{slug[1:]}", group_id(slug[1:]))]
            if slug.startswith("@")
            else [
                (f"measure:{slug}", measure_id(slug)),
                (f"action:{slug}", action_id(slug)),
                (f"party:{slug}", party_id(slug)),
            ]
        )
        for subject, key in streams:
            positions = self.view.positions_of(generation, subject)
            if positions:
                events = cast("list[RecordedEvent]", list(self.app.events.get(key)))
                if len(positions) != len(events):
                    raise ProjectionsDamaged(
                        f"the projections of this store are damaged (they list "
                        f"{len(positions)} log positions for {slug!r}, the log holds "
                        f"{len(events)} records); rebuild them from the log with "
                        "'regimes replay'"
                    )
                logged = zip((p.position for p in positions), events, strict=True)
                return [
                    LoggedRecord(position, event.timestamp, event.to_record())
                    for position, event in published_by(logged, known)
                ]
        if any(self.app.recorder.select_events(key, limit=1) for _, key in streams):
            raise ProjectionsDamaged(
                f"the projections of this store are damaged (they list no log position for "
                f"{slug!r}, which the log holds); rebuild them from the log with "
                "'regimes replay'"
            )
        if slug.startswith("@"):
            raise UnknownId(f"no group is called {slug!r}")
        raise UnknownId(f"no measure, action or party is called {slug!r}")

    @damaged_view_explained
    def show(self, wanted: str) -> Shown:
        """The records about an id, or else those carrying the one document whose name
        contains `wanted`; with the records that respond to what is shown."""
        generation, position, _ = self.where_to_read(None)
        try:
            records = [(wanted, logged) for logged in self._history(generation, wanted)]
        except UnknownId:
            if wanted.startswith("@"):  # a group, not a document
                raise
            return self._show_document(wanted, position)
        listings = (
            self._listings(wanted, position)
            if records and records[0][1].record["type"].startswith("party_")
            else []
        )
        return Shown(records, self._responders({wanted}, position), wanted, None, listings)

    def _show_document(self, wanted: str, position: int) -> Shown:
        documents = read_catalog(self.app, position, text_in(wanted)).documents(wanted)
        if len(documents) > 1:
            listed = "; ".join(sorted(documents))
            raise AmbiguousDocument(f"{len(documents)} documents contain {wanted!r}: {listed}")
        if not documents:
            raise UnknownId(
                f"no measure or action is called {wanted!r}, and no document's name contains it"
            )
        [(document, carrying)] = documents.items()
        slugs = {subject.slug for subject, _ in carrying}
        return Shown(_listed(carrying), self._responders(slugs, position), document=document)

    def _listings(self, party: str, position: int) -> list[dict[str, Any]]:
        """Every measure that has ever named `party`, with where it stands for it today."""
        catalog = read_catalog(self.app, position, slug_in(party))
        today = datetime.now(UTC).date()
        found = []
        for subject in catalog.subjects.values():
            if (
                subject.history is None
                or subject.history.retracted
                or not any(party in (terms.parties or ()) for terms in subject.stages())
            ):
                continue
            state = measure_on(subject.history.for_party(party), today)
            named = state is not None and party in (state.terms.parties or ())
            found.append(
                {
                    "measure": subject.slug,
                    "kind": subject.history.terms.corrected.kind,
                    "document": subject.history.terms.corrected.document,
                    "status_today": state.status if state is not None and named else "not listed",
                }
            )
        return sorted(found, key=lambda listing: listing["measure"])

    def _responders(self, slugs: set[str], position: int) -> list[tuple[str, LoggedRecord]]:
        """The records, up to `position`, that respond to any of `slugs`, in log order."""
        checks = [slug_in(slug) for slug in slugs]
        catalog = read_catalog(
            self.app, position, lambda state: any(check(state) for check in checks)
        )
        found = {
            (subject.slug, logged.position): (subject, logged)
            for slug in slugs
            for subject, logged in catalog.responders(slug)
        }
        return _listed(sorted(found.values(), key=lambda pair: pair[1].position))


def _listed(records: list[tuple[Subject, Logged]]) -> list[tuple[str, LoggedRecord]]:
    return [
        (subject.slug, LoggedRecord(logged.position, logged.event.timestamp, logged.record))
        for subject, logged in records
    ]


#: The stored id of each kind of subject, by its slug.
_STREAMS = {"measure": measure_id, "action": action_id, "group": group_id}

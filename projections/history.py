"""A measure's history as known at some log position: the record-time fold of its events.

The terms are the domain's fold (`domain.terms.terms_of`): corrections replace them for all
valid time, amendments change them from their dates. Suspensions, resumptions and the lifting
are kept with their valid dates for `projections.lifecycle` to place in valid time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from domain.terms import KnownTerms

if TYPE_CHECKING:
    from domain.measure import Measure


@dataclass(frozen=True, slots=True)
class Suspension:
    """The measure stops counting from `start` until `until` (exclusive), or until resumed."""

    start: date
    until: date | None
    document: str | None


class FollowUp(NamedTuple):
    """A change to the measure in the world from `effective_on`, and the document saying so."""

    change: str  # amended, suspended, resumed or lifted
    effective_on: date
    document: str | None
    #: Given when announced before taking effect: scheduled from then (docs/time.md §3).
    announced_on: date | None = None


@dataclass
class MeasureHistory:
    """Everything recorded about one measure, folded in record order."""

    slug: str
    terms: KnownTerms
    #: The measure's publication date: its imposition's.
    published_on: date
    version: int = 1
    suspensions: list[Suspension] = field(default_factory=list)
    resumptions: list[date] = field(default_factory=list)
    lifted_on: date | None = None
    lifting_document: str | None = None
    retracted: bool = False
    #: Every follow-up in record order, so that a change on a date can cite the record
    #: behind it (those for some parties only are in `party_events`).
    follow_ups: list[FollowUp] = field(default_factory=list)
    #: Whether a follow-up was announced before it takes effect (`scheduled` lists such a
    #: one meanwhile): most measures have none, and the sweep of their segments skips that.
    announced_ahead: bool = False
    #: Suspensions, resumptions and liftings for some named parties only, in record order:
    #: folded into the history as each of those parties sees it (`for_party`).
    party_events: list[Measure.DatedEvent] = field(default_factory=list)
    #: As one named party sees it (`for_party`): the spans over which it is delisted, from a
    #: lifting for it until an amendment lists it again (None: for good).
    delisted: list[tuple[date, date | None]] = field(default_factory=list)

    @classmethod
    def begin(cls, event: Measure.Imposed) -> MeasureHistory:
        """The history as of the measure's first event."""
        terms = KnownTerms.imposed(event.imposed_terms())
        return cls(event.measure, terms, event.publication(), event.originator_version)

    def copy(self) -> MeasureHistory:
        """A copy that events applied to this history leave as it is."""
        copied = object.__new__(MeasureHistory)  # every field as it is, then its own lists
        copied.__dict__.update(self.__dict__)
        copied.suspensions = list(self.suspensions)
        copied.resumptions = list(self.resumptions)
        copied.follow_ups = list(self.follow_ups)
        copied.party_events = list(self.party_events)
        copied.delisted = list(self.delisted)
        return copied

    def apply(self, event: Measure.Event) -> None:
        """Folds the next event of this measure into the history."""
        self.version = event.originator_version
        self.terms = event.revise(self.terms)
        # an amendment's parties are in its changes; asking an event for a field it lacks
        # is slow, and most lack this one
        if vars(event).get("parties"):
            self.party_events.append(cast("Measure.DatedEvent", event))
            return
        fold = _folds().get(type(event))
        if fold is not None:
            fold(event, self)

    def special_parties(self) -> set[str]:
        """The parties some follow-up names (for whom the measure may stand otherwise)."""
        return {party for event in self.party_events for party in getattr(event, "parties", ())}

    def for_party(self, party: str) -> MeasureHistory:
        """The history as `party` sees it: every follow-up for everyone, and those naming it.
        A lifting for it delists it from its date until an amendment lists it again."""
        seen = self.copy()
        seen.party_events = []
        listed_again = sorted(
            amendment.effective_on
            for amendment in self.terms.amendments
            if party in (amendment.changes.get("parties") or ())
        )
        for event in self.party_events:
            if party not in getattr(event, "parties", ()):
                continue
            if event.record_type == "measure_lifted":
                _follow(seen, "lifted", event)
                start = event.effective_on
                end = next((day for day in listed_again if day > start), None)
                seen.delisted.append((start, end))
            else:
                _folds()[type(event)](event, seen)
        return seen

    @classmethod
    def of(cls, events: Sequence[Measure.Event]) -> MeasureHistory:
        """The history after all of `events`, which start with the measure's `Imposed`."""
        # `imposed_terms` refuses any first event but the imposition
        history = cls.begin(cast("Measure.Imposed", events[0]))
        for event in events[1:]:
            history.apply(event)
        return history


def _follow(history: MeasureHistory, change: str, event: Any) -> None:
    """Adds the follow-up `event` makes (a `change`) to the history."""
    announced, effective = event.announced_on, event.effective_on
    history.follow_ups.append(FollowUp(change, effective, event.document, announced))
    if announced is not None and announced < effective:
        history.announced_ahead = True


def _amended(event: Measure.Amended, history: MeasureHistory) -> None:
    _follow(history, "amended", event)


def _suspended(event: Measure.Suspended, history: MeasureHistory) -> None:
    _follow(history, "suspended", event)
    history.suspensions.append(Suspension(event.effective_on, event.until, event.document))


def _resumed(event: Measure.Resumed, history: MeasureHistory) -> None:
    _follow(history, "resumed", event)
    history.resumptions.append(event.effective_on)


def _lifted(event: Measure.Lifted, history: MeasureHistory) -> None:
    _follow(history, "lifted", event)
    history.lifted_on = event.effective_on
    history.lifting_document = event.document


def _retracted(event: Measure.Retracted, history: MeasureHistory) -> None:
    history.retracted = True


@cache
def _folds() -> dict[type[Measure.Event], Callable[[Any, MeasureHistory], None]]:
    """What each class of event adds to a history besides its terms (a correction: nothing
    more). Made on first use: the event classes come with the first event decoded, and
    answers read from the view alone never need them (a query process starts faster)."""
    from domain.measure import Measure

    return {
        Measure.Amended: _amended,
        Measure.Suspended: _suspended,
        Measure.Resumed: _resumed,
        Measure.Lifted: _lifted,
        Measure.Retracted: _retracted,
    }

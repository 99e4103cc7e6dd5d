"""A measure's history as known at some log position: the record-time fold of its events.

The terms are the domain's fold (`domain.measure.revised_terms`): corrections replace them for
all valid time, amendments change them from their dates. Suspensions, resumptions and the
lifting are kept with their valid dates for `projections.lifecycle` to place in valid time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import singledispatch

from domain.measure import Measure, imposed_terms, revised_terms
from domain.terms import KnownTerms


@dataclass(frozen=True, slots=True)
class Suspension:
    """The measure stops counting from `start` until `until` (exclusive), or until resumed."""

    start: date
    until: date | None
    document: str | None


#: A follow-up that changes the measure in the world from its `effective_on`.
FollowUp = Measure.Amended | Measure.Suspended | Measure.Resumed | Measure.Lifted


@dataclass
class MeasureHistory:
    """Everything recorded about one measure, folded in record order."""

    slug: str
    terms: KnownTerms
    version: int = 1
    suspensions: list[Suspension] = field(default_factory=list)
    resumptions: list[date] = field(default_factory=list)
    lifted_on: date | None = None
    lifting_document: str | None = None
    retracted: bool = False
    #: Every follow-up in record order, so that a change on a date can cite the record
    #: behind it.
    follow_ups: list[FollowUp] = field(default_factory=list)

    @classmethod
    def begin(cls, event: Measure.Imposed) -> MeasureHistory:
        """The history as of the measure's first event."""
        return cls(event.measure, KnownTerms(imposed_terms(event)), event.originator_version)

    def apply(self, event: Measure.Event) -> None:
        """Folds the next event of this measure into the history."""
        self.version = event.originator_version
        self.terms = revised_terms(event, self.terms)
        _fold(event, self)

    @classmethod
    def of(cls, events: Sequence[Measure.Event]) -> MeasureHistory:
        """The history after all of `events`, which start with the measure's `Imposed`."""
        first = events[0]
        if not isinstance(first, Measure.Imposed):
            raise TypeError(f"a measure's history starts with its imposition, not {first!r}")
        history = cls.begin(first)
        for event in events[1:]:
            history.apply(event)
        return history


@singledispatch
def _fold(event: Measure.Event, history: MeasureHistory) -> None:
    """What `event` adds to the history besides the terms (a correction: nothing more)."""


@_fold.register
def _amended(event: Measure.Amended, history: MeasureHistory) -> None:
    history.follow_ups.append(event)


@_fold.register
def _suspended(event: Measure.Suspended, history: MeasureHistory) -> None:
    history.follow_ups.append(event)
    history.suspensions.append(Suspension(event.effective_on, event.until, event.document))


@_fold.register
def _resumed(event: Measure.Resumed, history: MeasureHistory) -> None:
    history.follow_ups.append(event)
    history.resumptions.append(event.effective_on)


@_fold.register
def _lifted(event: Measure.Lifted, history: MeasureHistory) -> None:
    history.follow_ups.append(event)
    history.lifted_on = event.effective_on
    history.lifting_document = event.document


@_fold.register
def _retracted(event: Measure.Retracted, history: MeasureHistory) -> None:
    history.retracted = True

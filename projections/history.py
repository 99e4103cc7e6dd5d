"""A measure's history as known at some log position: the record-time fold of its events.

Corrections replace terms for all valid time; amendments, suspensions, resumptions and the
lifting are kept with their valid dates for `projections.lifecycle` to place in valid time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.measure import Measure


@dataclass(frozen=True)
class Suspension:
    """The measure stops counting from `start` until `until` (exclusive), or until resumed."""

    start: date
    until: date | None
    document: str | None


@dataclass
class MeasureHistory:
    """Everything recorded about one measure, folded in record order."""

    slug: str
    terms: dict[str, Any]
    version: int = 1
    amendments: list[tuple[date, int, dict[str, Any]]] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)
    resumptions: list[date] = field(default_factory=list)
    lifted_on: date | None = None
    lifting_document: str | None = None
    retracted: bool = False

    @classmethod
    def begin(cls, event: Measure.Imposed) -> MeasureHistory:
        """The history as of the measure's first event."""
        terms = event.model_dump(mode="json", include=_TERM_FIELDS)
        return cls(event.measure, terms, event.originator_version)

    def apply(self, event: Measure.Event) -> None:
        """Folds the next event of this measure into the history."""
        self.version = event.originator_version
        if isinstance(event, Measure.Amended):
            self.amendments.append((event.effective_on, event.originator_version, event.changes))
            self.amendments.sort(key=lambda amendment: amendment[:2])
        elif isinstance(event, Measure.Suspended):
            self.suspensions.append(Suspension(event.effective_on, event.until, event.document))
        elif isinstance(event, Measure.Resumed):
            self.resumptions.append(event.effective_on)
        elif isinstance(event, Measure.Lifted):
            self.lifted_on = event.effective_on
            self.lifting_document = event.document
        elif isinstance(event, Measure.Corrected):
            self.terms = {**self.terms, **event.fields}
        elif isinstance(event, Measure.Retracted):
            self.retracted = True

    @classmethod
    def of(cls, events: list[Measure.Event]) -> MeasureHistory:
        """The history after all of `events`, which start with the measure's `Imposed`."""
        first = events[0]
        assert isinstance(first, Measure.Imposed)
        history = cls.begin(first)
        for event in events[1:]:
            history.apply(event)
        return history


_TERM_FIELDS = {
    "issuer", "kind", "direction", "items", "destinations", "origins", "announced_on",
    "effective_on", "until", "certainty", "end_users", "title", "document", "hs_codes",
    "responds_to", "sources",
}

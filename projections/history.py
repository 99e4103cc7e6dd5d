"""A measure's history as known at some log position: the record-time fold of its events.

Corrections replace terms for all valid time; amendments, suspensions, resumptions and the
lifting are kept with their valid dates for `projections.lifecycle` to place in valid time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # events are dispatched on their record type; see `apply`
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
    #: Every follow-up in record order: (record type, effective date, document), so that a
    #: change on a date can cite the record behind it.
    follow_ups: list[tuple[str, date, str | None]] = field(default_factory=list)

    @classmethod
    def begin(cls, event: Measure.Imposed) -> MeasureHistory:
        """The history as of the measure's first event."""
        terms = event.model_dump(mode="json", include=_TERM_FIELDS)
        return cls(event.measure, terms, event.originator_version)

    def apply(self, event: Measure.Event) -> None:
        """Folds the next event of this measure into the history."""
        self.version = event.originator_version
        facts: Any = event  # dispatched on the stored record type, stable by design
        kind = event.record_type
        if kind in _FOLLOW_UPS:
            self.follow_ups.append((kind, facts.effective_on, facts.document))
        if kind == "measure_amended":
            self.amendments.append((facts.effective_on, event.originator_version, facts.changes))
            self.amendments.sort(key=lambda amendment: amendment[:2])
        elif kind == "measure_suspended":
            self.suspensions.append(Suspension(facts.effective_on, facts.until, facts.document))
        elif kind == "measure_resumed":
            self.resumptions.append(facts.effective_on)
        elif kind == "measure_lifted":
            self.lifted_on = facts.effective_on
            self.lifting_document = facts.document
        elif kind == "measure_corrected":
            self.terms = {**self.terms, **facts.fields}
        elif kind == "measure_retracted":
            self.retracted = True

    @classmethod
    def of(cls, events: list[Measure.Event]) -> MeasureHistory:
        """The history after all of `events`, which start with the measure's `Imposed`."""
        first: Any = events[0]
        assert first.record_type == "measure_imposed"
        history = cls.begin(first)
        for event in events[1:]:
            history.apply(event)
        return history


_FOLLOW_UPS = frozenset(
    {"measure_amended", "measure_suspended", "measure_resumed", "measure_lifted"}
)

_TERM_FIELDS = {
    "issuer",
    "kind",
    "direction",
    "items",
    "destinations",
    "origins",
    "announced_on",
    "effective_on",
    "until",
    "certainty",
    "end_users",
    "title",
    "document",
    "hs_codes",
    "responds_to",
    "sources",
}

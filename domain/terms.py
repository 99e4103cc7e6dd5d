"""A measure's terms (docs/time.md §3): its `measure_imposed` fields with every correction
known applied, then each amendment from its `effective_on`, in `(effective_on, position)` order.

One fold for the whole project: the aggregate checks a new record against it, and the read
side places the terms in valid time. Corrections and amendments store their fields as JSON
values; `Terms.replaced` reads them, ignoring any field the terms do not have.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from domain.vocabulary import Level, level_of

if TYPE_CHECKING:
    from collections.abc import Iterable

    from domain.events import Source
    from domain.measure import Measure


class SourceJson(TypedDict):
    """A source as a measure's terms keep it: the stored JSON, `url` and `published_on` null
    when imposed without them, absent when a correction gave the sources."""

    title: str
    url: NotRequired[str | None]
    published_on: NotRequired[str | None]


@dataclass(frozen=True, slots=True)
class Terms:
    """What a measure imposes, on whom and from when: the fields a correction may replace
    (`domain.records.CORRECTABLE`), in that order."""

    issuer: str
    kind: str
    direction: str
    items: tuple[str, ...]
    destinations: tuple[str, ...] | None
    origins: tuple[str, ...] | None
    #: The countries its destinations (or origins) leave out.
    except_: tuple[str, ...] | None
    announced_on: date
    effective_on: date
    until: date | None
    certainty: str
    end_users: str | None
    #: The named parties it applies to (an entity list); None: everyone in its places.
    parties: tuple[str, ...] | None
    title: str | None
    document: str | None
    hs_codes: tuple[str, ...] | None
    control_codes: tuple[str, ...] | None
    responds_to: tuple[str, ...] | None
    notes: str | None
    sources: tuple[SourceJson, ...]

    def __eq__(self, other: object) -> bool:
        # The same terms are compared again and again as segments are swept (each stage's
        # terms are one object): identity first, then the fields, in C.
        if self is other:
            return True
        if type(other) is not Terms:
            return NotImplemented
        return _values(self) == _values(other)

    @property
    def shown_from(self) -> date:
        """The first day the measure is shown: the earlier of its announcement and effect."""
        return min(self.announced_on, self.effective_on)

    @property
    def level(self) -> Level:
        """The level the measure sets on its flows while in force."""
        return level_of(self.kind, self.end_users)

    def scope(self) -> list[tuple[str, str]]:
        """The (exporter, importer) pairs the measure applies to."""
        if self.direction == "import":
            return [(origin, self.issuer) for origin in self.origins or ()]
        return [(self.issuer, destination) for destination in self.destinations or ()]

    def replaced(self, fields: Mapping[str, Any]) -> Terms:
        """These terms with `fields` (JSON values, as a correction or an amendment stores
        them) replacing their own."""
        values = None
        for key, value in fields.items():
            name = "except_" if key == "except" else key  # stored as records name it
            read = _READ.get(name)
            if read is not None:
                values = values or list(_values(self))
                values[_INDEX[name]] = read(value)
        return self if values is None else Terms(*values)

    def as_record(self) -> dict[str, Any]:
        """The terms as the fields of a `measure_imposed` record would give them."""
        return {name: getattr(self, name) for name in _READ}


def _tuple(value: Any) -> tuple[Any, ...] | None:
    return None if value is None else tuple(value)


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _as_is(value: Any) -> Any:
    return value


#: The fields of the terms: those a correction may replace (`domain.records.CORRECTABLE`, which
#: a test holds equal; an amendment replaces some of them, `AMENDABLE`). Not imported from
#: there: answers read from the view alone never load the input models.
FIELDS: tuple[str, ...] = tuple(field.name for field in fields(Terms))
#: How each field of the terms is read from its stored JSON value.
_READ: dict[str, Callable[[Any], Any]] = {
    name: (
        _date
        if name in ("announced_on", "effective_on", "until")
        else _tuple
        if name
        in (
            "items",
            "destinations",
            "origins",
            "except_",
            "parties",
            "hs_codes",
            "control_codes",
            "responds_to",
            "sources",
        )
        else _as_is
    )
    for name in FIELDS
}

#: Each field's place in the terms.
_INDEX = {name: index for index, name in enumerate(FIELDS)}
#: The terms' values, in the order of their fields.
_values: Callable[[Terms], tuple[Any, ...]] = attrgetter(*FIELDS)


def source_json(source: Source) -> SourceJson:
    """A stored event's source as the terms keep it."""
    return {
        "title": source.title,
        "url": source.url,
        "published_on": source.published_on.isoformat() if source.published_on else None,
    }


@dataclass(frozen=True, slots=True)
class Amendment:
    """A change to the terms in the world from `effective_on`, recorded at `version`."""

    effective_on: date
    version: int
    changes: Mapping[str, Any]  # the amended fields, as stored (JSON values)


#: Amendments apply in valid-time order; those on one date, in recording order.
_order: Callable[[Amendment], tuple[date, int]] = attrgetter("effective_on", "version")


@dataclass(frozen=True, slots=True)
class KnownTerms:
    """A measure's terms as known at a log position: as imposed with every correction, and
    the amendments in `(effective_on, position)` order, which give its terms on each date.
    Made by `imposed`, then `corrected_by` and `amended_by`, which keep `stages` in step."""

    corrected: Terms
    amendments: tuple[Amendment, ...]
    #: The terms in effect from each date on, ascending; the first from `date.min`.
    stages: tuple[tuple[date, Terms], ...] = field(compare=False)

    @classmethod
    def imposed(cls, terms: Terms) -> KnownTerms:
        """The terms of a measure as imposed, before any correction or amendment."""
        return cls(terms, (), ((date.min, terms),))

    def corrected_by(self, fields: Mapping[str, Any]) -> KnownTerms:
        """The terms once a correction replaces `fields` for all valid time."""
        corrected = self.corrected.replaced(fields)
        return KnownTerms(corrected, self.amendments, _stages(corrected, self.amendments))

    def amended_by(self, amendment: Amendment) -> KnownTerms:
        """The terms once `amendment` changes them from its date."""
        if self.amendments and _order(amendment) < _order(self.amendments[-1]):
            amendments = tuple(sorted((*self.amendments, amendment), key=_order))
            return KnownTerms(self.corrected, amendments, _stages(self.corrected, amendments))
        # the usual case, the latest in valid time: the stages so far stand, and one follows
        stages = self.stages
        terms = stages[-1][1].replaced(amendment.changes)
        if stages[-1][0] == amendment.effective_on:
            stages = stages[:-1]  # amendments on the same date: only their sum is in effect
        stages = (*stages, (amendment.effective_on, terms))
        return KnownTerms(self.corrected, (*self.amendments, amendment), stages)

    def on(self, day: date) -> Terms:
        """The terms in effect on `day`: corrected, then every amendment effective by then."""
        return self.stages[bisect_right(self.stages, day, key=lambda stage: stage[0]) - 1][1]


def _stages(corrected: Terms, amendments: tuple[Amendment, ...]) -> tuple[tuple[date, Terms], ...]:
    """The terms in effect from each date on: corrected, then each amendment's in turn."""
    stages: list[tuple[date, Terms]] = [(date.min, corrected)]
    terms = corrected
    for amendment in amendments:
        terms = terms.replaced(amendment.changes)
        if stages[-1][0] == amendment.effective_on:
            stages.pop()  # amendments on the same date: only their sum is ever in effect
        stages.append((amendment.effective_on, terms))
    return tuple(stages)


def terms_of(events: Iterable[Measure.Event]) -> KnownTerms:
    """The measure's terms as known after `events`, the first of them its `Imposed`: each
    event revises them as its class says (`Measure.Event.revise`)."""
    known: KnownTerms | None = None
    for event in events:
        known = KnownTerms.imposed(event.imposed_terms()) if known is None else event.revise(known)
    if known is None:
        raise ValueError("a measure has at least the event that imposed it")
    return known

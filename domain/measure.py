"""The `Measure` aggregate: one legal or de-facto instrument and its lifecycle.

Each public method checks the state rules once and triggers one event; the events' `apply`
methods only assign. Follow-ups that repeat a record already in the measure's history are
no-ops, so re-importing a file appends nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, ValidationError

from domain.errors import (
    DomainError,
    MeasureLifted,
    MeasureRetracted,
    NothingToResume,
    RecordConflict,
)
from domain.events import Aggregate, Source, check_publication, fingerprint
from domain.ids import measure_id
from domain.records import (
    MeasureAmendedRecord,
    MeasureCorrectedRecord,
    MeasureImposedRecord,
    MeasureLiftedRecord,
    MeasureRecord,
    MeasureResumedRecord,
    MeasureRetractedRecord,
    MeasureSuspendedRecord,
    json_name,
)
from domain.terms import Amendment, KnownTerms, Terms, source_json, terms_of

#: Fields whose rules involve other fields (direction and places, dates and sunset).
_ACROSS_FIELDS = frozenset(
    {"issuer", "direction", "destinations", "origins", "announced_on", "effective_on", "until"}
)


class Measure(Aggregate):
    """A legal or de-facto instrument: imposed, then amended, suspended, resumed, lifted..."""

    class Event(Aggregate.Event):
        measure: str

        def apply(self, aggregate: Any) -> None:
            measure: Measure = aggregate
            measure.history = (*measure.history, self)

        def revise(self, terms: KnownTerms) -> KnownTerms:
            """The measure's terms once this event is recorded: most events leave them."""
            return terms

        def imposed_terms(self) -> Terms:
            """The terms the measure comes into the world with (its first event's)."""
            raise TypeError(f"a measure's events start with its imposition, not {self!r}")

    if TYPE_CHECKING:  # assigned by the events' `apply`; the library reads class annotations
        slug: str
        history: tuple[Event, ...]
        suspension_starts: tuple[date, ...]
        lifted_on: date | None
        retracted: bool

    class Imposed(Event, Aggregate.Created):
        """The measure comes into the world with these terms."""

        record_type: ClassVar[str] = "measure_imposed"
        issuer: str
        kind: str
        direction: str = "export"
        items: tuple[str, ...]
        destinations: tuple[str, ...] | None = None
        origins: tuple[str, ...] | None = None
        except_: tuple[str, ...] | None = Field(default=None, alias="except")
        announced_on: date
        effective_on: date
        until: date | None = None
        certainty: str = "in_force"
        end_users: str | None = None
        parties: tuple[str, ...] | None = None
        title: str | None = None
        document: str | None = None
        hs_codes: tuple[str, ...] | None = None
        control_codes: tuple[str, ...] | None = None
        responds_to: tuple[str, ...] | None = None
        notes: str | None = None
        sources: tuple[Source, ...]

        def dated_publication(self) -> date:
            return self.announced_on

        def apply(self, aggregate: Any) -> None:
            measure: Measure = aggregate
            measure.slug = self.measure
            measure.history = ()
            measure.suspension_starts = ()
            measure.lifted_on = None
            measure.retracted = False
            super().apply(aggregate)

        def imposed_terms(self) -> Terms:
            return Terms(
                self.issuer,
                self.kind,
                self.direction,
                self.items,
                self.destinations,
                self.origins,
                self.except_,
                self.announced_on,
                self.effective_on,
                self.until,
                self.certainty,
                self.end_users,
                self.parties,
                self.title,
                self.document,
                self.hs_codes,
                self.control_codes,
                self.responds_to,
                self.notes,
                tuple(map(source_json, self.sources)),
            )

    class DatedEvent(Event):
        """A change in the world to the measure, from `effective_on`."""

        effective_on: date
        #: Announced before it took effect: scheduled meanwhile (docs/time.md §3).
        announced_on: date | None = None
        document: str | None = None
        responds_to: tuple[str, ...] | None = None
        notes: str | None = None
        sources: tuple[Source, ...]

        def dated_publication(self) -> date:
            return self.announced_on or self.effective_on

    class Amended(DatedEvent):
        """The measure changes in the world from `effective_on`."""

        record_type: ClassVar[str] = "measure_amended"
        changes: dict[str, Any]

        def revise(self, terms: KnownTerms) -> KnownTerms:
            return terms.amended_by(
                Amendment(self.effective_on, self.originator_version, self.changes)
            )

        def to_record(self) -> dict[str, Any]:
            record = super().to_record()
            changes = record.pop("changes")
            sources = record.pop("sources")
            return {**record, **changes, "sources": sources}

    class Suspended(DatedEvent):
        """The measure stops applying from `effective_on` until it resumes or `until`."""

        record_type: ClassVar[str] = "measure_suspended"
        until: date | None = None
        #: For these named parties only (None: the whole measure).
        parties: tuple[str, ...] | None = None

        def apply(self, aggregate: Any) -> None:
            measure: Measure = aggregate
            measure.suspension_starts = (*measure.suspension_starts, self.effective_on)
            super().apply(aggregate)

    class Resumed(DatedEvent):
        """The measure applies again from `effective_on`."""

        record_type: ClassVar[str] = "measure_resumed"
        parties: tuple[str, ...] | None = None

    class Lifted(DatedEvent):
        """The measure no longer applies from `effective_on`, inclusive; with `parties`, to
        them only (delisted), the measure going on for the others."""

        record_type: ClassVar[str] = "measure_lifted"
        parties: tuple[str, ...] | None = None

        def apply(self, aggregate: Any) -> None:
            measure: Measure = aggregate
            if self.parties is None:
                measure.lifted_on = self.effective_on
            super().apply(aggregate)

    class Corrected(Event):
        """We had the measure wrong: `fields` replace its terms for all valid time."""

        record_type: ClassVar[str] = "measure_corrected"
        fields: dict[str, Any]
        reason: str
        sources: tuple[Source, ...] | None = None

        def revise(self, terms: KnownTerms) -> KnownTerms:
            return terms.corrected_by(self.fields)

    class Retracted(Event):
        """The measure never existed: it was recorded in error."""

        record_type: ClassVar[str] = "measure_retracted"
        reason: str
        sources: tuple[Source, ...] | None = None

        def apply(self, aggregate: Any) -> None:
            measure: Measure = aggregate
            measure.retracted = True
            super().apply(aggregate)

    @classmethod
    def impose(cls, record: MeasureImposedRecord, recorded_at: datetime) -> Measure:
        """A new measure, recorded at `recorded_at`."""
        return cls._begin(
            cls.Imposed,
            measure_id(record.measure),
            recorded_at,
            record.appended_payload(recorded_at),
        )

    @property
    def terms(self) -> KnownTerms:
        """The measure's terms as its history stands: as imposed with every correction, and
        its amendments."""
        return terms_of(self.history)

    def has_recorded(self, record: MeasureRecord, payload: dict[str, Any] | None = None) -> bool:
        """True when the log already holds a record saying exactly this about the measure
        (`payload` is the record's, when the caller has it already), whatever its publication
        date if the record gives none. The same content with another publication date is a
        conflict: a record's date is fixed when it is appended."""
        recorded = self._recorded(_EVENT_OF[type(record)])  # when empty, no fingerprint needed
        if not recorded:
            return False
        published = recorded.get(
            fingerprint(record.type, record.payload() if payload is None else payload)
        )
        if published is None:
            return False
        check_publication(record.published_on, published)
        return True

    def _recorded(self, event_class: type[Measure.Event]) -> dict[bytes, set[date]]:
        """The fingerprints of the history's events of this class, each computed once, with
        the publication dates of the events that have it.

        Kept beside the history and extended with the events added since the last call, so
        that a measure with many follow-ups in one batch is not fingerprinted over and over.
        """
        kept: dict[type[Measure.Event], tuple[int, dict[bytes, set[date]]]] = (
            self.__dict__.setdefault("_recorded_by_class", {})
        )
        counted, known = kept.get(event_class, (0, {}))
        for event in self.history[counted:]:
            if type(event) is event_class:
                key = fingerprint(event.record_type, event.payload())
                known.setdefault(key, set()).add(event.publication())
        kept[event_class] = (len(self.history), known)
        return known

    @property
    def published_on(self) -> date:
        """The measure's publication date: its imposition's."""
        return self.history[0].publication()

    def record(self, record: MeasureRecord, recorded_at: datetime) -> bool:
        """Records a follow-up; False if the same record is already in this measure's history."""
        payload = record.appended_payload(recorded_at)
        if self.has_recorded(record, payload):
            return False
        if isinstance(record, MeasureImposedRecord):
            raise RecordConflict(
                "measure",
                f"measure {self.slug!r} already exists with different content; "
                "use measure_corrected to change it",
            )
        if self.retracted:
            raise MeasureRetracted("measure", f"measure {self.slug!r} was retracted")
        if record.publication_date(recorded_at.astimezone(UTC).date()) < self.published_on:
            raise DomainError(
                "published_on", f"before the measure itself was published ({self.published_on})"
            )
        event_class = self._check(record, payload)
        self._trigger(event_class, recorded_at, payload)
        return True

    def _check(self, record: MeasureRecord, payload: dict[str, Any]) -> type[Measure.Event]:
        """The event class for a follow-up that keeps the state rules (`payload` is the
        record's)."""
        if isinstance(record, MeasureRetractedRecord):
            return self.Retracted
        if isinstance(record, MeasureCorrectedRecord):
            if record.fields.keys() & _ACROSS_FIELDS:
                self._check_terms(self.terms.corrected_by(record.fields), date.min, "fields")
            return self.Corrected
        named = getattr(record, "parties", None)
        if named and not isinstance(record, MeasureAmendedRecord):
            self._check_named(named, record.effective_on)
        if (
            isinstance(record, MeasureLiftedRecord)
            and not named  # a delisting of some parties only may come before the lifting
            and self.lifted_on is not None
        ):
            raise MeasureLifted(
                "measure", f"measure {self.slug!r} was already lifted on {self.lifted_on}"
            )
        effective_on: date = record.effective_on
        if self.lifted_on is not None and effective_on >= self.lifted_on:
            raise MeasureLifted(
                "effective_on",
                f"measure {self.slug!r} was lifted on {self.lifted_on}; nothing applies from then",
            )
        if isinstance(record, MeasureResumedRecord):
            if not any(start <= effective_on for start in self.suspension_starts):
                raise NothingToResume(
                    "effective_on",
                    f"measure {self.slug!r} has no suspension starting on or before {effective_on}",
                )
            return self.Resumed
        if isinstance(record, MeasureAmendedRecord):
            changes = payload["changes"]
            if changes.keys() & _ACROSS_FIELDS:
                amendment = Amendment(effective_on, self.version + 1, changes)
                self._check_terms(self.terms.amended_by(amendment), effective_on, "record")
            return self.Amended
        if isinstance(record, MeasureSuspendedRecord):
            return self.Suspended
        return self.Lifted

    def _check_named(self, parties: tuple[str, ...], day: date) -> None:
        """A follow-up for some parties only names parties the measure names on `day`."""
        listed = self.terms.on(day).parties
        if listed is None:
            raise DomainError(
                "parties", f"measure {self.slug!r} names no parties: it applies to everyone"
            )
        unnamed = [party for party in parties if party not in listed]
        if unnamed:
            raise DomainError(
                "parties",
                f"measure {self.slug!r} does not name {', '.join(map(repr, unnamed))} on {day}",
            )
        for party in parties:
            delisted = self._delisted(party, day)
            if delisted is not None:
                raise DomainError(
                    "parties",
                    f"{party!r} was delisted from measure {self.slug!r} on {delisted}: nothing "
                    "applies to it from then until an amendment lists it again",
                )

    def _delisted(self, party: str, day: date) -> date | None:
        """When `party` was last delisted by a lifting for it, if it still is on `day` (no
        amendment has listed it again since), else None."""
        found = None
        for event in self.history:
            if not isinstance(event, Measure.DatedEvent) or event.effective_on > day:
                continue
            if isinstance(event, Measure.Lifted) and party in (event.parties or ()):
                found = event.effective_on if found is None else max(found, event.effective_on)
        if found is None:
            return None
        relisted = any(
            isinstance(event, Measure.Amended)
            and found < event.effective_on <= day
            and party in (event.changes.get("parties") or ())
            for event in self.history
        )
        return None if relisted else found

    def _check_terms(self, known: KnownTerms, since: date, field: str) -> None:
        """The terms that a correction or an amendment (`known`, with it) leaves in effect on
        any date from `since` must still make a valid measure.

        Each field was checked on input; only rules across fields can break here. The terms
        checked are those the read side places in valid time (docs/time.md §3), amendments
        included: a correction of `effective_on` must not leave an amended `until` before it.
        """
        stages = known.stages
        first = bisect_right(stages, since, key=lambda stage: stage[0]) - 1
        for _, terms in stages[first:]:
            fields = {json_name(name): value for name, value in terms.as_record().items()}
            merged = {**fields, "type": "measure_imposed", "measure": self.slug}
            try:
                MeasureImposedRecord.model_validate(merged)
            except ValidationError as error:
                detail = error.errors()[0]
                name = ".".join(str(part) for part in detail["loc"]) or "record"
                message = str(detail["msg"]).removeprefix("Value error, ")
                raise DomainError(
                    field, f"the measure would become invalid: {name}: {message}"
                ) from None


#: The event each input record becomes.
_EVENT_OF: dict[type[MeasureRecord], type[Measure.Event]] = {
    MeasureImposedRecord: Measure.Imposed,
    MeasureAmendedRecord: Measure.Amended,
    MeasureSuspendedRecord: Measure.Suspended,
    MeasureResumedRecord: Measure.Resumed,
    MeasureLiftedRecord: Measure.Lifted,
    MeasureCorrectedRecord: Measure.Corrected,
    MeasureRetractedRecord: Measure.Retracted,
}

"""The `Party` aggregate: a named organisation that measures may list (docs/records.md §3),
identified once and corrected since."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from domain.errors import RecordConflict
from domain.events import Aggregate, Source, fingerprint
from domain.ids import party_id
from domain.party_records import PartyIdentifiedRecord, PartyRecord


class Party(Aggregate):
    """A named party: what we have on it, as identified and corrected."""

    class Event(Aggregate.Event):
        party: str

        def dated_publication(self) -> date:
            return date.min  # a party has no publication date: it passes every --known-at

        def apply(self, aggregate: Any) -> None:
            party: Party = aggregate
            party.history = (*party.history, self)

    if TYPE_CHECKING:  # assigned by the events' `apply`; the library reads class annotations
        slug: str
        history: tuple[Event, ...]

    class Identified(Event, Aggregate.Created):
        """The party comes into the log."""

        record_type: ClassVar[str] = "party_identified"
        name: str
        country: str
        aliases: tuple[str, ...] | None = None
        identifiers: dict[str, str] | None = None
        notes: str | None = None
        sources: tuple[Source, ...]

        def apply(self, aggregate: Any) -> None:
            party: Party = aggregate
            party.slug = self.party
            party.history = ()
            super().apply(aggregate)

    class Corrected(Event):
        """We had the party wrong: `fields` replace what its identification said."""

        record_type: ClassVar[str] = "party_corrected"
        fields: dict[str, Any]
        reason: str
        sources: tuple[Source, ...] | None = None

    @classmethod
    def identify(cls, record: PartyIdentifiedRecord, recorded_at: datetime) -> Party:
        """A new party, recorded at `recorded_at`."""
        return cls._begin(
            cls.Identified,
            party_id(record.party),
            recorded_at,
            record.appended_payload(recorded_at),
        )

    def record(self, record: PartyRecord, recorded_at: datetime) -> bool:
        """Records a correction; False if the same record is already in the log."""
        payload = record.appended_payload(recorded_at)
        wanted = fingerprint(record.type, payload)
        if any(
            event.record_type == record.type
            and fingerprint(event.record_type, event.payload()) == wanted
            for event in self.history
        ):
            return False
        if isinstance(record, PartyIdentifiedRecord):
            raise RecordConflict(
                "party",
                f"party {self.slug!r} already exists with different content; "
                "use party_corrected to change it",
            )
        self._trigger(self.Corrected, recorded_at, payload)
        return True


def described(events: list[Party.Event]) -> dict[str, Any]:
    """What a party's records say now: its identification with every correction."""
    first: Any = events[0]
    facts = {
        "party": first.party,
        "name": first.name,
        "country": first.country,
        "aliases": first.aliases,
        "identifiers": first.identifiers,
    }
    for event in events[1:]:
        facts.update(getattr(event, "fields", {}))
    return facts

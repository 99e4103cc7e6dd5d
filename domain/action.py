"""The `Action` aggregate: a one-off diplomatic or trade act, context for the regimes."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from domain.errors import RecordConflict
from domain.events import Aggregate, Source, check_publication, fingerprint
from domain.ids import action_id
from domain.records import ActionTakenRecord


class Action(Aggregate):
    """A statement, summit, travel advisory...: recorded once, never changed."""

    if TYPE_CHECKING:  # assigned by the events' `apply`; the library reads class annotations
        slug: str
        taken: Action.Taken

    class Taken(Aggregate.Created):
        """The act happened on `occurred_on`."""

        record_type: ClassVar[str] = "action_taken"
        action: str
        issuer: str
        kind: str
        occurred_on: date
        title: str
        counterparts: tuple[str, ...] | None = None
        responds_to: tuple[str, ...] | None = None
        notes: str | None = None
        sources: tuple[Source, ...]

        def dated_publication(self) -> date:
            return self.occurred_on

        def apply(self, aggregate: Any) -> None:
            action: Action = aggregate
            action.slug = self.action
            action.taken = self

    @classmethod
    def take(cls, record: ActionTakenRecord, recorded_at: datetime) -> Action:
        """A new action, recorded at `recorded_at`."""
        payload = record.appended_payload(recorded_at)
        return cls._begin(cls.Taken, action_id(record.action), recorded_at, payload)

    def check_repeat(self, record: ActionTakenRecord) -> None:
        """Accepts the same record again (without a publication date, or with the logged
        one); refuses different content under this id."""
        taken = self.taken
        if fingerprint(record.type, record.payload()) != fingerprint(
            taken.record_type, taken.payload()
        ):
            raise RecordConflict(
                "action", f"action {self.slug!r} already exists with different content"
            )
        check_publication(record.published_on, {taken.publication()})

"""The `Group` aggregate: a country group whose membership changes over valid time
(docs/records.md §3-§5, docs/time.md §5).

Membership on a date is the fold of the group's records effective by then, in
`(effective_on, version)` order: a `group_defined` states the members exactly (a later one
replaces an earlier one, which is also how a mistaken membership is corrected), a
`group_changed` adds and removes some.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from domain.errors import DomainError
from domain.events import Aggregate, Source, check_publication, fingerprint
from domain.ids import group_id
from domain.records import GroupChangedRecord, GroupDefinedRecord, GroupRecord


class Group(Aggregate):
    """A country group: snapshots of its members and changes to them."""

    class Event(Aggregate.Event):
        group: str
        effective_on: date
        announced_on: date | None = None
        document: str | None = None
        notes: str | None = None
        sources: tuple[Source, ...]

        def dated_publication(self) -> date:
            return self.announced_on or self.effective_on

        def apply(self, aggregate: Any) -> None:
            group: Group = aggregate
            group.history = (*group.history, self)

        def members_after(self, members: set[str]) -> set[str]:
            """The members once this record applies to `members`."""
            raise NotImplementedError

    if TYPE_CHECKING:  # assigned by the events' `apply`; the library reads class annotations
        slug: str
        history: tuple[Event, ...]

    class Snapshot(Event):
        """The group's members, exactly, from `effective_on` (a `group_defined` record)."""

        title: str
        members: tuple[str, ...]
        issuer: str | None = None

        def members_after(self, members: set[str]) -> set[str]:
            return set(self.members)

    class Defined(Snapshot, Aggregate.Created):
        """The group's first snapshot: the group comes into the log."""

        record_type: ClassVar[str] = "group_defined"

        def apply(self, aggregate: Any) -> None:
            group: Group = aggregate
            group.slug = self.group
            group.history = ()
            super().apply(aggregate)

    class Redefined(Snapshot):
        """A later snapshot, replacing the members from its `effective_on`."""

        record_type: ClassVar[str] = "group_defined"

    class Changed(Event):
        """Members added and removed from `effective_on`."""

        record_type: ClassVar[str] = "group_changed"
        added: tuple[str, ...] | None = None
        removed: tuple[str, ...] | None = None
        responds_to: tuple[str, ...] | None = None

        def members_after(self, members: set[str]) -> set[str]:
            return (members - set(self.removed or ())) | set(self.added or ())

    @classmethod
    def define(cls, record: GroupDefinedRecord, recorded_at: datetime) -> Group:
        """A new group, recorded at `recorded_at`."""
        return cls._begin(
            cls.Defined, group_id(record.group), recorded_at, record.appended_payload(recorded_at)
        )

    def record(self, record: GroupRecord, recorded_at: datetime) -> bool:
        """Records a snapshot or a change; False if the same record is already in the log."""
        payload = record.appended_payload(recorded_at)
        event_class = self.Redefined if isinstance(record, GroupDefinedRecord) else self.Changed
        if self._has(record, payload):
            return False
        if isinstance(record, GroupChangedRecord):
            members = self.members_on(record.effective_on)
            gone = sorted(set(record.removed or ()) - members)
            if gone:
                raise DomainError(
                    "removed",
                    f"{', '.join(gone)} not a member of @{self.slug} on {record.effective_on}",
                )
        self._trigger(event_class, recorded_at, payload)
        return True

    def _has(self, record: GroupRecord, payload: dict[str, Any]) -> bool:
        """Whether the log holds this record already (under another publication date given:
        a conflict)."""
        wanted = fingerprint(record.type, payload)
        published = {
            event.publication()
            for event in self.history
            if event.effective_on == record.effective_on  # cheap first: most differ here
            and event.record_type == record.type
            and fingerprint(event.record_type, event.payload()) == wanted
        }
        if not published:
            return False
        check_publication(record.published_on, published)
        return True

    def members_on(self, day: date) -> set[str]:
        """The members on `day`, as the log holds the group."""
        return members_on(self.history, day)


def members_on(records: Iterable[Group.Event], day: date) -> set[str]:
    """The fold of a group's records effective by `day`, in (effective_on, version) order."""
    members: set[str] = set()
    for event in sorted(records, key=lambda event: (event.effective_on, event.originator_version)):
        if event.effective_on > day:
            break
        members = event.members_after(members)
    return members

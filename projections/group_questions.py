"""Questions about country groups (docs/time.md §5): a group's members on a date, the groups
a country belongs to, and the memberships flow answers resolve groups with, each group's
standing kept between answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, cast

from projections import mentions
from projections.answers import NO_FILTER, GroupMembers, Knowledge, MemberOf
from projections.failures import damaged_view_explained
from projections.groups import GroupStanding, standing
from projections.lookups import RecordLookups, UnknownId
from projections.places import Memberships

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.group import Group


class GroupQuestions(RecordLookups):
    """The group questions of a reader, and the memberships its flow answers read."""

    def __init__(self, app: Regimes, notify: Callable[[str], None] | None = None) -> None:
        super().__init__(app, notify)
        #: The groups as answers knew them, by (generation, slug, log position, day known):
        #: a group's records are read and folded once, not for every answer, until the log
        #: grows (a group's standing at a position never changes).
        self._standings: dict[tuple[str, str, int, date | None], GroupStanding] = {}
        #: The groups recorded by a position, by (generation, position).
        self._groups: dict[tuple[str, int], list[str]] = {}

    def _memberships(self, generation: str, position: int, known: date | None) -> Memberships:
        """The groups as known to an answer at `position` and on day `known`, each read
        from its records on first use (or kept from an earlier answer)."""

        def load(slug: str) -> GroupStanding:
            key = (generation, slug, position, known)
            found = self._standings.get(key)
            if found is None:
                events = self._known_events(generation, "group", slug, position, known)
                found = standing(slug, cast("list[Group.Event]", events))
                if len(self._standings) >= _KEPT:
                    self._standings.clear()
                self._standings[key] = found
            return found

        return Memberships(load)

    def _groups_by(self, generation: str, position: int) -> list[str]:
        """The groups (`@slug`) with a record at or before `position`."""
        key = (generation, position)
        found = self._groups.get(key)
        if found is None:
            found = [f"@{slug}" for slug in mentions.groups(self.view, generation, position)]
            if len(self._groups) >= _KEPT:
                self._groups.clear()
            self._groups[key] = found
        return found

    @damaged_view_explained
    def group(self, slug: str, day: date, knowledge: Knowledge = NO_FILTER) -> GroupMembers:
        """The members of group `@slug` on `day`, from its records that pass the knowledge
        filters."""
        generation, position, _ = self.where_to_read(knowledge.recorded_at)
        if not self.view.positions_of(generation, f"group:{slug}"):
            raise UnknownId(f"no group is called '@{slug}'")
        events = self._known_events(generation, "group", slug, position, knowledge.known_at)
        group = standing(slug, cast("list[Group.Event]", events))
        warnings = (
            []
            if events
            else [f"nothing of '@{slug}' passes the knowledge filters asked: no members"]
        )
        known = self._reflects(position, knowledge, warnings)
        return GroupMembers(
            day, known, group.group, group.title, group.issuer, group.members_on(day)
        )

    @damaged_view_explained
    def groups_of(self, country: str, day: date, knowledge: Knowledge = NO_FILTER) -> MemberOf:
        """The groups `country` belongs to on `day`, each with the record that made it a
        member."""
        generation, position, _ = self.where_to_read(knowledge.recorded_at)
        found = []
        for slug in mentions.groups(self.view, generation, position):
            events = self._known_events(generation, "group", slug, position, knowledge.known_at)
            group = standing(slug, cast("list[Group.Event]", events))
            found += [held for held in group.members_on(day) if held.country == country]
        known = self._reflects(position, knowledge, [])
        return MemberOf(day, known, country, sorted(found, key=lambda held: held.group))


#: How many group standings (and lists of groups) a reader keeps between answers.
_KEPT = 256

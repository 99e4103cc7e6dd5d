"""A measure as answers list it (docs/output.md §2-§3): typed values, and the JSON they print as.

The view keeps each summary as JSON (`SummaryJson`, the table of summaries of
docs/projections.md; `lifecycle.MeasureOnDate.summary_json` builds it): `from_json` reads it
and `to_json` gives exactly that JSON back, so that stores written by earlier versions answer
the same. A summary is a named tuple, not a frozen dataclass: one is read for every row an
answer reads from the view, and a frozen dataclass of seventeen fields takes about four
times as long to build (every field set through `object.__setattr__`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NotRequired, TypedDict

from domain.terms import SourceJson
from domain.vocabulary import Level

if TYPE_CHECKING:
    from projections.groups import Membership

Status = Literal["in_force", "suspended", "announced", "reported"]


class ScheduledJson(TypedDict):
    """A follow-up announced but not yet in effect on the date asked (docs/time.md §3)."""

    type: str  # amended, suspended, resumed or lifted
    announced_on: str
    effective_on: str
    document: str | None


class MembershipJson(TypedDict):
    """The membership record behind a measure reaching a country through a group."""

    group: str
    since: str
    document: str | None


class SummaryJson(TypedDict):
    """A measure summary as JSON: as the view stores it, and as answers print it (with
    `via` on a flow)."""

    measure: str
    status: Status
    kind: str
    level: str
    issuer: str
    direction: str
    certainty: str
    announced_on: str
    effective_on: str
    until: str | None
    end_users: str | None
    title: str | None
    document: str | None
    sources: list[SourceJson]
    destinations: NotRequired[list[str]]
    origins: NotRequired[list[str]]
    published_on: NotRequired[str]
    scheduled: NotRequired[list[ScheduledJson]]
    suspended_until: NotRequired[str | None]
    suspension_document: NotRequired[str | None]
    control_codes: NotRequired[list[str]]
    parties: NotRequired[list[str]]
    party_states: NotRequired[list[dict[str, Any]]]
    via: NotRequired[str]
    membership: NotRequired[MembershipJson]


class MeasureSummary(NamedTuple):
    """A measure on a valid date: where it stands, and the terms then in effect."""

    measure: str
    status: Status
    kind: str
    #: The level the measure sets on its flows while in force.
    level: Level
    issuer: str
    direction: str
    certainty: str
    announced_on: date
    effective_on: date
    until: date | None
    end_users: str | None
    title: str | None
    document: str | None
    sources: tuple[SourceJson, ...]
    #: For status `suspended` only: when every suspension covering the date has ended (None:
    #: until further notice), and the document of the latest to start.
    suspended_until: date | None = None
    suspension_document: str | None = None
    #: When the world could know of the measure: its imposition's publication date (None in
    #: summaries of views built before publication time).
    published_on: date | None = None
    #: Follow-ups announced but not yet in effect on the date, in effective order.
    scheduled: tuple[ScheduledJson, ...] = ()
    #: The places the measure covers (destinations of an export measure, origins of an
    #: import one), and those its `except` leaves out (None in summaries of earlier views).
    places: tuple[str, ...] | None = None
    excepted: tuple[str, ...] = ()
    #: The named parties it applies to (an entity list; empty: everyone in its places), and
    #: those for whom it stands otherwise that day (`lifecycle.PartyStanding` as JSON).
    parties: tuple[str, ...] = ()
    party_states: tuple[dict[str, Any], ...] = ()
    #: The export-control list's numbers of its items, as written (empty: none given).
    control_codes: tuple[str, ...] = ()
    #: With `--hs`: how the measure's codes cover the code asked (`{"code", "coverage"}`).
    hs_match: dict[str, str] | None = None
    #: On a flow: how the flow's country is covered, `listed` by name, `*`, or a group
    #: (`@slug`) with the `membership` that makes the country one of its members that day;
    #: on a flow's `exempt` list, the `except` entry that leaves the country out.
    via: str | None = None
    membership: Membership | None = None

    def listed_via(self, via: str, membership: Membership | None = None) -> MeasureSummary:
        """The summary with its `via` (and the membership behind it) given."""
        return MeasureSummary._make((*self[:-2], via, membership))  # the last two fields

    def listed_parties(self) -> tuple[str, ...]:
        """The parties it names that are not delisted that day."""
        delisted = {
            party
            for state in self.party_states
            if state["status"] == "lifted"
            for party in state["parties"]
        }
        return tuple(party for party in self.parties if party not in delisted)

    def for_party(self, party: str) -> MeasureSummary | None:
        """The summary as it stands for `party`, which it names: in its own status where a
        follow-up for some parties only sets one (None: delisted, it no longer applies)."""
        for state in self.party_states:
            if party in state["parties"]:
                if state["status"] == "lifted":
                    return None
                until = state.get("suspended_until")
                return self._replace(
                    status=state["status"],
                    suspended_until=date.fromisoformat(until) if until else None,
                    suspension_document=state.get("suspension_document"),
                    scheduled=tuple(state.get("scheduled", ())),
                )
        return self

    def to_json(self) -> SummaryJson:
        """The summary as docs/output.md §2 lists it, and as the view stores it."""
        data: SummaryJson = {
            "measure": self.measure,
            "status": self.status,
            "kind": self.kind,
            "level": _LEVEL_NAMES[self.level],
            "issuer": self.issuer,
            "direction": self.direction,
            "certainty": self.certainty,
            "announced_on": iso(self.announced_on),
            "effective_on": iso(self.effective_on),
            "until": iso(self.until) if self.until else None,
            "end_users": self.end_users,
            "title": self.title,
            "document": self.document,
            "sources": list(self.sources),
        }
        if self.places is not None:
            data["origins" if self.direction == "import" else "destinations"] = list(self.places)
            data["except"] = list(self.excepted)  # type: ignore[typeddict-unknown-key]
        if self.published_on is not None:
            data["published_on"] = iso(self.published_on)
            data["scheduled"] = list(self.scheduled)
        if self.status == "suspended":
            until = self.suspended_until
            data["suspended_until"] = iso(until) if until else None
            data["suspension_document"] = self.suspension_document
        if self.control_codes:
            data["control_codes"] = list(self.control_codes)
        if self.hs_match is not None:
            data["hs_match"] = self.hs_match  # type: ignore[typeddict-unknown-key]
        if self.parties:
            data["parties"] = list(self.parties)
            data["party_states"] = list(self.party_states)
        if self.via is not None:
            data["via"] = self.via
        if self.membership is not None:
            data["membership"] = {
                "group": self.membership.group,
                "since": iso(self.membership.since),
                "document": self.membership.document,
            }
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], listed_via: str | None = None) -> MeasureSummary:
        """A summary from its JSON (`to_json`'s, or as a store of any version holds it),
        listed on a flow `listed_via` if given."""
        until, suspended_until = data["until"], data.get("suspended_until")
        published_on = data.get("published_on")
        places = data.get("origins" if data["direction"] == "import" else "destinations")
        return cls._make(  # one tuple, without the keyword handling of the constructor
            (
                data["measure"],
                data["status"],
                data["kind"],
                _LEVELS[data["level"]],
                data["issuer"],
                data["direction"],
                data["certainty"],
                date.fromisoformat(data["announced_on"]),
                date.fromisoformat(data["effective_on"]),
                date.fromisoformat(until) if until else None,
                data["end_users"],
                data["title"],
                data["document"],
                tuple(data["sources"]),
                date.fromisoformat(suspended_until) if suspended_until else None,
                data.get("suspension_document"),
                date.fromisoformat(published_on) if published_on else None,
                tuple(data.get("scheduled", ())),
                None if places is None else tuple(places),
                tuple(data.get("except", ())),
                tuple(data.get("parties", ())),
                tuple(data.get("party_states", ())),
                tuple(data.get("control_codes", ())),
                None,
                listed_via or data.get("via"),
                None,
            )
        )


@cache
def iso(day: date) -> str:
    """A date as ISO text, formatted once: a replay stores, and a wide answer prints, the
    same few thousand dates over and over."""
    return day.isoformat()


#: Levels by name and names by level, looked up for every summary read or printed.
_LEVELS = {level.name: level for level in Level}
_LEVEL_NAMES = {level: level.name for level in Level}


@dataclass(frozen=True, slots=True)
class MeasureChange:
    """A measure whose standing on a flow changes on a date (docs/output.md §3): its status
    before and after (`none` where not shown), its kind, and the record that caused it."""

    measure: str
    before: str
    after: str
    kind: str
    cause: str
    document: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "before": self.before,
            "after": self.after,
            "kind": self.kind,
            "cause": self.cause,
            "document": self.document,
        }

"""The answers queries give (docs/output.md §1-§6): typed values that print as the documented JSON.

Every answer says what it knew: the log position it reflects, that position's digest, the
knowledge filter asked, and warnings about names no record mentions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from projections.catchup import utc_text
from projections.flows import Flow

if TYPE_CHECKING:
    from domain.application import LoggedRecord
    from domain.vocabulary import Level
    from projections.catalog import Hit
    from projections.groups import Membership
    from projections.summaries import MeasureChange, MeasureSummary


#: The columns of an as-of answer's rows and CSV (docs/output.md §7): fixed, whatever the
#: question.
AS_OF_COLUMNS = (
    "as_of",
    "item",
    "from",
    "to",
    "level",
    "measure",
    "status",
    "kind",
    "measure_level",
    "issuer",
    "direction",
    "certainty",
    "announced_on",
    "effective_on",
    "until",
    "suspended_until",
    "end_users",
    "parties",
    "via",
    "document",
    "source_url",
)


#: A record time asked: a UTC moment, or a log position (`#N`).
RecordTime = datetime | int


@dataclass(frozen=True)
class Knowledge:
    """The two knowledge filters of a question (docs/time.md §3): only records published by
    the end of day `known_at`, among those recorded by `recorded_at`; None: no filter."""

    known_at: date | None = None
    recorded_at: RecordTime | None = None

    def to_json(self) -> dict[str, Any]:
        recorded = self.recorded_at
        return {
            "known_at": self.known_at.isoformat() if self.known_at else None,
            "recorded_at": (
                None
                if recorded is None
                else utc_text(recorded)
                if isinstance(recorded, datetime)
                else f"#{recorded}"
            ),
        }

    def describe(self) -> str:
        """The filters in words, for a title ("" when none)."""
        shown = self.to_json()
        parts = []
        if shown["known_at"]:
            parts.append(f"as known at {shown['known_at']}")
        if shown["recorded_at"]:
            parts.append(f"as recorded at {shown['recorded_at']}")
        return ", ".join(parts)


#: No knowledge filter: every record.
NO_FILTER = Knowledge()


@dataclass(frozen=True)
class Known:
    """What an answer reflects: the log position (and its digest), the knowledge filters
    asked, and warnings about the question."""

    position: int
    knowledge: Knowledge = NO_FILTER
    digest: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: The named party asked about (its slug), if any: echoed by flow answers.
    party: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **self.knowledge.to_json(),
            "position": self.position,
            "digest": self.digest,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Answer:
    """The regimes of the asked flows on one date."""

    as_of: date
    known: Known
    flows: list[Flow]

    @property
    def position(self) -> int:
        return self.known.position

    def rows(self) -> list[dict[str, str]]:
        """One flat row per flow and measure (a flow with nothing on it: one row without a
        measure), keyed by `AS_OF_COLUMNS`: the CSV's rows, and what a data frame wants."""
        rows = []
        for flow in self.flows:
            summaries: list[tuple[MeasureSummary | None, str | None]] = [
                *((summary, None) for summary in flow.listed()),
                *((summary, "exempt") for summary in flow.exempt),
                *((summary, "named_parties") for summary in flow.named_parties),
            ] or [(None, None)]
            for summary, listed in summaries:
                row = {
                    "as_of": self.as_of.isoformat(),
                    "item": flow.item,
                    "from": flow.exporter,
                    "to": flow.importer,
                    "level": flow.level.name,
                }
                row.update(_measure_columns(summary))
                if listed is not None:  # exempt: `via` the `except` entry leaving it out
                    row["status"] = listed
                rows.append(row)
        return rows

    def to_json(self) -> dict[str, Any]:
        """The answer as in docs/output.md §2."""
        return {
            "as_of": self.as_of.isoformat(),
            **self.known.to_json(),
            "party": self.known.party,
            "flows": [flow.to_json() for flow in self.flows],
        }


@dataclass(frozen=True)
class FlowChange:
    """A flow's regime changing on one valid date, with each measure whose status changed."""

    day: date
    item: str
    exporter: str
    importer: str
    level_before: Level
    level_after: Level
    measures: list[MeasureChange]

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "item": self.item,
            "from": self.exporter,
            "to": self.importer,
            "level_before": self.level_before.name,
            "level_after": self.level_after.name,
            "measures": [measure.to_json() for measure in self.measures],
        }


@dataclass(frozen=True)
class Timeline:
    """The changes of the asked flows over valid time, and the actions their measures
    respond to (when asked)."""

    known: Known
    changes: list[FlowChange]
    actions: list[dict[str, Any]]

    @property
    def position(self) -> int:
        return self.known.position

    def to_json(self) -> dict[str, Any]:
        return {
            **self.known.to_json(),
            "party": self.known.party,
            "changes": [change.to_json() for change in self.changes],
            "actions": self.actions,
        }


@dataclass(frozen=True)
class FlowDifference:
    """A flow whose level or measures differ between two dates."""

    before: Flow
    after: Flow

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.after.item,
            "from": self.after.exporter,
            "to": self.after.importer,
            "before": _standing(self.before),
            "after": _standing(self.after),
        }

    def measure_rows(self) -> list[list[str]]:
        """One row per measure whose status differs: item, from, to, the flow's levels, the
        measure, its status before and after (`none`: not shown), and its document."""
        old, new = statuses(self.before), statuses(self.after)
        documents = {
            summary.measure: summary.document or ""
            for flow in (self.before, self.after)
            for summary in (*flow.listed(), *flow.named_parties)
        }
        return [
            [
                self.after.item,
                self.after.exporter,
                self.after.importer,
                self.before.level.name,
                self.after.level.name,
                slug,
                old.get(slug, "none"),
                new.get(slug, "none"),
                documents[slug],
            ]
            for slug in sorted(old.keys() | new.keys())
            if old.get(slug) != new.get(slug)
        ]


@dataclass(frozen=True)
class Comparison:
    """The flows that differ between two dates."""

    first: date
    second: date
    known: Known
    differences: list[FlowDifference]

    @property
    def position(self) -> int:
        return self.known.position

    def to_json(self) -> dict[str, Any]:
        return {
            "from_date": self.first.isoformat(),
            "to_date": self.second.isoformat(),
            **self.known.to_json(),
            "party": self.known.party,
            "flows": [difference.to_json() for difference in self.differences],
        }


@dataclass(frozen=True)
class Found:
    """What `search` found: one row per matching record."""

    on: date
    known: Known
    hits: list[Hit]
    #: With `--hs`: the code asked and its HS 2022 description.
    hs: dict[str, str | None] | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"on": self.on.isoformat(), **self.known.to_json()}
        if self.hs is not None:
            found["hs"] = self.hs
        return {**found, "results": [hit.to_json() for hit in self.hits]}


@dataclass(frozen=True)
class Shown:
    """`show`'s answer: the records about one id, or the records carrying one document, and
    the records that respond to the id."""

    records: list[tuple[str, LoggedRecord]]  # (subject id, record)
    responders: list[tuple[str, LoggedRecord]]
    id: str | None = None
    document: str | None = None
    #: For a party: every measure that has named it, with where it stands for it today.
    listings: list[dict[str, Any]] = field(default_factory=list)


def statuses(flow: Flow) -> dict[str, str]:
    """Each measure on the flow with its status (an entity list asked about without a party:
    its status `for named parties`)."""
    found: dict[str, str] = {summary.measure: summary.status for summary in flow.listed()}
    for summary in flow.named_parties:
        found[summary.measure] = f"{summary.status}{FOR_NAMED}"
    return found


#: The status of an entity list on a flow asked about without a party, after its own.
FOR_NAMED = " for named parties"


def _standing(flow: Flow) -> dict[str, Any]:
    return {
        "level": flow.level.name,
        "in_force": [summary.measure for summary in flow.in_force],
        "suspended": [summary.measure for summary in flow.suspended],
        "pending": [summary.measure for summary in flow.pending],
        "named_parties": [summary.measure for summary in flow.named_parties],
    }


def _measure_columns(summary: MeasureSummary | None) -> dict[str, str]:
    """A measure's columns of an as-of row (all empty for a flow with nothing on it); the
    summary's `level` is the measure's own, `measure_level`."""
    if summary is None:
        return dict.fromkeys(AS_OF_COLUMNS[AS_OF_COLUMNS.index("measure") :], "")
    sources = summary.sources
    return {
        "measure": summary.measure,
        "status": summary.status,
        "kind": summary.kind,
        "measure_level": summary.level.name,
        "issuer": summary.issuer,
        "direction": summary.direction,
        "certainty": summary.certainty,
        "announced_on": summary.announced_on.isoformat(),
        "effective_on": summary.effective_on.isoformat(),
        "until": _text(summary.until),
        "suspended_until": _text(summary.suspended_until),
        "end_users": summary.end_users or "",
        "parties": " ".join(summary.parties),
        "via": summary.via or "",
        "document": summary.document or "",
        "source_url": (sources[0].get("url") or "") if sources else "",
    }


def _text(day: date | None) -> str:
    return day.isoformat() if day else ""


@dataclass(frozen=True)
class GroupMembers:
    """`group @G`'s answer: the group's members on a date, each with the record that made it
    a member (docs/output.md §10)."""

    on: date
    known: Known
    group: str  # `@slug`
    title: str | None
    issuer: str | None
    members: list[Membership]

    def rows(self) -> list[dict[str, str]]:
        """One row per member: the CSV's rows."""
        return [_membership_row(self.on, membership) for membership in self.members]

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "on": self.on.isoformat(),
            "title": self.title,
            "issuer": self.issuer,
            **self.known.to_json(),
            "members": [membership.to_json() for membership in self.members],
        }


@dataclass(frozen=True)
class MemberOf:
    """`group --member CC`'s answer: the groups a country belongs to on a date."""

    on: date
    known: Known
    country: str
    groups: list[Membership]

    def rows(self) -> list[dict[str, str]]:
        return [_membership_row(self.on, membership) for membership in self.groups]

    def to_json(self) -> dict[str, Any]:
        return {
            "member": self.country,
            "on": self.on.isoformat(),
            **self.known.to_json(),
            "groups": [membership.to_json() for membership in self.groups],
        }


#: The columns of a group answer's CSV and table: fixed, whatever the question.
GROUP_COLUMNS = ("on", "group", "country", "since", "until", "document")


def _membership_row(on: date, membership: Membership) -> dict[str, str]:
    return {
        "on": on.isoformat(),
        "group": membership.group,
        "country": membership.country,
        "since": membership.since.isoformat(),
        "until": _text(membership.until),
        "document": membership.document or "",
    }

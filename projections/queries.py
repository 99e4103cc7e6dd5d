"""The questions analysts ask, answered from the persisted view after catching it up."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import OperationalError, PersistenceError

from domain.application import LoggedRecord, Regimes
from domain.errors import RegimesError, StoreError
from domain.ids import action_id, measure_id
from domain.vocabulary import Level
from projections.backends import open_view
from projections.catchup import CaughtUp, Histories, Progress, catch_up, utc_text
from projections.failures import ProjectionsDamaged, is_disk_full
from projections.flows import Entry, Flow, FlowQuery, assemble
from projections.view import OPEN_DATE

if TYPE_CHECKING:
    from projections.replay import ReplayReport


@contextmanager
def damaged_view_explained() -> Iterator[None]:
    """Turns a missing or broken view table into a one-line cause and its remedy."""
    try:
        yield
    except (PersistenceError, sqlite3.Error) as error:
        if isinstance(error, OperationalError) and "locked" in str(error):
            raise
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StoreError(f"the projections of this store are damaged ({reason}); rebuild them "
                         "from the log with 'regimes replay'") from None


class UnknownId(RegimesError):
    """`show` was given an id that names no measure or action."""


@dataclass(frozen=True)
class Answer:
    """The regimes of the asked flows on one date, as known at one log position."""

    as_of: date
    known_at: datetime | None
    position: int
    flows: list[Flow]
    digest: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The answer as in DESIGN §8, with the log's digest at `position`."""
        return {
            "as_of": self.as_of.isoformat(),
            "known_at": utc_text(self.known_at) if self.known_at else None,
            "position": self.position,
            "digest": self.digest,
            "flows": [flow.to_json() for flow in self.flows],
        }


@dataclass(frozen=True)
class Change:
    """A flow's regime changing on one valid date."""

    day: date
    item: str
    exporter: str
    importer: str
    level_before: Level
    level_after: Level
    measures: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "item": self.item,
            "from": self.exporter,
            "to": self.importer,
            "level_before": self.level_before.name,
            "level_after": self.level_after.name,
            "measures": self.measures,
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


def _standing(flow: Flow) -> dict[str, Any]:
    return {
        "level": flow.level.name,
        "in_force": [summary["measure"] for summary in flow.in_force],
        "suspended": [summary["measure"] for summary in flow.suspended],
        "pending": [summary["measure"] for summary in flow.pending],
    }


def _statuses(flow: Flow) -> dict[str, str]:
    return {summary["measure"]: summary["status"]
            for listed in (flow.in_force, flow.suspended, flow.pending) for summary in listed}


#: Fewer events than this are always applied one by one.
REBUILD_FROM = 20_000


class RegimeReader:
    """Answers as-of, timeline, diff and history questions from the bitemporal view."""

    def __init__(self, app: Regimes) -> None:
        self.app = app
        self.view = open_view(app)
        self.view.prepare_live_generation()
        #: Measure histories kept between catch-ups, so a follow-up to a measure this reader
        #: has seen recently needs no reload from the log.
        self.histories = Histories(app)
        #: Why an answer had to come from the view as it was, without the newest records
        #: (a writer held the store past the lock timeout, or the disk is full); None when
        #: every answer was up to date.
        self.lagging: str | None = None

    def close(self) -> None:
        self.view.datastore.close()  # type: ignore[attr-defined]

    def catch_up(self, progress: Progress | None = None) -> CaughtUp:
        """Applies what the log holds beyond the live view."""
        return catch_up(self.app, self.view, progress=progress, histories=self.histories)

    def update(self, progress: Progress | None = None) -> int:
        """Brings the live view up to the log the cheaper way, as after an append; returns
        how many events it applied. When the view lacks most of the log (a first large
        append), rebuilding it in bulk beats applying each event."""
        _, position = self.view.standing()
        last = self.app.last_position()
        behind = last - position
        if behind >= REBUILD_FROM and 2 * behind >= last:
            # Not waiting for a replay already running: it rebuilds from the log anyway, and
            # what it does not hold, the next query applies.
            return self.replay(progress=progress, wait=0).events
        return self.catch_up(progress=progress).applied

    def replay(self, *, until: int | datetime | None = None, verify: bool = False,
               progress: Progress | None = None, wait: float | None = None) -> ReplayReport:
        """Rebuilds every projection from position 1 into fresh tables and swaps them in
        (waiting up to `wait` seconds for another replay of the store, by default a few
        minutes)."""
        from projections.replay import replay  # only the replay command needs it
        from projections.serial import REPLAY_WAIT

        if isinstance(until, datetime):
            self.catch_up()
            until = self.view.position_at(self.view.live_generation(), utc_text(until))
        return replay(self.app, self.view, until=until, verify=verify, progress=progress,
                      wait=REPLAY_WAIT if wait is None else wait)

    def _position(self, known_at: datetime | None) -> tuple[str, int, bool]:
        try:
            caught_up = self.catch_up()
            generation, latest = caught_up.generation, caught_up.position
        except OperationalError as error:
            # Readers are never failed by a writer, nor by a disk too full to take in the
            # newest records: the answer comes from the view as it stands, and says so.
            generation, latest = self.view.standing()
            self.lagging = _lag_reason(error, latest, self.app.last_position())
        position = latest
        if known_at is not None:
            position = min(position, self.view.position_at(generation, utc_text(known_at)))
        return generation, position, position == latest

    @damaged_view_explained()
    def as_of(self, day: date, query: FlowQuery, known_at: datetime | None = None) -> Answer:
        """The regimes of the asked flows on `day`, as known at `known_at`."""
        generation, position, latest = self._position(known_at)
        entries = (entry for _, _, entry in
                   self._entries(generation, day, position, query, latest=latest))
        digest = self.app.digest(position) if position else None
        return Answer(day, known_at, position, assemble(entries, query),
                      str(digest) if digest else None)

    def _entries(self, generation: str, day: date | None, position: int, query: FlowQuery,
                 *, latest: bool = False) -> Iterator[tuple[str, str, Entry]]:
        rows = self.view.rows_on(generation, day, position, query.items, query.exporter,
                                 query.importer, latest=latest)
        for _, item, exporter, importer, valid_from, valid_to, level, summary in rows:
            flow = query.resolve(item, exporter, importer)
            if flow is not None:
                entry = Entry(item, *flow, summary["status"], Level(level), summary)
                yield valid_from, valid_to, entry

    @damaged_view_explained()
    def timeline(self, query: FlowQuery, known_at: datetime | None = None
                 ) -> tuple[int, list[Change]]:
        """Each valid date on which a matching flow's level or measures change."""
        generation, position, latest = self._position(known_at)
        by_flow: dict[tuple[str, str, str], list[tuple[str, str, Entry]]] = defaultdict(list)
        for valid_from, valid_to, entry in self._entries(generation, None, position, query,
                                                         latest=latest):
            by_flow[(entry.item, entry.exporter, entry.importer)].append(
                (valid_from, valid_to, entry))
        changes: list[Change] = []
        for key in sorted(by_flow):
            spans = by_flow[key]
            days = sorted({day for start, end, _ in spans for day in (start, end)} - {OPEN_DATE})
            before = Flow(*key)
            for day in days:
                current = [entry for start, end, entry in spans if start <= day < end]
                after = (assemble(current, query) or [Flow(*key)])[0]
                change = _change(date.fromisoformat(day), before, after)
                if change is not None:
                    changes.append(change)
                before = after
        changes.sort(key=lambda change: (change.day, change.item, change.exporter,
                                         change.importer))
        return position, changes

    @damaged_view_explained()
    def diff(self, first: date, second: date, query: FlowQuery,
             known_at: datetime | None = None) -> tuple[int, list[FlowDifference]]:
        """Flows whose level or measures differ between two dates."""
        generation, position, latest = self._position(known_at)
        before = {flow.key: flow for flow in assemble(
            (e for _, _, e in self._entries(generation, first, position, query, latest=latest)),
            query)}
        after = {flow.key: flow for flow in assemble(
            (e for _, _, e in self._entries(generation, second, position, query, latest=latest)),
            query)}
        differences = []
        for key in sorted(before.keys() | after.keys()):
            old, new = before.get(key, Flow(*key)), after.get(key, Flow(*key))
            if old.level != new.level or _statuses(old) != _statuses(new):
                differences.append(FlowDifference(old, new))
        return position, differences

    @damaged_view_explained()
    def history(self, slug: str) -> list[LoggedRecord]:
        """Every record about one measure or action, with positions and record times."""
        generation, _, _ = self._position(None)
        for subject, key in ((f"measure:{slug}", measure_id(slug)),
                             (f"action:{slug}", action_id(slug))):
            positions = self.view.positions_of(generation, subject)
            if positions:
                events = list(self.app.events.get(key))
                if len(positions) != len(events):
                    raise ProjectionsDamaged(
                        f"the projections of this store are damaged (they list "
                        f"{len(positions)} log positions for {slug!r}, the log holds "
                        f"{len(events)} records); rebuild them from the log with "
                        "'regimes replay'")
                return [LoggedRecord(p.position, event.timestamp, event.to_record())  # type: ignore[attr-defined]
                        for p, event in zip(positions, events, strict=True)]
        if any(self.app.recorder.select_events(key, limit=1)
               for key in (measure_id(slug), action_id(slug))):
            raise ProjectionsDamaged(
                f"the projections of this store are damaged (they list no log position for "
                f"{slug!r}, which the log holds); rebuild them from the log with "
                "'regimes replay'")
        raise UnknownId(f"no measure or action is called {slug!r}")


def _lag_reason(error: BaseException, position: int, last: int) -> str:
    """Why an answer comes from position `position` of a log that ends at `last`."""
    if is_disk_full(error):
        return (f"the disk holding the store is full: the projections could not take in the "
                f"newest records, so this answer is as of position {position} of {last}; "
                "free some space and ask again")
    return ("another process held the store past the lock timeout; this answer may miss its "
            "newest records")


def _change(day: date, before: Flow, after: Flow) -> Change | None:
    old, new = _statuses(before), _statuses(after)
    if before.level == after.level and old == new:
        return None
    summaries = {summary["measure"]: summary for listed in
                 (after.in_force, after.suspended, after.pending, before.in_force,
                  before.suspended, before.pending) for summary in listed}
    measures = [
        {"measure": slug, "before": old.get(slug, "none"), "after": new.get(slug, "none"),
         "kind": summaries[slug]["kind"], "document": _document_of(summaries[slug])}
        for slug in sorted(old.keys() | new.keys()) if old.get(slug) != new.get(slug)
    ]
    return Change(day, after.item, after.exporter, after.importer, before.level, after.level,
                  measures)


def _document_of(summary: dict[str, Any]) -> str | None:
    """The document behind a measure's standing: the suspension's while it is suspended."""
    if summary["status"] == "suspended" and summary.get("suspension_document"):
        return str(summary["suspension_document"])
    return summary.get("document")

"""Where a measure stands on a valid date (docs/time.md §3), and the dates where that changes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from domain.vocabulary import Level
from projections.history import FollowUp, MeasureHistory
from projections.summaries import MeasureSummary, ScheduledJson, Status, SummaryJson, iso

if TYPE_CHECKING:
    from domain.terms import Terms

#: Statuses that count towards a flow's level.
COUNTING: frozenset[str] = frozenset({"in_force"})


class PartyStanding(NamedTuple):
    """Named parties for whom a measure stands otherwise than for the rest, on a date: a
    follow-up for them only suspended it (`suspended`, until when and by what document), or
    delisted them (`lifted`: it no longer applies to them)."""

    parties: tuple[str, ...]
    status: str
    suspended_until: date | None = None
    suspension_document: str | None = None
    #: Follow-ups for them announced by the date, not yet in effect.
    scheduled: tuple[FollowUp, ...] = ()


class MeasureOnDate(NamedTuple):
    """A measure as it stands on one valid date: its status and the terms then in effect."""

    slug: str
    status: Status
    terms: Terms
    suspended_until: date | None = None
    suspension_document: str | None = None
    #: When the world could know of the measure (its imposition's publication date).
    published_on: date | None = None
    #: Follow-ups announced by the date but not yet in effect, in effective order.
    scheduled: tuple[FollowUp, ...] = ()
    #: The named parties for whom it stands otherwise (follow-ups for them only).
    party_states: tuple[PartyStanding, ...] = ()

    @property
    def level(self) -> Level:
        """The level the measure sets on its flows while in force."""
        return self.terms.level

    @property
    def items(self) -> tuple[str, ...]:
        return self.terms.items

    def scope(self) -> list[tuple[str, str]]:
        """The (exporter, importer) pairs the measure applies to."""
        return self.terms.scope()

    def summary(self) -> MeasureSummary:
        """The measure as listed on a flow (docs/output.md §2): its JSON read back, as answers
        read it from the view."""
        return MeasureSummary.from_json(self.summary_json())

    def summary_json(self) -> SummaryJson:
        """The summary as the view stores it, built straight from the terms (replay and
        catch-up store one for every change of every measure)."""
        terms = self.terms
        summary: SummaryJson = {
            "measure": self.slug,
            "status": self.status,
            "kind": terms.kind,
            "level": self.level.name,
            "issuer": terms.issuer,
            "direction": terms.direction,
            "certainty": terms.certainty,
            "announced_on": iso(terms.announced_on),
            "effective_on": iso(terms.effective_on),
            "until": iso(terms.until) if terms.until else None,
            "end_users": terms.end_users,
            "title": terms.title,
            "document": terms.document,
            "sources": list(terms.sources),
        }
        if terms.direction == "import":
            summary["origins"] = list(terms.origins or ())
        else:
            summary["destinations"] = list(terms.destinations or ())
        summary["except"] = list(terms.except_ or ())  # type: ignore[typeddict-unknown-key]
        if self.published_on is not None:
            summary["published_on"] = iso(self.published_on)
            summary["scheduled"] = [_scheduled_json(follow_up) for follow_up in self.scheduled]
        if self.status == "suspended":
            until = self.suspended_until
            summary["suspended_until"] = iso(until) if until else None
            summary["suspension_document"] = self.suspension_document
        if terms.control_codes:  # only then, as for parties below
            summary["control_codes"] = list(terms.control_codes)
        if terms.parties:  # only then: the summaries of every other measure stay as they were
            summary["parties"] = list(terms.parties)
            summary["party_states"] = [_party_state_json(state) for state in self.party_states]
        return summary


def _party_state_json(state: PartyStanding) -> dict[str, Any]:
    found: dict[str, Any] = {"parties": list(state.parties), "status": state.status}
    if state.status == "suspended":
        until = state.suspended_until
        found["suspended_until"] = iso(until) if until else None
        found["suspension_document"] = state.suspension_document
    if state.scheduled:
        found["scheduled"] = [_scheduled_json(follow_up) for follow_up in state.scheduled]
    return found


def _scheduled_json(follow_up: FollowUp) -> ScheduledJson:
    return {
        "type": follow_up.change,
        "announced_on": iso(follow_up.announced_on or follow_up.effective_on),
        "effective_on": iso(follow_up.effective_on),
        "document": follow_up.document,
    }


Span = tuple[date, date | None, str | None]


def measure_on(history: MeasureHistory, day: date) -> MeasureOnDate | None:
    """The measure on valid date `day`, or None when it is not shown then."""
    if history.retracted:
        return None
    terms = history.terms.on(day)
    state = standing(history, day, terms, suspension_spans(history))
    return with_parties(state, day, terms, party_views(history))


#: Each party some follow-up names, with the history as it sees it and its suspensions.
PartyViews = dict[str, tuple[MeasureHistory, list["Span"]]]


def party_views(history: MeasureHistory) -> PartyViews:
    """The history as each party that a follow-up names sees it (none for most measures)."""
    views: PartyViews = {}
    if not history.party_events:  # (most histories)
        return views
    for party in sorted(history.special_parties()):
        seen = history.for_party(party)
        views[party] = (seen, suspension_spans(seen))
    return views


def with_parties(
    state: MeasureOnDate | None, day: date, terms: Terms, views: PartyViews
) -> MeasureOnDate | None:
    """The measure's standing with the parties for whom it stands otherwise that day."""
    if state is None or not views or not terms.parties:
        return state
    differing: dict[tuple[Any, ...], list[str]] = {}
    general = (state.status, state.suspended_until, state.suspension_document, state.scheduled)
    for party in terms.parties:
        if party not in views:
            continue
        seen, spans = views[party]
        own = standing(seen, day, terms, spans)
        key = (
            ("lifted", None, None, ())
            if own is None
            else (own.status, own.suspended_until, own.suspension_document, own.scheduled)
        )
        if key != general:
            differing.setdefault(key, []).append(party)
    states = tuple(
        PartyStanding(tuple(parties), *key) for key, parties in sorted(differing.items(), key=str)
    )
    return state._replace(party_states=states) if states else state


def standing(
    history: MeasureHistory, day: date, terms: Terms, spans: list[Span]
) -> MeasureOnDate | None:
    """The measure on `day` under `terms` (those in effect that day), or None when it is not
    shown then."""
    if day < terms.shown_from or (history.lifted_on and day >= history.lifted_on):
        return None
    if history.delisted and any(
        start <= day and (end is None or day < end) for start, end in history.delisted
    ):
        return None  # a named party delisted (`MeasureHistory.for_party`)
    if terms.until and day >= terms.until:  # a sunset
        return None
    published, scheduled = history.published_on, _scheduled_on(history, day)
    if terms.certainty == "reported":
        return MeasureOnDate(history.slug, "reported", terms, None, None, published, scheduled)
    covering = [span for span in spans if span[0] <= day and (span[1] is None or day < span[1])]
    if covering:
        # Suspended before taking effect counts as suspended, not pending (No. 57 of 2025).
        # The latest suspension to start speaks for it: valid time, not recording order.
        latest = max(covering, key=lambda span: span[0])
        return MeasureOnDate(
            history.slug,
            "suspended",
            terms,
            _resumes_on(spans, day),
            latest[2],
            published,
            scheduled,
        )
    status: Status = "announced" if day < terms.effective_on else "in_force"
    return MeasureOnDate(history.slug, status, terms, None, None, published, scheduled)


def _scheduled_on(history: MeasureHistory, day: date) -> tuple[FollowUp, ...]:
    """The follow-ups announced by `day` that take effect after it (docs/time.md §3)."""
    if not history.announced_ahead:  # (most histories)
        return ()
    found = [
        follow_up
        for follow_up in history.follow_ups
        if follow_up.announced_on is not None
        and follow_up.announced_on <= day < follow_up.effective_on
    ]
    return tuple(sorted(found, key=lambda follow_up: follow_up.effective_on)) if found else ()


def suspension_spans(history: MeasureHistory) -> list[Span]:
    """Each suspension as [start, end): it ends at its `until` or the first resumption."""
    spans = []
    for suspension in history.suspensions:
        ends = [day for day in history.resumptions if day >= suspension.start]
        if suspension.until:
            ends.append(suspension.until)
        spans.append((suspension.start, min(ends) if ends else None, suspension.document))
    return spans


def _resumes_on(spans: list[Span], day: date) -> date | None:
    """When suspensions covering `day`, and those overlapping them, have all ended."""
    end = day
    while True:
        later = [
            until for start, until, _ in spans if start <= end and (until is None or until > end)
        ]
        if not later:
            return end
        if None in later:
            return None
        end = max(until for until in later if until is not None)


def change_dates(history: MeasureHistory, spans: list[Span]) -> list[date]:
    """Every valid date on which the measure's standing may change, in order."""
    terms = history.terms
    days: set[date] = {terms.corrected.announced_on, terms.corrected.effective_on}
    if terms.corrected.until:
        days.add(terms.corrected.until)
    for amendment in terms.amendments:
        days.add(amendment.effective_on)
        for name in _DATES:
            if amendment.changes.get(name):
                days.add(date.fromisoformat(amendment.changes[name]))
    for start, end, _ in spans:
        days.add(start)
        if end:
            days.add(end)
    days.update(history.resumptions)
    for follow_up in history.follow_ups:
        if follow_up.announced_on is not None and follow_up.announced_on < follow_up.effective_on:
            days.update((follow_up.announced_on, follow_up.effective_on))
    if history.lifted_on:
        days.add(history.lifted_on)
    for start, end in history.delisted:
        days.update((start, end) if end else (start,))
    return sorted(days)


#: The fields whose dates an amendment may move.
_DATES = ("announced_on", "effective_on", "until")


#: The cause of a measure's listing changing on the day a follow-up is announced ahead of
#: its effect (its status and level unchanged): by the follow-up's change.
ANNOUNCED = {
    "amended": "amendment_announced",
    "suspended": "suspension_announced",
    "resumed": "resumption_announced",
    "lifted": "lifting_announced",
}


class Cause(NamedTuple):
    """Why a measure's standing on a flow changes on a date, and the document that says so."""

    kind: str  # announced, took_effect, suspended, resumed, suspension_ended, amended, ...
    document: str | None


def cause_on(history: MeasureHistory, day: date, before: str, after: str) -> Cause:
    """The record behind a measure's change from status `before` to `after` on `day` (each
    `none` where the measure is not shown): the follow-up that makes that change, else the
    measure's own dates."""
    if before == after:
        announced = [
            follow_up
            for follow_up in history.follow_ups
            if follow_up.announced_on == day and day < follow_up.effective_on
        ]
        if announced:  # the last recorded speaks for them
            return Cause(ANNOUNCED[announced[-1].change], announced[-1].document)
    # the last of each kind taking effect that day speaks for it
    taking_effect = {
        follow_up.change: follow_up.document
        for follow_up in history.follow_ups
        if follow_up.effective_on == day
    }
    terms = history.terms.on(day)
    if after == "suspended" and before != "suspended":
        if "suspended" in taking_effect:
            return Cause("suspended", taking_effect["suspended"])
    elif before == "suspended" and after != "suspended":
        if "resumed" in taking_effect:
            return Cause("resumed", taking_effect["resumed"])
        if "lifted" in taking_effect:
            return Cause("lifted", taking_effect["lifted"])
        ended = [suspension for suspension in history.suspensions if suspension.until == day]
        if ended:
            return Cause("suspension_ended", ended[-1].document)
    elif after == "none":
        if "lifted" in taking_effect:
            return Cause("lifted", taking_effect["lifted"])
        if terms.until == day:
            return Cause("expired", terms.document)
    if "amended" in taking_effect:
        return Cause("amended", taking_effect["amended"])
    if after == "in_force" and terms.effective_on == day:
        return Cause("took_effect", terms.document)
    if before == "none" and terms.announced_on == day:
        return Cause("announced", terms.document)
    return Cause("measure", terms.document)


class Segment(NamedTuple):
    """A span of valid time [valid_from, valid_to) over which the measure stands the same."""

    valid_from: date
    valid_to: date | None
    state: MeasureOnDate


def segments(history: MeasureHistory) -> list[Segment]:
    """The measure's whole valid-time life, as maximal spans of unchanged standing."""
    found: list[Segment] = []
    if history.retracted:
        return found
    spans = suspension_spans(history)
    views = party_views(history)
    days = change_dates(history, spans)
    for seen, seen_spans in views.values():  # where a party's own standing may change
        days = sorted({*days, *change_dates(seen, seen_spans)})
    stages = history.terms.stages
    stage = 0  # the days ascend, so the terms in effect only move forward
    for index, day in enumerate(days):
        while stage + 1 < len(stages) and stages[stage + 1][0] <= day:
            stage += 1
        terms = stages[stage][1]
        state = standing(history, day, terms, spans)
        if views:  # (few measures name parties)
            state = with_parties(state, day, terms, views)
        if state is None:
            continue
        valid_to = days[index + 1] if index + 1 < len(days) else None
        if found and found[-1].valid_to == day and found[-1].state == state:
            found[-1] = Segment(found[-1].valid_from, valid_to, state)
        else:
            found.append(Segment(day, valid_to, state))
    return found

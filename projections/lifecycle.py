"""Where a measure stands on a valid date (docs/time.md §3), and the dates where that changes."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, NamedTuple

from domain.vocabulary import Level, level_of
from projections.history import MeasureHistory

Status = Literal["in_force", "suspended", "announced", "reported"]
#: Statuses that count towards a flow's level.
COUNTING: frozenset[str] = frozenset({"in_force"})


class MeasureOnDate(NamedTuple):
    """A measure as it stands on one valid date: its status and the terms then in effect."""

    slug: str
    status: Status
    terms: dict[str, Any]
    suspended_until: date | None = None
    suspension_document: str | None = None

    @property
    def level(self) -> Level:
        """The level the measure sets on its flows while in force."""
        return level_of(self.terms["kind"], self.terms.get("end_users"))

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(self.terms["items"])

    def scope(self) -> list[tuple[str, str]]:
        """The (exporter, importer) pairs the measure applies to."""
        return scope_of(self.terms)

    def summary(self) -> dict[str, Any]:
        """The measure as listed on a flow (docs/output.md §2)."""
        terms = self.terms
        summary: dict[str, Any] = {
            "measure": self.slug,
            "status": self.status,
            "kind": terms["kind"],
            "level": self.level.name,
            "issuer": terms["issuer"],
            "direction": terms.get("direction", "export"),
            "certainty": terms.get("certainty", "in_force"),
            "announced_on": terms["announced_on"],
            "effective_on": terms["effective_on"],
            "until": terms.get("until"),
            "end_users": terms.get("end_users"),
            "title": terms.get("title"),
            "document": terms.get("document"),
            "sources": terms.get("sources") or [],
        }
        if self.status == "suspended":
            summary["suspended_until"] = _iso(self.suspended_until)
            summary["suspension_document"] = self.suspension_document
        return summary


def scope_of(terms: dict[str, Any]) -> list[tuple[str, str]]:
    """The (exporter, importer) pairs a measure's terms apply to."""
    issuer = terms["issuer"]
    if terms.get("direction", "export") == "import":
        return [(origin, issuer) for origin in terms.get("origins") or ()]
    return [(issuer, destination) for destination in terms.get("destinations") or ()]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def terms_on(history: MeasureHistory, day: date) -> dict[str, Any]:
    """The measure's terms on `day`: corrected terms, then amendments in force by then."""
    terms = history.terms
    for effective_on, _, changes in history.amendments:
        if effective_on > day:
            break
        terms = {**terms, **changes}
    return terms


class Terms(NamedTuple):
    """Terms in effect, with the dates that place them in valid time already parsed."""

    terms: dict[str, Any]
    effective_on: date
    shown_from: date
    sunset: date | None

    @classmethod
    def of(cls, terms: dict[str, Any]) -> Terms:
        effective_on = date.fromisoformat(terms["effective_on"])
        shown_from = min(date.fromisoformat(terms["announced_on"]), effective_on)
        return cls(terms, effective_on, shown_from, _date(terms.get("until")))


def terms_stages(history: MeasureHistory) -> list[tuple[date, Terms]]:
    """The terms in effect from each amendment's date on, in date order."""
    stages: list[tuple[date, Terms]] = [(date.min, Terms.of(history.terms))]
    terms = history.terms
    for effective_on, _, changes in history.amendments:
        terms = {**terms, **changes}
        if stages[-1][0] == effective_on:
            stages.pop()  # amendments on the same date: only their sum is ever in effect
        stages.append((effective_on, Terms.of(terms)))
    return stages


Span = tuple[date, date | None, str | None]


def measure_on(history: MeasureHistory, day: date) -> MeasureOnDate | None:
    """The measure on valid date `day`, or None when it is not shown then."""
    if history.retracted:
        return None
    return standing(history, day, Terms.of(terms_on(history, day)), suspension_spans(history))


def standing(
    history: MeasureHistory, day: date, terms: Terms, spans: list[Span]
) -> MeasureOnDate | None:
    """The measure on `day` under `terms` (those in effect that day), or None when it is not
    shown then."""
    if day < terms.shown_from or (history.lifted_on and day >= history.lifted_on):
        return None
    if terms.sunset and day >= terms.sunset:
        return None
    if terms.terms.get("certainty") == "reported":
        return MeasureOnDate(history.slug, "reported", terms.terms)
    covering = [span for span in spans if span[0] <= day and (span[1] is None or day < span[1])]
    if covering:
        # Suspended before taking effect counts as suspended, not pending (No. 57 of 2025).
        # The latest suspension to start speaks for it: valid time, not recording order.
        latest = max(covering, key=lambda span: span[0])
        return MeasureOnDate(
            history.slug, "suspended", terms.terms, _resumes_on(spans, day), latest[2]
        )
    if day < terms.effective_on:
        return MeasureOnDate(history.slug, "announced", terms.terms)
    return MeasureOnDate(history.slug, "in_force", terms.terms)


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
    days: set[date] = {day for day, _, _ in history.amendments}
    for terms in [history.terms, *(changes for _, _, changes in history.amendments)]:
        for name in ("announced_on", "effective_on", "until"):
            if terms.get(name):
                days.add(date.fromisoformat(terms[name]))
    for start, end, _ in spans:
        days.add(start)
        if end:
            days.add(end)
    days.update(history.resumptions)
    if history.lifted_on:
        days.add(history.lifted_on)
    return sorted(days)


class Cause(NamedTuple):
    """Why a measure's standing on a flow changes on a date, and the document that says so."""

    kind: str  # announced, took_effect, suspended, resumed, suspension_ended, amended, ...
    document: str | None


def cause_on(history: MeasureHistory, day: date, before: str, after: str) -> Cause:
    """The record behind a measure's change from status `before` to `after` on `day` (each
    `none` where the measure is not shown): the follow-up that makes that change, else the
    measure's own dates."""
    taking_effect = {
        kind: document for kind, effective_on, document in history.follow_ups if effective_on == day
    }
    terms = terms_on(history, day)
    if after == "suspended" and before != "suspended":
        if "measure_suspended" in taking_effect:
            return Cause("suspended", taking_effect["measure_suspended"])
    elif before == "suspended" and after != "suspended":
        if "measure_resumed" in taking_effect:
            return Cause("resumed", taking_effect["measure_resumed"])
        if "measure_lifted" in taking_effect:
            return Cause("lifted", taking_effect["measure_lifted"])
        ended = [suspension for suspension in history.suspensions if suspension.until == day]
        if ended:
            return Cause("suspension_ended", ended[-1].document)
    elif after == "none":
        if "measure_lifted" in taking_effect:
            return Cause("lifted", taking_effect["measure_lifted"])
        if terms.get("until") == day.isoformat():
            return Cause("expired", terms.get("document"))
    if "measure_amended" in taking_effect:
        return Cause("amended", taking_effect["measure_amended"])
    if after == "in_force" and terms["effective_on"] == day.isoformat():
        return Cause("took_effect", terms.get("document"))
    if before == "none" and terms["announced_on"] == day.isoformat():
        return Cause("announced", terms.get("document"))
    return Cause("measure", terms.get("document"))


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
    days = change_dates(history, spans)
    stages = terms_stages(history)
    stage = 0  # the days ascend, so the terms in effect only move forward
    for index, day in enumerate(days):
        while stage + 1 < len(stages) and stages[stage + 1][0] <= day:
            stage += 1
        state = standing(history, day, stages[stage][1], spans)
        if state is None:
            continue
        valid_to = days[index + 1] if index + 1 < len(days) else None
        if found and found[-1].valid_to == day and found[-1].state == state:
            found[-1] = Segment(found[-1].valid_from, valid_to, state)
        else:
            found.append(Segment(day, valid_to, state))
    return found

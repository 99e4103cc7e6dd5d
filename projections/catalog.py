"""Finding records (DESIGN §12): every measure and action with the records about it, folded
from the log as known at a position; what `search` lists and `show` finds by document."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from domain.vocabulary import WORLDWIDE
from projections.flows import FlowQuery
from projections.history import MeasureHistory
from projections.lifecycle import measure_on

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.events import RecordedEvent

#: Subject types `search --type` takes (groups and parties come with their own records).
SUBJECT_TYPES = ("measure", "action")


class Logged(NamedTuple):
    """One record of the log: its position and the event it became."""

    position: int
    event: RecordedEvent

    @property
    def record(self) -> dict[str, Any]:
        return self.event.to_record()


@dataclass
class Subject:
    """A measure or an action, with every record about it in log order."""

    type: str  # "measure" or "action"
    slug: str
    records: list[Logged] = field(default_factory=list)
    history: MeasureHistory | None = None  # a measure's, as recorded

    @property
    def first(self) -> dict[str, Any]:
        return self.records[0].record

    @property
    def terms(self) -> dict[str, Any]:
        """A measure's terms after corrections, or an action's record."""
        return self.history.terms if self.history is not None else self.first

    def stages(self) -> list[dict[str, Any]]:
        """Every set of terms the measure has had (corrected, then each amendment)."""
        if self.history is None:
            return [self.first]
        stages, terms = [self.history.terms], self.history.terms
        for _, _, changes in self.history.amendments:
            terms = {**terms, **changes}
            stages.append(terms)
        return stages

    def status_on(self, day: date) -> str:
        """Where the subject stands on `day`, in words a search row can show."""
        if self.history is None:
            return "occurred" if self.first["occurred_on"] <= day.isoformat() else "not yet"
        if self.history.retracted:
            return "retracted"
        state = measure_on(self.history, day)
        if state is not None:
            return state.status
        if self.history.lifted_on is not None and day >= self.history.lifted_on:
            return "lifted"
        shown_from = min(self.terms["announced_on"], self.terms["effective_on"])
        return "not yet announced" if day.isoformat() < shown_from else "expired"


@dataclass(frozen=True)
class Hit:
    """One row of a search: a record about a subject, and where the subject stands."""

    type: str
    id: str
    record: str  # the record type that matched
    position: int
    issuer: str
    kind: str
    date: str | None  # announced (a measure), occurred (an action), or the follow-up's date
    status: str
    document: str | None
    title: str | None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "record": self.record,
                "position": self.position, "issuer": self.issuer, "kind": self.kind,
                "date": self.date, "status": self.status, "document": self.document,
                "title": self.title}


@dataclass(frozen=True)
class SearchQuery:
    """What `search` asks for: text, and the filters that narrow it (DESIGN §12)."""

    on: date
    text: str | None = None
    issuer: str | None = None
    kinds: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    flows: FlowQuery = field(default_factory=FlowQuery)


class Catalog:
    """Every measure and action as recorded up to some position."""

    def __init__(self, log: Iterable[tuple[int, RecordedEvent]]) -> None:
        self.subjects: dict[tuple[str, str], Subject] = {}
        for position, event in log:
            facts: Any = event
            key = (("action", facts.action) if event.record_type == "action_taken"
                   else ("measure", facts.measure))
            subject = self.subjects.get(key)
            if subject is None:
                subject = self.subjects[key] = Subject(*key)
            subject.records.append(Logged(position, event))
            if event.record_type == "measure_imposed":
                subject.history = MeasureHistory.begin(facts)
            elif subject.history is not None:
                subject.history.apply(facts)

    def search(self, query: SearchQuery) -> list[Hit]:
        """The records matching the query's text (one row each), or without text one row per
        subject; narrowed by the filters, in date order."""
        hits = [hit for subject in self.subjects.values() if _narrowed(subject, query)
                for hit in _hits(subject, query)]
        return sorted(hits, key=lambda hit: (hit.date or "", hit.type, hit.id, hit.position))

    def kinds(self) -> set[str]:
        """Every kind a measure or an action has had."""
        return {stage["kind"] for subject in self.subjects.values()
                for stage in subject.stages()}

    def documents(self, text: str) -> dict[str, list[tuple[Subject, Logged]]]:
        """The documents whose name contains `text` (case-insensitive), each with the records
        that carry it; a document named exactly `text` stands alone."""
        needle = text.casefold()
        found: dict[str, list[tuple[Subject, Logged]]] = {}
        for subject in self.subjects.values():
            for logged in subject.records:
                document = logged.record.get("document")
                if isinstance(document, str) and needle in document.casefold():
                    found.setdefault(document, []).append((subject, logged))
        exact = {document: records for document, records in found.items()
                 if document.casefold() == needle}
        return exact or found

    def responders(self, slug: str) -> list[tuple[Subject, Logged]]:
        """The records that respond to `slug` (their `responds_to` names it), in log order."""
        found = [(subject, logged) for subject in self.subjects.values()
                 for logged in subject.records
                 if slug in (logged.record.get("responds_to") or ())]
        return sorted(found, key=lambda pair: pair[1].position)

    def cited(self, slugs: Iterable[str]) -> list[Subject]:
        """The actions the named measures' records respond to, by date."""
        wanted: set[str] = set()
        for slug in slugs:
            subject = self.subjects.get(("measure", slug))
            for logged in subject.records if subject else ():
                wanted.update(logged.record.get("responds_to") or ())
        actions = [self.subjects[("action", slug)] for slug in wanted
                   if ("action", slug) in self.subjects]
        return sorted(actions, key=lambda action: (action.first["occurred_on"], action.slug))


_TEXT_FIELDS = ("title", "document", "notes", "reason")


def _text_of(subject: Subject, record: dict[str, Any]) -> Iterator[str]:
    yield subject.slug
    for name in _TEXT_FIELDS:
        if isinstance(record.get(name), str):
            yield record[name]
    for source in record.get("sources") or ():
        yield source["title"]
    fields = record.get("fields")  # a correction's new terms
    if isinstance(fields, dict):
        yield from (fields[name] for name in _TEXT_FIELDS if isinstance(fields.get(name), str))


def _hits(subject: Subject, query: SearchQuery) -> Iterator[Hit]:
    terms = subject.terms
    records = subject.records
    if query.text is not None:
        needle = query.text.casefold()
        records = [logged for logged in records
                   if any(needle in text.casefold() for text in _text_of(subject,
                                                                          logged.record))]
    else:
        records = records[:1]
    status = subject.status_on(query.on)
    for logged in records:
        record = logged.record
        opening = logged is subject.records[0]
        day = (record.get("effective_on") if not opening and subject.type == "measure"
               else terms.get("announced_on") or terms.get("occurred_on"))
        document = record.get("document") if not opening else terms.get("document")
        yield Hit(subject.type, subject.slug, record["type"], logged.position,
                  terms["issuer"], terms["kind"], day, status, document, terms.get("title"))


def _narrowed(subject: Subject, query: SearchQuery) -> bool:
    """Whether the subject passes every filter (any of its stages may match)."""
    terms = subject.terms
    if query.types and subject.type not in query.types:
        return False
    if query.issuer is not None and terms["issuer"] != query.issuer:
        return False
    stages = subject.stages()
    if query.kinds and not any(stage["kind"] in query.kinds for stage in stages):
        return False
    flows = query.flows
    if subject.type == "action":
        return (not flows.items and flows.exporter in (None, terms["issuer"])
                and (flows.importer is None or flows.importer in (terms.get("counterparts")
                                                                  or ())))
    return any(_covers(stage, flows) for stage in stages)


def _covers(terms: dict[str, Any], flows: FlowQuery) -> bool:
    """Whether one stage of a measure's terms applies to any of the asked flows."""
    if flows.items and not set(flows.items) & set(terms["items"]):
        return False
    issuer = terms["issuer"]
    if terms.get("direction", "export") == "import":
        own, others, asked_own, asked_other = issuer, terms.get("origins") or (), \
            flows.importer, flows.exporter
    else:
        own, others, asked_own, asked_other = issuer, terms.get("destinations") or (), \
            flows.exporter, flows.importer
    if asked_own is not None and asked_own != own:
        return False
    return asked_other is None or asked_other in others or WORLDWIDE in others


def logged_events(app: Regimes, until: int, page: int = 1000) -> Iterator[tuple[int, Any]]:
    """The log up to position `until`, as (position, event), a page at a time."""
    start = 1
    while start <= until:
        notifications = app.recorder.select_notifications(start=start, limit=page, stop=until)
        for notification in notifications:
            yield notification.id, app.mapper.to_domain_event(notification)
        if len(notifications) < page:
            return
        start = notifications[-1].id + 1

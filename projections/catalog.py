"""Finding records (docs/output.md §5-§6): every measure and action with the records about it,
folded from the log as known at a position; what `search` lists and `show` finds by document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from domain.hs import hs_match
from domain.vocabulary import is_group
from projections.flows import FlowQuery
from projections.groups import GroupStanding, standing
from projections.history import MeasureHistory
from projections.knowledge import published_by
from projections.lifecycle import measure_on

if TYPE_CHECKING:
    from eventsourcing.persistence import Notification

    from domain.action import Action
    from domain.application import Regimes
    from domain.events import RecordedEvent
    from domain.group import Group
    from domain.party import Party
    from domain.terms import Terms


class Logged(NamedTuple):
    """One record of the log: its position and the event it became."""

    position: int
    event: RecordedEvent

    @property
    def record(self) -> dict[str, Any]:
        return self.event.to_record()


class Listing(NamedTuple):
    """What a search row shows of a subject on a date: for a measure, its terms then."""

    issuer: str | None  # None: a group without one; a party's country
    kind: str
    day: date | None  # announced (a measure), occurred (an action), first effective (a group)
    document: str | None
    title: str | None


@dataclass
class Subject:
    """A measure, an action or a country group, with every record about it in log order."""

    type: str  # "measure", "action", "group" or "party"
    slug: str  # a group's with its `@`
    records: list[Logged] = field(default_factory=list)
    history: MeasureHistory | None = None  # a measure's, as recorded
    action: Action.Taken | None = None  # an action's one record
    named_by: int = 0  # a party's: how many measures have named it

    @property
    def issuer(self) -> str | None:
        if self.history is not None:
            return self.history.terms.corrected.issuer
        if self.type == "group":
            return self._group.issuer
        if self.type == "party":
            return str(self.party["country"])
        return self._action.issuer

    @cached_property
    def party(self) -> dict[str, Any]:
        """What a party's records say now."""
        from domain.party import described

        return described([cast("Party.Event", logged.event) for logged in self.records])

    @cached_property
    def _group(self) -> GroupStanding:
        return standing(
            self.slug[1:], [cast("Group.Event", logged.event) for logged in self.records]
        )

    def places(self) -> set[str]:
        """Every country a group has had as a member (none for a measure or an action)."""
        if self.type != "group":
            return set()
        return {membership.country for membership in self._group.memberships}

    def stages(self) -> list[Terms]:
        """Every set of terms the measure has had (corrected, then after each amendment)."""
        return [terms for _, terms in self.history.terms.stages] if self.history else []

    def kinds(self) -> list[str]:
        """Every kind the measure has had, or the action's (a group has none)."""
        if self.type in ("group", "party"):
            return []
        if self.history is None:
            return [self._action.kind]
        return [terms.kind for terms in self.stages()]

    def listing_on(self, day: date) -> Listing:
        """The subject as a search row shows it on `day`."""
        if self.type == "group":
            first = cast("Group.Event", self.records[0].event)
            group = self._group
            return Listing(group.issuer, "group", first.effective_on, first.document, group.title)
        if self.type == "party":
            party = self.party
            return Listing(party["country"], "party", None, None, party["name"])
        if self.history is None:
            action = self._action
            return Listing(action.issuer, action.kind, action.occurred_on, None, action.title)
        terms = self.history.terms.on(day)
        return Listing(terms.issuer, terms.kind, terms.announced_on, terms.document, terms.title)

    def status_on(self, day: date) -> str:
        """Where the subject stands on `day`, in words a search row can show."""
        if self.type == "group":
            count = len(self._group.members_on(day))
            return f"{count} member{'s' * (count != 1)}"
        if self.type == "party":
            return f"named by {self.named_by} measure{'s' * (self.named_by != 1)}"
        if self.history is None:
            return "occurred" if self._action.occurred_on <= day else "not yet"
        if self.history.retracted:
            return "retracted"
        state = measure_on(self.history, day)
        if state is not None:
            return state.status
        if self.history.lifted_on is not None and day >= self.history.lifted_on:
            return "lifted"
        return "not yet announced" if day < self.history.terms.corrected.shown_from else "expired"

    @property
    def _action(self) -> Action.Taken:
        if self.action is None:
            raise ValueError(f"measure {self.slug!r} has no record imposing it")
        return self.action


@dataclass(frozen=True)
class Hit:
    """One row of a search: a record about a subject, and where the subject stands."""

    type: str
    id: str
    record: str  # the record type that matched
    position: int
    issuer: str | None
    kind: str
    date: str | None  # announced (a measure), occurred (an action), or the follow-up's date
    status: str
    document: str | None
    title: str | None
    #: With `--hs`: how the measure's codes cover the code asked (docs/output.md §5).
    hs_match: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "type": self.type,
            "id": self.id,
            "record": self.record,
            "position": self.position,
            "issuer": self.issuer,
            "kind": self.kind,
            "date": self.date,
            "status": self.status,
            "document": self.document,
            "title": self.title,
        }
        if self.hs_match is not None:
            found["hs_match"] = self.hs_match
        return found


@dataclass(frozen=True)
class SearchQuery:
    """What `search` asks for: text, and the filters that narrow it (docs/output.md §5)."""

    on: date
    text: str | None = None
    issuer: str | None = None
    kinds: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    flows: FlowQuery = field(default_factory=FlowQuery)
    #: An HS code (2 to 10 digits): only the measures whose codes match it, either way.
    hs: str | None = None


class Catalog:
    """Every measure and action as recorded up to some position."""

    def __init__(self, log: Iterable[tuple[int, RecordedEvent]]) -> None:
        # The event classes come with the decoded log: not imported with this module, which
        # every query process loads, searching or not.
        from domain.action import Action
        from domain.group import Group
        from domain.measure import Measure
        from domain.party import Party

        self.subjects: dict[tuple[str, str], Subject] = {}
        for position, event in log:
            if isinstance(event, Action.Taken):
                key = ("action", event.action)
            elif isinstance(event, Measure.Event):
                key = ("measure", event.measure)
            elif isinstance(event, Group.Event):
                key = ("group", f"@{event.group}")
            elif isinstance(event, Party.Event):
                key = ("party", event.party)
            else:
                continue
            subject = self.subjects.get(key)
            if subject is None:
                subject = self.subjects[key] = Subject(*key)
            subject.records.append(Logged(position, event))
            if isinstance(event, Action.Taken):
                subject.action = event
            elif isinstance(event, Measure.Imposed):
                subject.history = MeasureHistory.begin(event)
            elif isinstance(event, Measure.Event) and subject.history is not None:
                subject.history.apply(event)
        for subject in self.subjects.values():  # the measures naming each party
            if subject.history is not None and not subject.history.retracted:
                named = {p for terms in subject.stages() for p in terms.parties or ()}
                for party in named:
                    if ("party", party) in self.subjects:
                        self.subjects[("party", party)].named_by += 1

    def search(self, query: SearchQuery) -> list[Hit]:
        """The records matching the query's text (one row each), or without text one row per
        subject; narrowed by the filters, in date order."""
        ever = {
            subject.slug: subject.places()
            for subject in self.subjects.values()
            if subject.type == "group"
        }
        names = self._party_names() if query.text is not None else {}
        hits = [
            hit
            for subject in self.subjects.values()
            if _narrowed(subject, query, ever)
            for hit in _hits(subject, query, names)
        ]
        return sorted(hits, key=lambda hit: (hit.date or "", hit.type, hit.id, hit.position))

    def _party_names(self) -> dict[str, list[str]]:
        """Every name and alias each party has had, by slug: a measure naming a party is
        found by the party's names (docs/output.md §5)."""
        names: dict[str, list[str]] = {}
        for (kind, slug), subject in self.subjects.items():
            if kind == "party":
                names[slug] = [
                    text
                    for logged in subject.records
                    for given in (logged.record, logged.record.get("fields") or {})
                    for text in (given.get("name"), *(given.get("aliases") or ()))
                    if isinstance(text, str)
                ]
        return names

    def names_hs(self, code: str) -> bool:
        """Whether any measure's terms, at any stage, have codes matching `code`."""
        return any(
            hs_match(terms.hs_codes, code)
            for subject in self.subjects.values()
            for terms in subject.stages()
        )

    def kinds(self) -> set[str]:
        """Every kind a measure or an action has had."""
        return {kind for subject in self.subjects.values() for kind in subject.kinds()}

    def documents(self, text: str) -> dict[str, list[tuple[Subject, Logged]]]:
        """The documents whose name contains `text` (case-insensitive), each with the records
        that carry it; a document named exactly `text` stands alone."""
        needle = text.casefold()
        found: dict[str, list[tuple[Subject, Logged]]] = {}
        for subject in self.subjects.values():
            for logged in subject.records:
                document = _document_of(logged.record)
                if document is not None and needle in document.casefold():
                    found.setdefault(document, []).append((subject, logged))
        exact = {
            document: records
            for document, records in found.items()
            if document.casefold() == needle
        }
        return exact or found

    def responders(self, slug: str) -> list[tuple[Subject, Logged]]:
        """The records that respond to `slug` (their `responds_to` names it), in log order."""
        found = [
            (subject, logged)
            for subject in self.subjects.values()
            for logged in subject.records
            if slug in (logged.record.get("responds_to") or ())
        ]
        return sorted(found, key=lambda pair: pair[1].position)


_TEXT_FIELDS = ("title", "document", "notes", "reason", "name")


def _text_of(
    subject: Subject, record: dict[str, Any], party_names: Mapping[str, list[str]]
) -> Iterator[str]:
    yield subject.slug
    for name in _TEXT_FIELDS:
        if isinstance(record.get(name), str):
            yield record[name]
    for source in record.get("sources") or ():
        yield source["title"]
    fields = record.get("fields")  # a correction's new terms
    for found in (record, fields if isinstance(fields, dict) else {}):
        yield from found.get("control_codes") or ()  # a measure's list numbers
        yield from found.get("aliases") or ()  # a party's other names and ids
        yield from (found.get("identifiers") or {}).values()
    if isinstance(fields, dict):
        yield from (fields[name] for name in _TEXT_FIELDS if isinstance(fields.get(name), str))
    for found in (record, fields if isinstance(fields, dict) else {}):
        for party in found.get("parties") or ():  # a list's parties, by their names
            yield from party_names.get(party, ())


def _hits(
    subject: Subject, query: SearchQuery, party_names: Mapping[str, list[str]]
) -> Iterator[Hit]:
    listing = subject.listing_on(query.on)
    records = subject.records
    if query.text is not None:
        needle = query.text.casefold()
        records = [
            logged
            for logged in records
            if any(
                needle in text.casefold() for text in _text_of(subject, logged.record, party_names)
            )
        ]
    else:
        records = records[:1]
    status = subject.status_on(query.on)
    matched = None
    if query.hs is not None:  # the widest cover any of the measure's terms has given
        covers = {hs_match(terms.hs_codes, query.hs) for terms in subject.stages()}
        matched = {"code": query.hs, "coverage": "all" if "all" in covers else "part"}
    for logged in records:
        record = logged.record
        if logged is subject.records[0]:
            day = listing.day.isoformat() if listing.day else None
            document = listing.document
        else:  # a follow-up's own date; a correction's or retraction's publication date
            day = (
                record.get("effective_on")
                or record.get("published_on")
                or logged.event.timestamp.date().isoformat()
            )
            document = _document_of(record)
            if document is None and record["type"] in ("measure_corrected", "measure_retracted"):
                document = listing.document  # a revision of the measure's own record
        yield Hit(
            subject.type,
            subject.slug,
            record["type"],
            logged.position,
            listing.issuer,
            listing.kind,
            day,
            status,
            document,
            listing.title,
            matched,
        )


def _document_of(record: dict[str, Any]) -> str | None:
    """The document a record carries, or the one a correction gives its measure."""
    document = record.get("document")
    if document is None and isinstance(record.get("fields"), dict):
        document = record["fields"].get("document")
    return document if isinstance(document, str) else None


def _narrowed(subject: Subject, query: SearchQuery, ever: Mapping[str, set[str]]) -> bool:
    """Whether the subject passes every filter (any of its stages may match)."""
    if query.types and subject.type not in query.types:
        return False
    if query.issuer is not None and subject.issuer != query.issuer:
        return False
    if query.kinds and not any(kind in query.kinds for kind in subject.kinds()):
        return False
    if query.hs is not None and not any(
        hs_match(terms.hs_codes, query.hs) for terms in subject.stages()
    ):
        return False
    flows = query.flows
    if subject.type == "party":  # countries asked about: the parties of any of them
        asked = {flows.exporter, flows.importer} - {None}
        return not flows.items and (not asked or subject.issuer in asked)
    if subject.type == "group":  # a country asked about: the groups it has belonged to
        asked = {flows.exporter, flows.importer} - {None}
        return not flows.items and all(
            country in subject.places() or country == subject.slug for country in asked
        )
    if subject.action is not None:
        action = subject.action
        return (
            not flows.items
            and flows.exporter in (None, action.issuer)
            and (flows.importer is None or flows.importer in (action.counterparts or ()))
        )
    return any(_covers(terms, flows, ever) for terms in subject.stages())


def _covers(terms: Terms, flows: FlowQuery, ever: Mapping[str, set[str]]) -> bool:
    """Whether one stage of a measure's terms applies to any of the asked flows, by the rule
    the answers use (`FlowQuery.resolve`), a group reaching the countries it `ever` had as
    members (on some date: a search is not about one)."""
    return any(
        flow is not None
        and all(
            place == country or not is_group(place) or country in ever.get(place, ())
            for place, country in zip(scope, flow, strict=True)
        )
        for item in terms.items
        for scope in terms.scope()
        for flow in (flows.resolve(item, *scope),)
    )


def read_catalog(
    app: Regimes, until: int, mentioning: Mention | None = None, known: date | None = None
) -> Catalog:
    """Every measure and action recorded up to position `until` and published by day `known`
    (None: every one); with `mentioning`, only those with a record whose stored bytes it
    accepts (a first pass over the raw log, so that only they are decoded)."""
    if mentioning is None:
        return Catalog(published_by(_decoded(app, _notifications(app, until)), known))
    matched = [
        notification
        for notification in _notifications(app, until)
        if mentioning(notification.state)
    ]
    wanted = {notification.originator_id for notification in matched}
    # A list is found by its parties' names (which its own records do not hold): the
    # records naming a matched party are wanted too.
    parties = [
        slug_in(cast("Party.Event", app.mapper.to_domain_event(notification)).party)
        for notification in matched
        if ":Party." in notification.topic
    ]
    if parties:
        wanted |= {
            notification.originator_id
            for notification in _notifications(app, until)
            if any(named(notification.state) for named in parties)
        }
    return Catalog(
        published_by(
            _decoded(
                app,
                (
                    notification
                    for notification in _notifications(app, until)
                    if notification.originator_id in wanted
                ),
            ),
            known,
        )
    )


#: A test on a record's stored bytes that every record of interest passes.
Mention = Callable[[bytes], bool]


def text_in(text: str) -> Mention | None:
    """A byte test that every record whose text contains `text` (case-insensitive) passes,
    or None where bytes cannot tell: text with quotes, backslashes or controls (escaped in
    the stored JSON) or beyond ASCII (case rules beyond ASCII)."""
    if not text.isascii() or not text.isprintable() or '"' in text or "\\" in text:
        return None
    needle = text.lower().encode()
    return lambda state: needle in state.lower()


def slug_in(slug: str) -> Mention:
    """A byte test that every record naming `slug` (as an id or in `responds_to`) passes."""
    needle = f'"{slug}"'.encode()
    return lambda state: needle in state


def _notifications(app: Regimes, until: int, page: int = 1000) -> Iterator[Notification]:
    start = 1
    while start <= until:
        notifications = app.recorder.select_notifications(start=start, limit=page, stop=until)
        yield from notifications
        if len(notifications) < page:
            return
        start = notifications[-1].id + 1


def _decoded(
    app: Regimes, notifications: Iterable[Notification]
) -> Iterator[tuple[int, RecordedEvent]]:
    for notification in notifications:
        yield notification.id, cast("RecordedEvent", app.mapper.to_domain_event(notification))

"""For any history: fold == replayed view == incrementally caught-up view (docs/projections.md §6).

Histories are random measures with random follow-ups, and a country group `@g` whose
membership changes (measures name it as a destination, an origin, an `except` entry or an
issuer), appended in several batches, each batch at its own record time; records the
application rejects (state rules) are left out, so every history is one the store accepts.
Answers are compared as the JSON flows of docs/output.md §2.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import product
from typing import Any, cast
from unittest.mock import patch

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.application import Regimes
from domain.errors import BatchRejected
from domain.events import RecordedEvent
from domain.vocabulary import MEASURE_KINDS
from projections.answers import Knowledge
from projections.flows import FlowQuery
from projections.fold import regimes_as_of
from projections.knowledge import MeasureKnowledge
from projections.lifecycle import measure_on
from projections.pieces import NOTHING, Belief, belief, revise
from projections.queries import RegimeReader
from store.locations import parse_store
from store.log import open_application
from tests.samples import RECORDED_AT, batch, follow_up, imposed

Record = dict[str, Any]
Flows = list[dict[str, Any]]

ITEMS = ("Dy", "Tb", "Ga", "graphite")
ISSUERS = ("CN", "US", "@g")
PLACES = ("*", "JP", "US", "CN", "@g", "@g")  # the group drawn more often
GROUP = "@g"
MEMBERS = ("JP", "KR", "US", "CN")
PARTIES = ("p1", "p2", "p3")
#: HS codes measures carry, and codes asked about: prefixes either way, and none.
HS_CODES = ("2805", "280530", "2805301910", "811292")
HS_ASKED = ("28", "2805", "280530", "2805301910", "8112", "7202")
CERTAINTIES = ("in_force", "de_facto", "reported")
FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2026, 12, 31)
ONE_DAY = timedelta(days=1)
BATCH_INTERVAL = timedelta(hours=1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

#: Examples per property and way of keeping scopes: a handful in the README's quick run
#: (three each, six histories a property: they were half of its time at six each); `.ci/run`
#: runs them again with many more (REGIMES_PROPERTY_EXAMPLES=60) beside the slow tests.
EXAMPLES = int(os.environ.get("REGIMES_PROPERTY_EXAMPLES", "3"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


# -- strategies -------------------------------------------------------------------------------

days = st.dates(FIRST_DAY, LAST_DAY)
item_lists = st.lists(st.sampled_from(ITEMS), min_size=1, max_size=3, unique=True)
end_users = st.sampled_from((None, "military"))
flow_queries = st.builds(
    FlowQuery,
    st.lists(st.sampled_from(ITEMS), max_size=2, unique=True).map(tuple),
    st.sampled_from((None, "CN", "JP", "US", "KR", GROUP)),
    st.sampled_from((None, "CN", "JP", "US", "KR", "KR", GROUP)),
    st.just(()),
    st.sampled_from((None, None, *PARTIES)),
    st.sampled_from((None, None, *HS_ASKED)),
)  # KR: a country only `*`, `except` and the group name


def later(day: date, most: int) -> st.SearchStrategy[date]:
    """A day 1 to `most` days after `day`."""
    return st.integers(1, most).map(lambda n: day + n * ONE_DAY)


@st.composite
def impositions(draw: st.DrawFn, slug: str) -> Record:
    """A `measure_imposed` of any kind, direction, certainty and dates."""
    issuer = draw(st.sampled_from(ISSUERS))
    places = draw(
        st.lists(
            st.sampled_from([place for place in PLACES if place != issuer]),
            min_size=1,
            max_size=2,
            unique=True,
        )
    )
    direction = draw(st.sampled_from(("export", "import")))
    scope: Record = (
        {"destinations": places}
        if direction == "export"
        else {"destinations": None, "origins": places}
    )
    effective_on = draw(days)
    until = draw(st.none() | later(effective_on, 500))
    published = draw(st.none() | days)
    if published is not None:
        scope["published_on"] = published.isoformat()
    left_out = [place for place in ("JP", "KR", GROUP) if place != issuer and place not in places]
    leave_out: bool = bool(left_out) and draw(st.booleans())
    if leave_out:
        scope["except"] = [draw(st.sampled_from(left_out))]
    if draw(st.integers(0, 2)) == 0:  # an entity list
        scope["parties"] = draw(party_lists)
    if draw(st.booleans()):
        scope["hs_codes"] = draw(hs_lists)
    return imposed(
        slug,
        issuer=issuer,
        direction=direction,
        kind=draw(st.sampled_from(MEASURE_KINDS)),
        items=draw(item_lists),
        announced_on=draw(days).isoformat(),
        effective_on=effective_on.isoformat(),
        until=until.isoformat() if until else None,
        certainty=draw(st.sampled_from(CERTAINTIES)),
        end_users=draw(end_users),
        **scope,
    )


party_lists = st.lists(st.sampled_from(PARTIES), min_size=1, max_size=3, unique=True)
hs_lists = st.lists(st.sampled_from(HS_CODES), min_size=1, max_size=2, unique=True)

AMENDABLE: dict[str, st.SearchStrategy[Any]] = {
    "parties": party_lists,
    "items": item_lists,
    "kind": st.sampled_from(MEASURE_KINDS),
    "certainty": st.sampled_from(CERTAINTIES),
    "end_users": end_users,
    "until": days.map(date.isoformat),
    "destinations": st.lists(st.sampled_from(PLACES), min_size=1, max_size=2, unique=True),
    "except": st.none() | st.lists(st.sampled_from(("KR", "JP", GROUP)), min_size=1, max_size=1),
}
CORRECTABLE: dict[str, st.SearchStrategy[Any]] = {
    **AMENDABLE,
    "announced_on": days.map(date.isoformat),
    "effective_on": days.map(date.isoformat),
    "hs_codes": hs_lists,
}
#: Retractions end a measure's story, so they are drawn less often than the rest.
FOLLOW_UP_TYPES = (
    "measure_amended",
    "measure_suspended",
    "suspended_and_resumed",
    "measure_resumed",
    "measure_lifted",
    "measure_corrected",
) * 2 + ("measure_retracted",)


@st.composite
def follow_ups(draw: st.DrawFn, slug: str) -> list[Record]:
    """A follow-up on `slug` (or a suspension and its resumption), some announced before
    they take effect, some with a publication date of their own; one that breaks a state
    rule (or is published before its measure) is left out of the history."""
    record_type = draw(st.sampled_from(FOLLOW_UP_TYPES))
    if record_type == "suspended_and_resumed":
        suspension = draw(suspensions(slug))
        resumed = draw(later(date.fromisoformat(suspension["effective_on"]), 200))
        records = [
            suspension,
            follow_up("measure_resumed", slug, effective_on=resumed.isoformat()),
        ]
    elif record_type == "measure_suspended":
        records = [draw(suspensions(slug))]
    else:
        records = [draw(single_follow_ups(slug, record_type))]
    return [draw(published(record)) for record in records]


@st.composite
def published(draw: st.DrawFn, record: Record) -> Record:
    """The record, perhaps announced some days before it takes effect, perhaps with a
    publication date of its own (any day: before, on or after its effect)."""
    effective_on = record.get("effective_on")
    if effective_on is not None and draw(st.booleans()):
        ahead = draw(st.integers(0, 60))
        record = {
            **record,
            "announced_on": (date.fromisoformat(effective_on) - ahead * ONE_DAY).isoformat(),
        }
    if draw(st.integers(0, 3)) == 0:
        record = {**record, "published_on": draw(days).isoformat()}
    return record


@st.composite
def suspensions(draw: st.DrawFn, slug: str) -> Record:
    """A `measure_suspended`, open-ended or with an `until`."""
    start = draw(days)
    until = draw(st.none() | later(start, 300))
    fields: dict[str, Any] = {"until": until.isoformat()} if until else {}
    fields |= draw(some_parties)
    return follow_up("measure_suspended", slug, effective_on=start.isoformat(), **fields)


@st.composite
def single_follow_ups(draw: st.DrawFn, slug: str, record_type: str) -> Record:
    """One follow-up record of `record_type` on `slug`."""
    if record_type == "measure_amended":
        names = draw(
            st.lists(st.sampled_from(sorted(AMENDABLE)), min_size=1, max_size=2, unique=True)
        )
        changes = {name: draw(AMENDABLE[name]) for name in names}
        return follow_up(record_type, slug, effective_on=draw(days).isoformat(), **changes)
    if record_type == "measure_corrected":
        names = draw(
            st.lists(st.sampled_from(sorted(CORRECTABLE)), min_size=1, max_size=2, unique=True)
        )
        fields = {name: draw(CORRECTABLE[name]) for name in names}
        return follow_up(record_type, slug, fields=fields, reason="we had it wrong")
    if record_type == "measure_retracted":
        return follow_up(record_type, slug, reason="recorded in error")
    return follow_up(record_type, slug, effective_on=draw(days).isoformat(), **draw(some_parties))


#: A suspension, resumption or lifting for everyone, or for some named parties only (left
#: out of the history where the measure does not name them then).
some_parties: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.just({}), party_lists.map(lambda parties: {"parties": parties})
)


def interleave(sequences: Sequence[Sequence[Record]], order: Sequence[int]) -> list[Record]:
    """The sequences merged, taking the next record of sequence `n` for each `n` in `order`."""
    nexts = [iter(sequence) for sequence in sequences]
    return [next(nexts[n]) for n in order]


def tokens(sequences: Sequence[Sequence[Record]]) -> list[int]:
    return [n for n, sequence in enumerate(sequences) for _ in sequence]


def split(records: Sequence[Record], cuts: Sequence[bool]) -> list[list[Record]]:
    """Records in batches: a new batch starts after each record whose cut is True."""
    batches: list[list[Record]] = [[]]
    for record, cut in zip(records, cuts, strict=True):
        batches[-1].append(record)
        if cut:
            batches.append([])
    return [records for records in batches if records]


@st.composite
def batched(draw: st.DrawFn, sequences: Sequence[Sequence[Record]]) -> list[list[Record]]:
    """The measures' records interleaved in any order that keeps each measure's own order,
    cut into batches."""
    order = draw(st.permutations(tokens(sequences)))
    records = interleave(sequences, order)
    cuts = draw(st.lists(st.booleans(), min_size=len(records), max_size=len(records)))
    return split(records, cuts)


#: The named parties measures may list, identified with the group, first.
IDENTIFIED: list[Record] = [
    {
        "type": "party_identified",
        "party": party,
        "name": f"Party {party}",
        "country": "JP",
        "sources": [{"title": "List"}],
    }
    for party in PARTIES
]


@st.composite
def group_records(draw: st.DrawFn) -> list[Record]:
    """`@g` defined, then changed and perhaps defined again (a correcting snapshot), each
    perhaps announced or published on a day of its own; a change that removes a country that
    is no member is rejected, and left out."""
    members = draw(st.lists(st.sampled_from(MEMBERS), min_size=1, max_size=3, unique=True))
    first: Record = {
        "type": "group_defined",
        "group": "g",
        "title": "A group",
        "members": members,
        # early, so that its members overlap the measures naming it
        "effective_on": draw(st.dates(FIRST_DAY, date(2024, 6, 30))).isoformat(),
        "document": "Group order 1",
        "sources": [{"title": "Gazette"}],
    }
    records = [first]
    for n in range(draw(st.integers(0, 3))):
        countries = draw(st.lists(st.sampled_from(MEMBERS), min_size=1, max_size=2, unique=True))
        record: Record = {
            "type": draw(st.sampled_from(("group_changed", "group_changed", "group_defined"))),
            "group": "g",
            "effective_on": draw(days).isoformat(),
            "document": f"Group order {n + 2}",
            "sources": [{"title": "Gazette"}],
        }
        if record["type"] == "group_defined":
            record |= {"title": "A group", "members": countries}
        else:
            record[draw(st.sampled_from(("added", "removed")))] = countries
        records.append(record)
    return [draw(published(record)) for record in records]


@st.composite
def histories(draw: st.DrawFn) -> list[list[Record]]:
    """`@g` defined first, then 1-4 measures with 0-5 follow-ups each (a suspension with its
    resumption counting as one) and the group's changes, in batches."""
    count = draw(st.integers(1, 4))
    group = draw(group_records())
    defined, changes = group[0], group[1:]
    sequences = [changes] + [
        [
            draw(impositions(f"m{n}")),
            *(
                record
                for records in draw(st.lists(follow_ups(f"m{n}"), max_size=5))
                for record in records
            ),
        ]
        for n in range(count)
    ]
    batches = draw(batched(sequences))
    return [[defined, *IDENTIFIED], *batches]


# -- recording and asking ---------------------------------------------------------------------


@dataclass
class Recorded:
    """What a store accepted: each batch's records, record time and last position after it."""

    batches: list[list[Record]] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    def moments(self) -> list[tuple[datetime, int]]:
        """Record times to ask at, each with the last position known then."""
        moments = [(self.times[0] - BATCH_INTERVAL / 2, 0)]
        for at, position in zip(self.times, self.positions, strict=True):
            moments += [(at, position), (at + BATCH_INTERVAL / 2, position)]
        return moments

    def by_measure(self) -> list[list[Record]]:
        """The accepted records of the group, then of each measure, in the order they were
        recorded."""
        sequences: dict[str, list[Record]] = {}
        for records in self.batches:
            for record in records:
                subject = record.get("measure") or record.get("group") or record["party"]
                sequences.setdefault(subject, []).append(record)
        return list(sequences.values())


@contextmanager
def opened(store: str) -> Iterator[tuple[Regimes, RegimeReader]]:
    """The application on a store URL and a reader of it, closed afterwards."""
    app = open_application(parse_store(store))
    reader = RegimeReader(app)
    try:
        yield app, reader
    finally:
        reader.close()
        app.close()


def popo_store() -> AbstractContextManager[tuple[Regimes, RegimeReader]]:
    """A fresh in-memory store and a reader of it (its view in a private in-memory SQLite)."""
    return opened("memory:")


def accepted(app: Regimes, records: Sequence[Record], recorded_at: datetime) -> list[Record]:
    """The records the store accepts when appended together, dropping any it rejects."""
    kept: list[Record] = []
    for record in records:
        try:
            app.append(batch(*kept, record), recorded_at, dry_run=True)
        except BatchRejected:
            continue
        kept.append(record)
    return kept


def record_batch(app: Regimes, records: Sequence[Record], recorded: Recorded) -> None:
    """Appends one batch at the next record time and notes where the log then ends."""
    at = RECORDED_AT + len(recorded.times) * BATCH_INTERVAL
    app.append(batch(*records), at)
    recorded.batches.append(list(records))
    recorded.times.append(at)
    recorded.positions.append(app.last_position())


def record_history(
    app: Regimes, batches: Sequence[Sequence[Record]], after_each: RegimeReader | None = None
) -> Recorded:
    """Appends each batch, without the records it rejects; asks `after_each` after each one."""
    recorded = Recorded()
    for records in batches:
        kept = accepted(app, records, RECORDED_AT + len(recorded.times) * BATCH_INTERVAL)
        if kept:
            record_batch(app, kept, recorded)
            if after_each is not None:
                after_each.as_of(date(2025, 6, 1), FlowQuery())
    return recorded


def logged_events(app: Regimes) -> list[tuple[int, RecordedEvent]]:
    """The whole log as (position, event) pairs, the input of the pure fold."""
    return [
        (notification.id, cast(RecordedEvent, app.mapper.to_domain_event(notification)))
        for notification in app.recorder.select_notifications(start=1, limit=10**6)
    ]


def folded(
    log: Sequence[tuple[int, RecordedEvent]],
    day: date,
    query: FlowQuery,
    position: int | None = None,
    known: date | None = None,
) -> Flows:
    return [flow.to_json() for flow in regimes_as_of(log, day, query, position, known)]


def viewed(
    reader: RegimeReader,
    day: date,
    query: FlowQuery,
    recorded_at: datetime | None = None,
    known: date | None = None,
) -> Flows:
    flows: Flows = reader.as_of(day, query, Knowledge(known, recorded_at)).to_json()["flows"]
    return flows


def published_days(log: Sequence[tuple[int, RecordedEvent]]) -> list[date]:
    """Every publication date of the log's records, with the days either side: where what
    was known changes."""
    return sorted(
        {
            day + shift * ONE_DAY
            for _, event in log
            for day in (event.publication(),)
            if day != date.min  # a party's: passes every day
            for shift in (-1, 0, 1)
        }
    )


def knowns_to_check(
    data: st.DataObject, log: Sequence[tuple[int, RecordedEvent]]
) -> list[date | None]:
    """No publication filter, some of the days what was known changes, and any day."""
    drawn = data.draw(
        st.lists(st.sampled_from(published_days(log)) | days, min_size=1, max_size=4, unique=True),
        label="known at",
    )
    return [None, *drawn]


def days_named(batches: Sequence[Sequence[Record]]) -> list[date]:
    """Every date the records name, with the days either side: where answers change."""
    found: set[date] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            day = date.fromisoformat(value)
            found.update({day - ONE_DAY, day, day + ONE_DAY})
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk([list(records) for records in batches])
    return sorted(found)


def days_to_check(data: st.DataObject, recorded: Recorded) -> list[date]:
    """A few of the days the history names, and a few any days."""
    named = days_named(recorded.batches)
    return data.draw(
        st.lists(st.sampled_from(named) | days, min_size=1, max_size=8, unique=True), label="days"
    )


def queries_to_check(data: st.DataObject) -> list[FlowQuery]:
    everything = FlowQuery()
    drawn = data.draw(st.lists(flow_queries, min_size=1, max_size=2), label="queries")
    return [everything, *drawn]


# -- properties -------------------------------------------------------------------------------

#: The view's two ways of keeping a scope (`projections.tables.SPREAD_UP_TO`): as it does
#: (the histories' scopes are small: spread out, one row per item and place), and with every
#: scope kept as a large one is (its items and its places apart).
LAYOUTS = pytest.mark.parametrize("layout", ["spread", "apart"])


@contextmanager
def scopes_kept(layout: str) -> Iterator[None]:
    """The view keeps scopes as `layout` says while the block runs."""
    if layout == "spread":
        yield
        return
    with patch("projections.tables.SPREAD_UP_TO", 0):
        yield


@LAYOUTS
@PROPERTY_SETTINGS
@given(history=histories(), data=st.data())
def test_the_view_answers_as_the_fold_on_any_date_known_at_any_day_at_any_record_time(
    layout: str, history: list[list[Record]], data: st.DataObject
) -> None:
    """view == fold for any valid date D, any publication day K and any record time T:
    corrections published later than recorded, follow-ups published before they take
    effect, measures published after they took effect."""
    with scopes_kept(layout), popo_store() as (app, reader):
        recorded = record_history(app, history)
        log = logged_events(app)
        checks = list(product(days_to_check(data, recorded), queries_to_check(data)))
        knowns = knowns_to_check(data, log)
        for (recorded_at, position), known in product(recorded.moments(), knowns):
            for day, query in checks:
                answer = reader.as_of(day, query, Knowledge(known, recorded_at))
                assert answer.position == position
                assert answer.to_json()["flows"] == folded(log, day, query, position, known)
        for (day, query), known in product(checks, knowns):
            assert viewed(reader, day, query, known=known) == folded(log, day, query, None, known)


@LAYOUTS
@PROPERTY_SETTINGS
@given(history=histories(), data=st.data())
def test_a_replayed_view_gives_the_same_answers_and_verifies_against_the_live_one(
    layout: str, history: list[list[Record]], data: st.DataObject
) -> None:
    with scopes_kept(layout), popo_store() as (app, reader):
        recorded = record_history(app, history)
        log = logged_events(app)
        checks = list(product(days_to_check(data, recorded), queries_to_check(data)))
        moments = recorded.moments()
        knowns = knowns_to_check(data, log)

        def answers() -> list[Flows]:
            return [
                viewed(reader, day, query, recorded_at, known)
                for (recorded_at, _), (day, query), known in product(moments, checks, knowns)
            ]

        before = answers()
        assert before == [
            folded(log, day, query, position, known)
            for (_, position), (day, query), known in product(moments, checks, knowns)
        ]
        report = reader.replay()
        assert report.position == recorded.positions[-1]
        assert answers() == before
        assert reader.replay(verify=True).verified is True
        assert answers() == before
        partly = data.draw(st.sampled_from(recorded.positions), label="replay until")
        assert reader.replay(until=partly, verify=True).position == partly
        assert answers() == before


@LAYOUTS
@PROPERTY_SETTINGS
@given(history=histories(), data=st.data())
def test_a_view_caught_up_after_every_batch_equals_one_built_in_one_go(
    layout: str, history: list[list[Record]], data: st.DataObject
) -> None:
    with (
        scopes_kept(layout),
        popo_store() as (app, incremental),
        popo_store() as (copy, in_one_go),
    ):
        recorded = record_history(app, history, after_each=incremental)
        copied = Recorded()
        for records in recorded.batches:
            record_batch(copy, records, copied)
        assert (copied.times, copied.positions) == (recorded.times, recorded.positions)
        log = logged_events(app)
        checks = list(product(days_to_check(data, recorded), queries_to_check(data)))
        knowns = knowns_to_check(data, log)
        for (recorded_at, position), (day, query), known in product(
            recorded.moments(), checks, knowns
        ):
            expected = folded(log, day, query, position, known)
            assert viewed(in_one_go, day, query, recorded_at, known) == expected
            assert viewed(incremental, day, query, recorded_at, known) == expected
        assert incremental.replay(verify=True).verified is True


@PROPERTY_SETTINGS
@given(history=histories(), data=st.data())
def test_recording_measures_in_another_order_gives_the_same_valid_time_answers(
    history: list[list[Record]], data: st.DataObject
) -> None:
    with popo_store() as (app, reader), popo_store() as (reordered_app, reordered_reader):
        recorded = record_history(app, history)
        reordered = Recorded()
        sequences = recorded.by_measure()  # the group and the parties first: measures name them
        named = len(PARTIES) + 1
        first, measures = [r for s in sequences[:named] for r in s], sequences[named:]
        for records in [first, *data.draw(batched(measures), label="reordered batches")]:
            record_batch(reordered_app, records, reordered)
        log, reordered_log = logged_events(app), logged_events(reordered_app)
        assert len(reordered_log) == len(log)
        for day, query in product(days_to_check(data, recorded), queries_to_check(data)):
            expected = folded(log, day, query)
            assert folded(reordered_log, day, query) == expected
            assert viewed(reordered_reader, day, query) == expected
            assert viewed(reader, day, query) == expected


def _rows(believed: Belief) -> frozenset[Any]:
    return frozenset(span.row() for span in believed.spans.values())


@PROPERTY_SETTINGS
@given(history=histories())
def test_revising_piece_by_piece_changes_exactly_the_rows_that_differ(
    history: list[list[Record]],
) -> None:
    """Each event's change (only changed segments rendered) is the whole set difference of
    the measure's rows before and after it, and the sweep of segments agrees with
    `measure_on` on every day it names."""
    with popo_store() as (app, _):
        record_history(app, history)
        log = logged_events(app)
    histories_: dict[str, tuple[MeasureKnowledge, Belief]] = {}
    pieces: Belief
    for position, event in log:
        facts = cast(Any, event)
        if not event.record_type.startswith("measure_"):
            continue
        if event.record_type == "measure_imposed":
            measure, pieces = MeasureKnowledge.begin(facts), NOTHING
        else:
            measure, pieces = histories_[facts.measure]
            measure.apply(facts)
        rows_before = _rows(pieces)
        pieces, change = revise(measure, position, pieces)
        rows_after = _rows(belief(measure))
        assert _rows(pieces) == rows_after
        assert change.closed == rows_before - rows_after
        assert change.opened == rows_after - rows_before
        assert {row[4] for row in change.opened} <= change.states.keys()
        assert {row[5] for row in change.opened} <= change.scopes.keys()
        for (_, known), cut in zip(measure.cuts, pieces.cuts, strict=True):
            for piece in cut:
                assert piece.segment.state == measure_on(known, piece.segment.valid_from)
                # the typed summary prints exactly the bytes the view stores
                assert orjson.dumps(piece.segment.state.summary().to_json()) == piece.summary
        histories_[facts.measure] = (measure, pieces)


def view_rows(reader: RegimeReader) -> list[tuple[Any, ...]]:
    """Every segment of the view (believed or not), then every scope's items and places (as
    written), in a stable order."""
    generation, _ = reader.view.standing()
    sql = reader.view.sql(generation)
    with reader.view.transaction(commit=False) as c:
        c.execute(f"SELECT * FROM {sql.rows}")
        segments = sorted(tuple(row) for row in c.fetchall())
        c.execute(f"SELECT * FROM {sql.flows}")
        flows = sorted(tuple(row) for row in c.fetchall())
        c.execute(f"SELECT * FROM {sql.items}")
        items = flows + sorted(tuple(row) for row in c.fetchall())
        c.execute(f"SELECT * FROM {sql.places}")
        return segments + items + sorted(tuple(row) for row in c.fetchall())


@PROPERTY_SETTINGS
@given(history=histories(), data=st.data())
def test_a_membership_change_touches_no_row_of_the_measures_that_name_the_group(
    history: list[list[Record]], data: st.DataObject
) -> None:
    """Rows keep the group as written: a change of its members rewrites none of them, and
    the answers after it are still the fold's."""
    with popo_store() as (app, reader):
        recorded = record_history(app, history)
        reader.as_of(FIRST_DAY, FlowQuery())  # the view caught up
        before = view_rows(reader)
        change = {
            "type": "group_changed",
            "group": "g",
            "effective_on": data.draw(days, label="change on").isoformat(),
            "added": data.draw(st.lists(st.sampled_from(MEMBERS), min_size=1, unique=True)),
            "document": "Group order of the test",
            "sources": [{"title": "Gazette"}],
        }
        at = RECORDED_AT + len(recorded.times) * BATCH_INTERVAL
        if not accepted(app, [change], at):
            return
        record_batch(app, [change], recorded)
        log = logged_events(app)
        for day, query in product(days_to_check(data, recorded), queries_to_check(data)):
            assert viewed(reader, day, query) == folded(log, day, query)
        assert view_rows(reader) == before

"""Named parties and entity lists (docs/time.md §6): a measure naming parties applies to them
only; follow-ups for some of them; finding a party by name; and the references the append
refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.application import Regimes
from domain.errors import BatchRejected
from projections.answers import NO_FILTER, Knowledge
from projections.flows import FlowQuery
from projections.parties import AmbiguousParty
from projections.queries import RegimeReader
from tests.samples import RECORDED_AT, batch, follow_up, imposed

Record = dict[str, Any]
LATER = datetime(2026, 3, 1, tzinfo=UTC)


def identified(party: str, name: str, **fields: Any) -> Record:
    return {
        "type": "party_identified",
        "party": party,
        "name": name,
        "country": "JP",
        "sources": [{"title": "MOFCOM list"}],
        **fields,
    }


PARTIES = [
    identified(
        "mhi-shipbuilding", "Mitsubishi Shipbuilding Co., Ltd.", aliases=["MHI Shipbuilding"]
    ),
    identified("subaru", "SUBARU Corporation", aliases=["SUBARU"]),
    identified("kawasaki", "Kawasaki Heavy Industries, Ltd."),
]
#: The Export Control List: a ban on every good to the listed parties.
LISTED = imposed(
    "ecl",
    kind="export_ban",
    items=["*"],
    destinations=["JP"],
    parties=["mhi-shipbuilding", "kawasaki"],
    announced_on="2026-02-24",
    effective_on="2026-02-24",
    document="MOFCOM Announcement No. 11 of 2026",
)
#: A general licence requirement on Dy, for every buyer.
GENERAL = imposed("general", items=["Dy"], destinations=["*"])


def flow(
    app: Regimes, day: str, party: str | None = None, knowledge: Knowledge = NO_FILTER
) -> dict[str, Any]:
    """Dy CN → JP on `day` for `party`: the level, each measure's list and status."""
    reader = RegimeReader(app)
    answer = reader.as_of(
        date.fromisoformat(day),
        FlowQuery(("Dy",), "CN", "JP", party=reader.party_named(party) if party else None),
        knowledge,
    )
    [found] = answer.to_json()["flows"]
    listed = {"level": found["level"]}
    for name in ("in_force", "suspended", "pending", "named_parties"):
        for summary in found[name]:
            listed[summary["measure"]] = name
    return listed


#: Dy CN → JP on 2026-03-01 for each buyer.
LISTED_TABLE: dict[str | None, dict[str, Any]] = {
    None: {"level": "licence_required", "general": "in_force", "ecl": "named_parties"},
    "mhi-shipbuilding": {"level": "ban", "general": "in_force", "ecl": "in_force"},
    "MHI Shipbuilding": {"level": "ban", "general": "in_force", "ecl": "in_force"},
    "mitsubishi shipbuilding co., ltd.": {"level": "ban", "general": "in_force", "ecl": "in_force"},
    "subaru": {"level": "licence_required", "general": "in_force"},
}


@pytest.mark.parametrize(("party", "expected"), LISTED_TABLE.items(), ids=str)
def test_a_listed_party_is_banned_an_unlisted_buyer_is_not(
    sqlite_app: Regimes, party: str | None, expected: dict[str, Any]
) -> None:
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED), RECORDED_AT)
    assert flow(sqlite_app, "2026-03-01", party) == expected


def test_a_party_on_no_list_is_answered_with_a_warning(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    for asked in ("subaru", "Nobody Ltd."):
        answer = reader.as_of(
            date(2026, 3, 1), FlowQuery(("Dy",), "CN", "JP", party=reader.party_named(asked))
        )
        assert answer.known.warnings == [
            f"{reader.party_named(asked)!r} is not on any list in this store — not being "
            "listed is not clearance"
        ]
    listed = reader.as_of(date(2026, 3, 1), FlowQuery(("Dy",), "CN", "JP", party="kawasaki"))
    assert listed.known.warnings == []


#: A suspension for MHI Shipbuilding only, from 2026-06-01 until 2026-09-01.
SUSPENDED_FOR_ONE = follow_up(
    "measure_suspended",
    "ecl",
    effective_on="2026-06-01",
    until="2026-09-01",
    parties=["mhi-shipbuilding"],
    document="MOFCOM Announcement No. 20 of 2026",
)


@pytest.mark.parametrize(
    ("day", "party", "expected"),
    [
        ("2026-05-31", "mhi-shipbuilding", "ban"),
        ("2026-06-01", "mhi-shipbuilding", "licence_required"),  # suspended for it
        ("2026-06-01", "kawasaki", "ban"),  # still listed
        ("2026-08-31", "mhi-shipbuilding", "licence_required"),
        ("2026-09-01", "mhi-shipbuilding", "ban"),  # the suspension's until
        ("2026-09-01", "kawasaki", "ban"),
    ],
)
def test_a_suspension_for_one_party_leaves_the_others_listed(
    sqlite_app: Regimes, day: str, party: str, expected: str
) -> None:
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED, SUSPENDED_FOR_ONE), RECORDED_AT)
    assert flow(sqlite_app, day, party)["level"] == expected


def test_the_suspended_party_sees_the_measure_suspended_with_its_document(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED, SUSPENDED_FOR_ONE), RECORDED_AT)
    answer = RegimeReader(sqlite_app).as_of(
        date(2026, 7, 1), FlowQuery(("Dy",), "CN", "JP", party="mhi-shipbuilding")
    )
    [found] = answer.to_json()["flows"]
    [suspended] = found["suspended"]
    assert (
        suspended["measure"],
        suspended["suspended_until"],
        suspended["suspension_document"],
    ) == (
        "ecl",
        "2026-09-01",
        "MOFCOM Announcement No. 20 of 2026",
    )


def test_an_amendment_adds_and_removes_parties_from_its_date(sqlite_app: Regimes) -> None:
    amended = follow_up(
        "measure_amended", "ecl", effective_on="2026-05-01", parties=["subaru", "kawasaki"]
    )
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED, amended), RECORDED_AT)
    assert flow(sqlite_app, "2026-04-01", "subaru")["level"] == "licence_required"
    assert flow(sqlite_app, "2026-05-01", "subaru")["level"] == "ban"
    assert flow(sqlite_app, "2026-04-01", "mhi-shipbuilding")["level"] == "ban"
    assert flow(sqlite_app, "2026-05-01", "mhi-shipbuilding")["level"] == "licence_required"


def test_a_delisting_ends_the_measure_for_that_party_only(sqlite_app: Regimes) -> None:
    delisted = follow_up("measure_lifted", "ecl", effective_on="2026-05-01", parties=["kawasaki"])
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED, delisted), RECORDED_AT)
    assert flow(sqlite_app, "2026-05-01", "kawasaki")["level"] == "licence_required"
    assert flow(sqlite_app, "2026-05-01", "mhi-shipbuilding")["level"] == "ban"


def test_a_party_corrected_is_found_by_its_new_name_from_then_on(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    assert reader.party_named("Kawasaki Heavy Industries, Ltd.") == "kawasaki"
    assert reader.party_named("KHI") == "KHI"  # no party has it: asked as given
    fixed = {
        "type": "party_corrected",
        "party": "kawasaki",
        "fields": {"aliases": ["KHI"]},
        "reason": "the name in the list",
    }
    sqlite_app.append(batch(fixed), LATER)
    assert reader.party_named("khi") == "kawasaki"
    assert flow(sqlite_app, "2026-03-01", "KHI")["level"] == "ban"


def test_a_name_several_parties_have_is_refused_with_the_candidates(sqlite_app: Regimes) -> None:
    twin = identified("mitsubishi-shipbuilding-2", "MHI Shipbuilding")
    sqlite_app.append(batch(*PARTIES, twin), RECORDED_AT)
    with pytest.raises(AmbiguousParty, match="2 parties are called 'mhi shipbuilding'"):
        RegimeReader(sqlite_app).party_named("mhi shipbuilding")


def test_a_listing_not_yet_published_is_not_known(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED), RECORDED_AT)
    before = flow(sqlite_app, "2026-03-01", "mhi-shipbuilding", Knowledge(date(2026, 2, 23)))
    assert before == {"level": "licence_required", "general": "in_force"}
    known = flow(sqlite_app, "2026-03-01", "mhi-shipbuilding", Knowledge(date(2026, 2, 24)))
    assert known["level"] == "ban"


REFUSED: dict[str, tuple[list[Record], str]] = {
    "an-unknown-party": (
        [imposed(parties=["nobody"])],
        "line 1: parties: unknown party 'nobody': identify it (party_identified)",
    ),
    "a-party-listed-twice": (
        [*PARTIES, imposed(parties=["subaru", "subaru"])],
        "line 4: parties: subaru listed twice in parties",
    ),
    "a-suspension-for-a-party-the-measure-does-not-name": (
        [*PARTIES, LISTED, {**SUSPENDED_FOR_ONE, "parties": ["subaru"]}],
        "line 5: parties: measure 'ecl' does not name 'subaru' on 2026-06-01",
    ),
    "a-suspension-for-parties-of-a-measure-naming-none": (
        [*PARTIES, GENERAL, {**SUSPENDED_FOR_ONE, "measure": "general"}],
        "line 5: parties: measure 'general' names no parties: it applies to everyone",
    ),
    "a-party-with-a-publication-date": (
        [{**PARTIES[0], "published_on": "2026-01-01"}],
        "line 1: published_on: a party has no publication date: its records pass every "
        "--known-at (a listing's date is its measure's)",
    ),
    "a-party-identified-again-otherwise": (
        [*PARTIES, {**PARTIES[0], "name": "Another name"}],
        "line 4: party: party 'mhi-shipbuilding' already exists with different content; "
        "use party_corrected to change it",
    ),
    "a-correction-of-an-unknown-party": (
        [{"type": "party_corrected", "party": "x", "fields": {"name": "X"}, "reason": "r"}],
        "line 1: party: unknown party 'x': identify it first (party_identified)",
    ),
}


@pytest.mark.parametrize(("records", "message"), REFUSED.values(), ids=list(REFUSED))
def test_a_party_reference_breaking_a_rule_is_refused_and_nothing_written(
    sqlite_app: Regimes, records: list[Record], message: str
) -> None:
    with pytest.raises(BatchRejected) as refused:
        sqlite_app.append(batch(*records), RECORDED_AT)
    assert [str(error) for error in refused.value.errors] == [message]
    assert sqlite_app.last_position() == 0


def test_search_finds_parties_by_name_and_alias_and_show_lists_the_measures(
    sqlite_app: Regimes,
) -> None:
    from projections.catalog import SearchQuery

    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED, SUSPENDED_FOR_ONE), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    found = reader.search(SearchQuery(date(2026, 3, 1), "Shipbuilding", types=("party",)))
    assert [(hit.id, hit.issuer, hit.status) for hit in found.hits] == [
        ("mhi-shipbuilding", "JP", "named by 1 measure")
    ]
    shown = reader.show("mhi-shipbuilding")
    assert [record.record["type"] for _, record in shown.records] == ["party_identified"]
    assert [listing["measure"] for listing in shown.listings] == ["ecl"]


def test_search_finds_a_list_by_the_names_of_the_parties_it_names(sqlite_app: Regimes) -> None:
    """DESIGN §12: a measure matches TEXT in the names of its parties (not in their sources)."""
    from projections.catalog import SearchQuery

    cited = {**PARTIES[0], "sources": [{"title": "Nikkei Asia"}]}
    sqlite_app.append(batch(cited, *PARTIES[1:], GENERAL, LISTED), RECORDED_AT)
    reader = RegimeReader(sqlite_app)

    def found(text: str) -> list[tuple[str, str]]:
        hits = reader.search(SearchQuery(date(2026, 3, 1), text)).hits
        return [(hit.type, hit.id) for hit in hits]

    assert found("shipbuilding") == [("party", "mhi-shipbuilding"), ("measure", "ecl")]
    assert found("Kawasaki Heavy") == [("party", "kawasaki"), ("measure", "ecl")]
    assert found("Nikkei") == [("party", "mhi-shipbuilding")]  # its source, not the list's


def test_a_name_corrected_matches_before_the_correction_and_the_new_one_after(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    old, new = "Kawasaki Heavy Industries, Ltd.", "Kawasaki Heavy Industries Aerospace Systems"
    assert reader.party_named(old) == "kawasaki"
    renamed = {
        "type": "party_corrected",
        "party": "kawasaki",
        "fields": {"name": new},
        "reason": "the listed unit",
    }
    sqlite_app.append(batch(renamed), LATER)
    assert reader.party_named(new.upper()) == "kawasaki"
    assert reader.party_named(old) == old  # no party is called that any more
    assert flow(sqlite_app, "2026-03-01", new)["level"] == "ban"
    assert flow(sqlite_app, "2026-03-01", old)["level"] == "licence_required"


def test_a_delisting_announced_ahead_is_scheduled_for_that_party_only(sqlite_app: Regimes) -> None:
    delisting = follow_up(
        "measure_lifted",
        "ecl",
        announced_on="2026-04-01",
        effective_on="2026-05-01",
        parties=["kawasaki"],
        document="Delisting notice",
    )
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED, delisting), RECORDED_AT)
    reader = RegimeReader(sqlite_app)

    def scheduled(party: str) -> list[Any]:
        answer = reader.as_of(date(2026, 4, 15), FlowQuery(("Dy",), "CN", "JP", party=party))
        [found] = answer.to_json()["flows"]
        [ecl] = [s for s in found["in_force"] if s["measure"] == "ecl"]
        return [(s["type"], s["effective_on"]) for s in ecl["scheduled"]]

    assert scheduled("kawasaki") == [("lifted", "2026-05-01")]
    assert scheduled("mhi-shipbuilding") == []
    timeline = reader.timeline(FlowQuery(("Dy",), "CN", "JP", party="kawasaki")).to_json()
    causes = [(c["date"], m["cause"]) for c in timeline["changes"] for m in c["measures"]]
    assert ("2026-04-01", "lifting_announced") in causes
    assert ("2026-05-01", "lifted") in causes


def test_a_party_relisted_by_an_amendment_after_its_delisting(sqlite_app: Regimes) -> None:
    delisted = follow_up("measure_lifted", "ecl", effective_on="2026-04-01", parties=["kawasaki"])
    relisted = follow_up(
        "measure_amended", "ecl", effective_on="2026-06-01", parties=["kawasaki", "subaru"]
    )
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED, delisted, relisted), RECORDED_AT)
    assert flow(sqlite_app, "2026-05-01", "kawasaki")["level"] == "licence_required"
    assert flow(sqlite_app, "2026-06-01", "kawasaki")["level"] == "ban"
    again = follow_up("measure_suspended", "ecl", effective_on="2026-05-01", parties=["kawasaki"])
    with pytest.raises(BatchRejected) as refused:
        sqlite_app.append(batch(again), LATER)
    assert [str(error) for error in refused.value.errors] == [
        "line 1: parties: 'kawasaki' was delisted from measure 'ecl' on 2026-04-01: nothing "
        "applies to it from then until an amendment lists it again"
    ]


def test_a_list_whose_parties_are_all_delisted_is_no_longer_named(sqlite_app: Regimes) -> None:
    every = follow_up(
        "measure_lifted",
        "ecl",
        effective_on="2026-04-01",
        parties=["mhi-shipbuilding", "kawasaki"],
    )
    sqlite_app.append(batch(*PARTIES, GENERAL, LISTED, every), RECORDED_AT)
    assert "ecl" in flow(sqlite_app, "2026-03-01")
    assert "ecl" not in flow(sqlite_app, "2026-04-01")

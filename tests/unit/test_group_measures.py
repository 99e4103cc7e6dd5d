"""Measures that name country groups (docs/time.md §5): a group in destinations, origins or
`except`, or as issuer, resolved onto the country asked on the day asked, as known and as
recorded; and the references the append refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.application import Regimes
from domain.errors import BatchRejected
from projections.answers import NO_FILTER, Knowledge
from projections.flows import FlowQuery
from projections.queries import RegimeReader
from tests.samples import RECORDED_AT, action, batch, follow_up, imposed
from tests.unit.test_groups import GROUP_A, KOREA_OUT, changed, defined

Record = dict[str, Any]
LATER = datetime(2026, 2, 1, tzinfo=UTC)

#: Japan's licence on equipment for every destination except its Group A.
EXCEPT_GROUP_A = imposed(
    "jp-sme",
    issuer="JP",
    items=["Ga"],
    destinations=["*"],
    announced_on="2010-01-01",
    effective_on="2010-01-01",
    document="METI ordinance",
    **{"except": ["@jp-group-a"]},
)
#: A ban on exports to Group A (to see a group as a destination).
TO_GROUP_A = imposed(
    "to-group-a",
    issuer="CN",
    kind="export_ban",
    items=["Ga"],
    destinations=["@jp-group-a"],
    announced_on="2010-01-01",
    effective_on="2010-01-01",
)


def flow(
    app: Regimes,
    day: str,
    to: str,
    exporter: str = "JP",
    knowledge: Knowledge = NO_FILTER,
    item: str = "Ga",
) -> dict[str, Any]:
    """The one flow asked about: its level, and each measure on it as (list, via, since,
    document of the membership behind it)."""
    answer = RegimeReader(app).as_of(
        date.fromisoformat(day), FlowQuery((item,), exporter, to), knowledge
    )
    [found] = answer.to_json()["flows"]
    listed: dict[str, Any] = {"level": found["level"]}
    for name in ("in_force", "suspended", "pending"):
        for summary in found[name]:
            membership = summary.get("membership") or {}
            listed[summary["measure"]] = (
                name,
                summary["via"],
                membership.get("since"),
                membership.get("document"),
            )
    for exempt in found["exempt"]:
        why = (exempt["except"], exempt["since"], exempt["document"])
        listed[exempt["measure"]] = ("exempt", *why)
    return listed


#: JP → KR under "every destination except Group A", before, while and after Korea's
#: years out of the group.
EXCEPT_TABLE: dict[str, dict[str, Any]] = {
    "2019-08-27": {
        "level": "none",
        "jp-sme": ("exempt", "@jp-group-a", "2004-01-01", "Order 2004"),
    },
    "2020-06-01": {"level": "licence_required", "jp-sme": ("in_force", "*", None, None)},
    "2023-07-20": {"level": "licence_required", "jp-sme": ("in_force", "*", None, None)},
    "2023-07-21": {
        "level": "none",
        "jp-sme": ("exempt", "@jp-group-a", "2023-07-21", "Order 2023"),
    },
}


@pytest.mark.parametrize(("day", "expected"), EXCEPT_TABLE.items(), ids=list(EXCEPT_TABLE))
def test_a_measure_to_every_destination_except_a_group_follows_the_membership(
    sqlite_app: Regimes, day: str, expected: dict[str, Any]
) -> None:
    sqlite_app.append(batch(*GROUP_A, EXCEPT_GROUP_A), RECORDED_AT)
    assert flow(sqlite_app, day, "KR") == expected


def test_a_country_never_a_member_is_covered_throughout(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*GROUP_A, EXCEPT_GROUP_A), RECORDED_AT)
    assert flow(sqlite_app, "2015-01-01", "CN")["jp-sme"] == ("in_force", "*", None, None)


#: CN → country under a ban on exports to Group A.
TO_GROUP_TABLE: dict[tuple[str, str], dict[str, Any]] = {
    ("2015-01-01", "KR"): {
        "level": "ban",
        "to-group-a": ("in_force", "@jp-group-a", "2004-01-01", "Order 2004"),
    },
    ("2020-06-01", "KR"): {"level": "none"},
    ("2024-01-01", "KR"): {
        "level": "ban",
        "to-group-a": ("in_force", "@jp-group-a", "2023-07-21", "Order 2023"),
    },
    ("2020-06-01", "US"): {
        "level": "ban",
        "to-group-a": ("in_force", "@jp-group-a", "2004-01-01", "Order 2004"),
    },
    ("2020-06-01", "FR"): {"level": "none"},
}


@pytest.mark.parametrize(
    ("asked", "expected"), TO_GROUP_TABLE.items(), ids=[" ".join(k) for k in TO_GROUP_TABLE]
)
def test_a_measure_to_a_group_covers_its_members_on_the_day(
    sqlite_app: Regimes, asked: tuple[str, str], expected: dict[str, Any]
) -> None:
    sqlite_app.append(batch(*GROUP_A, TO_GROUP_A), RECORDED_AT)
    day, country = asked
    assert flow(sqlite_app, day, country, exporter="CN") == expected


def test_the_group_as_a_whole_is_asked_with_at_g(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*GROUP_A, TO_GROUP_A, EXCEPT_GROUP_A), RECORDED_AT)
    assert flow(sqlite_app, "2020-06-01", "@jp-group-a", exporter="CN") == {
        "level": "ban",
        "to-group-a": ("in_force", "listed", None, None),
    }
    # without --to, the group measure stands on the flow whose `to` is the group
    answer = RegimeReader(sqlite_app).as_of(date(2020, 6, 1), FlowQuery(("Ga",)))
    assert {(f["from"], f["to"]) for f in answer.to_json()["flows"]} == {
        ("CN", "@jp-group-a"),
        ("JP", "*"),
    }


EU = {
    **defined(["DE", "FR", "GB"], "1995-01-01", document="Treaty"),
    "group": "eu",
    "issuer": None,
}
GB_LEAVES = {**changed("2020-02-01", removed=["GB"], document="Withdrawal"), "group": "eu"}
EU_IMPORT_DUTY = imposed(
    "eu-duty",
    issuer="@eu",
    kind="anti_dumping_duty",
    direction="import",
    destinations=None,
    origins=["*"],
    items=["Ga"],
    announced_on="2015-01-01",
    effective_on="2015-01-01",
)


@pytest.mark.parametrize(
    ("day", "exporter", "importer", "covered"),
    [
        ("2019-01-01", "CN", "GB", True),  # GB a member: it imports under the EU's duty
        ("2020-06-01", "CN", "GB", False),  # no longer
        ("2020-06-01", "CN", "DE", True),
        ("2020-06-01", "FR", "DE", False),  # a member is never covered by its own measure
        ("2020-06-01", "GB", "DE", True),  # GB, outside the group now, is
        ("2019-01-01", "GB", "DE", False),
    ],
)
def test_a_group_issuer_issues_for_each_member_and_never_covers_its_own(
    sqlite_app: Regimes, day: str, exporter: str, importer: str, covered: bool
) -> None:
    sqlite_app.append(batch(EU, GB_LEAVES, EU_IMPORT_DUTY), RECORDED_AT)
    found = flow(sqlite_app, day, importer, exporter=exporter)
    assert ("eu-duty" in found) is covered


EU_EXPORT_BAN = imposed(
    "eu-ban",
    issuer="@eu",
    kind="export_ban",
    items=["Ga"],
    destinations=["*"],
    announced_on="2015-01-01",
    effective_on="2015-01-01",
)


@pytest.mark.parametrize(
    ("day", "exporter", "importer", "covered"),
    [
        ("2019-01-01", None, "DE", False),  # a member, whoever exports: never the EU's own
        ("2019-01-01", None, "GB", False),  # GB still a member
        ("2020-06-01", None, "GB", True),  # out: the EU's exports to it are covered
        ("2020-06-01", "@eu", "FR", False),
        ("2020-06-01", "DE", "US", True),
    ],
)
def test_a_group_issuer_never_covers_its_members_even_asked_with_one_side_open(
    sqlite_app: Regimes, day: str, exporter: str | None, importer: str, covered: bool
) -> None:
    sqlite_app.append(batch(EU, GB_LEAVES, EU_EXPORT_BAN), RECORDED_AT)
    answer = RegimeReader(sqlite_app).as_of(
        date.fromisoformat(day), FlowQuery(("Ga",), exporter, importer)
    )
    listed = {s.measure for f in answer.flows for s in f.listed()}
    assert ("eu-ban" in listed) is covered


def test_a_timeline_cites_the_membership_change_of_the_flow_s_own_country(
    sqlite_app: Regimes,
) -> None:
    """The exporter joining the except group the same day is not what changed the flow."""
    h = {**defined(["KR"], "2010-01-01", document="H order 1"), "group": "h", "issuer": None}
    kr_out = {**changed("2016-01-01", removed=["KR"], document="KR out"), "group": "h"}
    jp_in = {**changed("2016-01-01", added=["JP"], document="JP in"), "group": "h"}
    measure = {**EXCEPT_GROUP_A, "measure": "m2", "except": ["@h"]}
    sqlite_app.append(batch(h, kr_out, jp_in, measure), RECORDED_AT)
    timeline = RegimeReader(sqlite_app).timeline(FlowQuery(("Ga",), "JP", "KR")).to_json()
    causes = [
        (change["date"], m["cause"], m["document"])
        for change in timeline["changes"]
        for m in change["measures"]
    ]
    assert causes == [("2016-01-01", "left_group", "KR out")]


def test_a_membership_change_is_cited_over_the_measure_s_own_record_that_day(
    sqlite_app: Regimes,
) -> None:
    amended = follow_up(
        "measure_amended",
        "to-group-a",
        effective_on="2019-08-28",
        items=["Ga", "Tb"],
        document="adds Tb",
    )
    sqlite_app.append(batch(*GROUP_A, TO_GROUP_A, amended), RECORDED_AT)
    timeline = RegimeReader(sqlite_app).timeline(FlowQuery(("Ga",), "CN", "KR")).to_json()
    causes = [
        (change["date"], m["cause"], m["document"])
        for change in timeline["changes"]
        for m in change["measures"]
    ]
    assert ("2019-08-28", "left_group", "Cabinet Order 2019") in causes


def test_a_membership_change_recorded_after_the_measures_naming_the_group(
    sqlite_app: Regimes,
) -> None:
    group, korea_back = GROUP_A[0], GROUP_A[2]
    sqlite_app.append(batch(group, korea_back, EXCEPT_GROUP_A), RECORDED_AT)
    assert flow(sqlite_app, "2020-06-01", "KR")["level"] == "none"  # not yet known to be out
    sqlite_app.append(batch(KOREA_OUT), LATER)
    assert flow(sqlite_app, "2020-06-01", "KR")["level"] == "licence_required"
    before = Knowledge(recorded_at=RECORDED_AT)
    assert flow(sqlite_app, "2020-06-01", "KR", knowledge=before)["level"] == "none"


def test_a_mistaken_snapshot_corrected_by_a_later_one(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(defined(["KR", "US", "CN"]), EXCEPT_GROUP_A), RECORDED_AT)
    sqlite_app.append(batch(defined(["KR", "US"])), LATER)  # CN was a mistake
    assert flow(sqlite_app, "2015-01-01", "CN")["level"] == "licence_required"
    believed = flow(sqlite_app, "2015-01-01", "CN", knowledge=Knowledge(recorded_at=RECORDED_AT))
    assert believed == {
        "level": "none",
        "jp-sme": ("exempt", "@jp-group-a", "2004-01-01", None),
    }


def test_a_change_not_yet_announced_is_not_known(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*GROUP_A, EXCEPT_GROUP_A), RECORDED_AT)
    before = flow(sqlite_app, "2020-06-01", "KR", knowledge=Knowledge(date(2019, 8, 1)))
    announced = flow(sqlite_app, "2020-06-01", "KR", knowledge=Knowledge(date(2019, 8, 2)))
    assert before["level"] == "none"  # announced on 2019-08-02: still in the group
    assert announced["level"] == "licence_required"


def test_a_timeline_cuts_where_the_country_leaves_and_rejoins_citing_the_records(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(*GROUP_A, EXCEPT_GROUP_A), RECORDED_AT)
    timeline = RegimeReader(sqlite_app).timeline(FlowQuery(("Ga",), "JP", "KR")).to_json()
    changes = [
        (
            change["date"],
            change["level_before"],
            change["level_after"],
            [(m["cause"], m["document"]) for m in change["measures"]],
        )
        for change in timeline["changes"]
    ]
    assert changes == [
        ("2019-08-28", "none", "licence_required", [("left_group", "Cabinet Order 2019")]),
        ("2023-07-21", "licence_required", "none", [("joined_group", "Order 2023")]),
    ]


def test_a_membership_change_rewrites_no_row_of_the_measures_naming_the_group(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(GROUP_A[0], TO_GROUP_A, EXCEPT_GROUP_A), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    reader.as_of(date(2020, 1, 1), FlowQuery())
    generation, _ = reader.view.standing()
    sql = reader.view.sql(generation)

    def view_rows() -> list[tuple[Any, ...]]:
        """The segments and the scopes (the places as written)."""
        with reader.view.transaction(commit=False) as c:
            c.execute(f"SELECT * FROM {sql.rows}")
            segments = sorted(map(tuple, c.fetchall()))
            c.execute(f"SELECT * FROM {sql.flows}")
            flows = sorted(map(tuple, c.fetchall()))
            c.execute(f"SELECT * FROM {sql.items}")
            items = flows + sorted(map(tuple, c.fetchall()))
            c.execute(f"SELECT * FROM {sql.places}")
            return segments + items + sorted(map(tuple, c.fetchall()))

    before = view_rows()
    assert any("@jp-group-a" in row for row in before)
    sqlite_app.append(batch(KOREA_OUT), LATER)
    assert reader.as_of(date(2020, 6, 1), FlowQuery(("Ga",), "CN", "KR")).position == 4
    assert flow(sqlite_app, "2020-06-01", "KR", exporter="CN") == {"level": "none"}
    assert view_rows() == before


REFUSED: dict[str, tuple[list[Record], str]] = {
    "an-unknown-group-as-destination": (
        [imposed(destinations=["@nowhere"])],
        "line 1: destinations: unknown group '@nowhere': define it (group_defined)",
    ),
    "an-unknown-group-in-except": (
        [imposed("m", **{"except": ["@nowhere"]})],
        "line 1: except: unknown group '@nowhere': define it (group_defined)",
    ),
    "an-unknown-group-as-issuer": (
        [imposed(issuer="@nowhere")],
        "line 1: issuer: unknown group '@nowhere': define it (group_defined)",
    ),
    "an-amendment-to-an-unknown-group": (
        [imposed(), follow_up("measure_amended", effective_on="2025-05-01", destinations=["@x"])],
        "line 2: destinations: unknown group '@x': define it (group_defined)",
    ),
    "a-correction-to-an-unknown-group": (
        [imposed(), follow_up("measure_corrected", fields={"except": ["@x"]}, reason="r")],
        "line 2: except: unknown group '@x': define it (group_defined)",
    ),
    "an-action-by-an-unknown-group": (
        [action(issuer="@nobody")],
        "line 1: issuer: unknown group '@nobody': define it (group_defined)",
    ),
    "an-action-towards-an-unknown-group": (
        [action(counterparts=["CN", "@nobody"])],
        "line 1: counterparts: unknown group '@nobody': define it (group_defined)",
    ),
    "every-country-in-except": (
        [imposed("m", **{"except": ["*"]})],
        "line 1: except[0]: '*' (every country) is not allowed here: give one country code",
    ),
    "a-malformed-group": (
        [imposed(destinations=["@Bad Name"])],
        "line 1: destinations[0]: '@Bad Name' is no group name: '@' and a slug (lower case, "
        "digits, '.', '-')",
    ),
}


@pytest.mark.parametrize(("records", "message"), REFUSED.values(), ids=list(REFUSED))
def test_a_measure_naming_a_group_wrongly_is_refused_and_nothing_written(
    sqlite_app: Regimes, records: list[Record], message: str
) -> None:
    with pytest.raises(BatchRejected) as refused:
        sqlite_app.append(batch(*records), RECORDED_AT)
    assert [str(error) for error in refused.value.errors] == [message]
    assert sqlite_app.last_position() == 0


def test_a_group_defined_later_in_the_same_batch_may_be_named(sqlite_app: Regimes) -> None:
    """DESIGN §4: a reference is to an id in the log or in the same batch, wherever."""
    report = sqlite_app.append(batch(TO_GROUP_A, *GROUP_A), RECORDED_AT)
    assert report.appended == 4
    assert flow(sqlite_app, "2015-01-01", "KR", exporter="CN")["level"] == "ban"


def test_a_group_may_take_an_action_and_be_its_counterpart(sqlite_app: Regimes) -> None:
    """An organisation acting as one (the WTO's dispute settlement, `@eu` in a dispute) is a
    group: an action's issuer and counterparts may name one, as a measure's places may."""
    ruling = action(
        "ruling", issuer="@jp-group-a", kind="panel_report", counterparts=["@jp-group-a"]
    )
    report = sqlite_app.append(batch(ruling, *GROUP_A), RECORDED_AT)
    assert report.appended == 4
    [logged] = [entry for entry in sqlite_app.records() if entry.record["type"] == "action_taken"]
    assert (logged.record["issuer"], logged.record["counterparts"]) == (
        "@jp-group-a",
        ["@jp-group-a"],
    )


def test_an_issuer_reached_through_its_own_destination_group_is_never_covered(
    sqlite_app: Regimes,
) -> None:
    """Not an error (docs/time.md §5): the issuer's own flows are never asked about."""
    to_group = {**TO_GROUP_A, "issuer": "US"}  # US is a member of @jp-group-a
    sqlite_app.append(batch(*GROUP_A, to_group), RECORDED_AT)
    assert flow(sqlite_app, "2015-01-01", "KR", exporter="US")["level"] == "ban"
    answer = RegimeReader(sqlite_app).as_of(date(2015, 1, 1), FlowQuery(("Ga",), None, "US"))
    assert answer.to_json()["flows"] == []


def test_a_group_no_record_mentions_is_warned_of_with_the_closest_names(
    sqlite_app: Regimes,
) -> None:
    sqlite_app.append(batch(*GROUP_A, TO_GROUP_A), RECORDED_AT)
    answer = RegimeReader(sqlite_app).as_of(date(2020, 1, 1), FlowQuery((), "CN", "@jp-grup-a"))
    assert answer.known.warnings == [
        "no record mentions group '@jp-grup-a'; did you mean '@jp-group-a'?"
    ]
    assert answer.flows == []

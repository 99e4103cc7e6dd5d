"""The bundled history's other countries (other-countries.yaml): Indonesia's ore export bans and
the WTO dispute DS592, the Myanmar border closures, the US export controls of 2022-2024 and the
US Section 232 case on critical minerals, with the answers users ask first pinned.

Each boundary is checked the day before, the day of and the day after.
"""

from __future__ import annotations

from typing import Any

import pytest

from regimes.bundled import bundled_batch
from tests.commands import answered

ORE_2014 = "id-mineral-ore-export-ban-2014"
NICKEL_2020 = "id-nickel-ore-export-ban-2020"
US_CHIPS = "us-bis-2022-10-07-advanced-computing-sme"


@pytest.fixture(scope="module")
def store(bundled_module_store: str) -> str:
    return bundled_module_store


def _flow(store: str, day: str, item: str, exporter: str, importer: str, *more: str) -> Any:
    asked = ("as-of", day, "--item", item, "--from", exporter, "--to", importer, *more)
    [flow] = answered(store, *asked)["flows"]
    return flow


def _records() -> list[Any]:
    return [
        numbered.record
        for numbered in bundled_batch().records
        if numbered.source and "other-countries" in numbered.source
    ]


PINNED = [
    # item, from, to, date, level, in force, pending
    # Indonesia, 2014: every unprocessed ore of the list, announced 11 Jan, in force 12 Jan
    ("nickel-ore", "ID", "CN", "2014-01-10", "none", [], []),
    ("nickel-ore", "ID", "CN", "2014-01-11", "none", [], [ORE_2014]),
    ("nickel-ore", "ID", "CN", "2014-01-12", "ban", [ORE_2014], []),
    ("nickel-ore", "ID", "CN", "2014-01-13", "ban", [ORE_2014], []),
    ("bauxite", "ID", "CN", "2014-01-11", "none", [], [ORE_2014]),
    ("bauxite", "ID", "CN", "2014-01-12", "ban", [ORE_2014], []),
    ("bauxite", "ID", "JP", "2014-01-13", "ban", [ORE_2014], []),
    # Indonesia, 2020: all grades of nickel ore, announced 2 Sep 2019; bauxite not in it
    ("nickel-ore", "ID", "CN", "2019-09-01", "ban", [ORE_2014], []),
    ("nickel-ore", "ID", "CN", "2019-09-02", "ban", [ORE_2014], [NICKEL_2020]),
    ("nickel-ore", "ID", "CN", "2019-09-03", "ban", [ORE_2014], [NICKEL_2020]),
    ("nickel-ore", "ID", "CN", "2019-12-31", "ban", [ORE_2014], [NICKEL_2020]),
    ("nickel-ore", "ID", "CN", "2020-01-01", "ban", [ORE_2014, NICKEL_2020], []),
    ("nickel-ore", "ID", "CN", "2020-01-02", "ban", [ORE_2014, NICKEL_2020], []),
    ("bauxite", "ID", "CN", "2020-01-01", "ban", [ORE_2014], []),
    # US, October 2022: China and Macau, in force on the day it was released
    ("advanced-computing-ics", "US", "CN", "2022-10-06", "none", [], []),
    ("advanced-computing-ics", "US", "CN", "2022-10-07", "licence_required", [US_CHIPS], []),
    ("advanced-computing-ics", "US", "CN", "2022-10-08", "licence_required", [US_CHIPS], []),
    ("advanced-computing-ics", "US", "MO", "2022-10-07", "licence_required", [US_CHIPS], []),
    ("advanced-computing-ics", "US", "JP", "2022-10-07", "none", [], []),
    ("semiconductor-manufacturing-equipment", "US", "CN", "2022-10-06", "none", [], []),
    (
        "semiconductor-manufacturing-equipment",
        "US",
        "CN",
        "2022-10-07",
        "licence_required",
        [US_CHIPS],
        [],
    ),
    # US, October 2023 update (in force 17 Nov): the level does not move
    ("advanced-computing-ics", "US", "CN", "2023-11-16", "licence_required", [US_CHIPS], []),
    ("advanced-computing-ics", "US", "CN", "2023-11-17", "licence_required", [US_CHIPS], []),
    ("advanced-computing-ics", "US", "CN", "2023-11-18", "licence_required", [US_CHIPS], []),
    # US, December 2024 package: high-bandwidth memory joins the controls on 2 Dec
    ("high-bandwidth-memory", "US", "CN", "2024-12-01", "none", [], []),
    ("high-bandwidth-memory", "US", "CN", "2024-12-02", "licence_required", [US_CHIPS], []),
    ("high-bandwidth-memory", "US", "CN", "2024-12-03", "licence_required", [US_CHIPS], []),
    ("semiconductor-software-tools", "US", "MO", "2024-12-02", "licence_required", [US_CHIPS], []),
    # The Myanmar closures are actions: no level on Myanmar's rare earths
    ("Dy", "MM", "CN", "2021-08-01", "none", [], []),
    ("Dy", "MM", "CN", "2024-12-01", "none", [], []),
]


@pytest.mark.parametrize(
    ("item", "exporter", "importer", "day", "level", "in_force", "pending"),
    PINNED,
    ids=[f"{row[0]}-{row[1]}-{row[2]}-{row[3]}" for row in PINNED],
)
def test_pinned_answers(
    store: str,
    item: str,
    exporter: str,
    importer: str,
    day: str,
    level: str,
    in_force: list[str],
    pending: list[str],
) -> None:
    flow = _flow(store, day, item, exporter, importer)
    assert flow["level"] == level
    assert [summary["measure"] for summary in flow["in_force"]] == in_force
    assert flow["suspended"] == []
    assert sorted(summary["measure"] for summary in flow["pending"]) == sorted(pending)


def test_the_october_2023_update_is_scheduled_between_its_release_and_its_effect(
    store: str,
) -> None:
    def scheduled(day: str) -> list[tuple[str, str, str]]:
        [summary] = _flow(store, day, "advanced-computing-ics", "US", "CN")["in_force"]
        return [(s["type"], s["announced_on"], s["effective_on"]) for s in summary["scheduled"]]

    assert scheduled("2023-10-16") == []
    assert scheduled("2023-10-17") == [("amended", "2023-10-17", "2023-11-17")]
    assert scheduled("2023-11-16") == [("amended", "2023-10-17", "2023-11-17")]
    assert scheduled("2023-11-17") == []


def test_what_was_known_before_the_2020_nickel_ban_was_announced(store: str) -> None:
    asked = ("2020-06-01", "nickel-ore", "ID", "CN")
    before = _flow(store, *asked, "--known-at", "2019-09-01")
    assert [summary["measure"] for summary in before["in_force"]] == [ORE_2014]
    after = _flow(store, *asked, "--known-at", "2019-09-02")
    assert [summary["measure"] for summary in after["in_force"]] == [ORE_2014, NICKEL_2020]


def test_the_nickel_ore_timeline_with_actions(store: str) -> None:
    """The bans respond to no action: the DS592 chain answers them, so `--actions` (the actions
    the flow's measures respond to) lists none; the chain is found from the ban with `show`."""
    answer = answered(
        store, "timeline", "--item", "nickel-ore", "--from", "ID", "--to", "CN", "--actions"
    )
    changes = [
        (change["date"], change["level_after"], measure["measure"], measure["after"])
        for change in answer["changes"]
        for measure in change["measures"]
    ]
    assert changes == [
        ("2014-01-11", "none", ORE_2014, "announced"),
        ("2014-01-12", "ban", ORE_2014, "in_force"),
        ("2019-09-02", "ban", NICKEL_2020, "announced"),
        ("2020-01-01", "ban", NICKEL_2020, "in_force"),
    ]
    assert answer["actions"] == []


def test_the_ds592_chain_from_the_ban_to_the_appeal(store: str) -> None:
    def answered_by(slug: str) -> list[str]:
        return [response["id"] for response in answered(store, "show", slug)["responded_to_by"]]

    assert answered_by(NICKEL_2020) == [
        "wto-ds592-consultations-2019",
        "wto-ds592-panel-report-2022",
    ]
    assert answered_by("wto-ds592-consultations-2019") == [
        "us-ds592-joins-consultations-2019",
        "wto-ds592-panel-requested-2021",
    ]
    assert answered_by("wto-ds592-panel-requested-2021") == [
        "wto-ds592-panel-establishment-deferred-2021",
        "wto-ds592-panel-established-2021",
    ]
    assert answered_by("wto-ds592-panel-established-2021") == ["wto-ds592-panel-composed-2021"]
    assert answered_by("wto-ds592-panel-composed-2021") == ["wto-ds592-panel-report-2022"]
    assert answered_by("wto-ds592-panel-report-2022") == ["id-ds592-appeal-2022"]
    found = answered(store, "search", "DS592", "--type", "action")["results"]
    assert [(hit["id"], hit["date"], hit["issuer"]) for hit in found] == [
        ("wto-ds592-consultations-2019", "2019-11-22", "@eu"),
        ("us-ds592-joins-consultations-2019", "2019-12-06", "US"),
        ("wto-ds592-panel-requested-2021", "2021-01-14", "@eu"),
        ("wto-ds592-panel-establishment-deferred-2021", "2021-01-25", "@wto"),
        ("wto-ds592-panel-established-2021", "2021-02-22", "@wto"),
        ("wto-ds592-panel-composed-2021", "2021-04-29", "@wto"),
        ("wto-ds592-panel-report-2022", "2022-11-30", "@wto"),
        ("id-ds592-appeal-2022", "2022-12-08", "ID"),
    ]


def test_the_kachin_closure_is_the_kia_s_and_published_two_days_later(store: str) -> None:
    def found(*knowledge: str) -> set[str]:
        answer = answered(store, "search", "Kachin", "--type", "action", *knowledge)
        return {hit["id"] for hit in answer["results"]}

    assert found() == {"kia-2024-border-closure-rare-earths"}
    assert found("--known-at", "2024-11-13") == set()
    assert found("--known-at", "2024-11-14") == {"kia-2024-border-closure-rare-earths"}
    [record] = answered(store, "show", "kia-2024-border-closure-rare-earths")["records"]
    assert record["record"]["issuer"] == "@kia"
    assert answered(store, "group", "@kia", "--on", "2025-01-01")["members"] == []


def test_the_section_232_case_opens_reports_and_ends_without_a_tariff(store: str) -> None:
    found = answered(store, "search", "Section 232")["results"]
    assert [(hit["id"], hit["date"]) for hit in found] == [
        ("us-sec232-processed-critical-minerals-investigation-2025", "2025-04-15"),
        ("us-sec232-processed-critical-minerals-report-2025", "2025-10-24"),
        ("us-sec232-processed-critical-minerals-proclamation-2026", "2026-01-14"),
    ]
    assert {hit["record"] for hit in found} == {"action_taken"}
    # the report's transmission is known only through the proclamation
    known = answered(store, "search", "Section 232", "--known-at", "2025-12-31")["results"]
    assert [hit["id"] for hit in known] == [
        "us-sec232-processed-critical-minerals-investigation-2025"
    ]

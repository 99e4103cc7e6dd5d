"""The bundled entity lists (issue 21): China's listings of named US (and other) firms,
2023-2025, their suspensions and liftings, pinned for the buyers the research names.

Each boundary is asked the day before, the day of and the day after, for one named party, as
level plus the measures in force, suspended and pending. Lockheed Martin's story runs across
parties.yaml (its listings) and entity-lists.yaml (the steps that did not touch it).
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from tests.commands import answered, invoke


@pytest.fixture(scope="module")
def store(bundled_module_store: str) -> str:
    return bundled_module_store


def _flow(
    store: str, day: str, item: str, exporter: str, importer: str, *more: str
) -> dict[str, Any]:
    answer = answered(
        store, "as-of", day, "--item", item, "--from", exporter, "--to", importer, *more
    )
    [flow] = answer["flows"]
    return cast(dict[str, Any], flow)


def _ids(summaries: list[dict[str, Any]]) -> list[str]:
    return sorted(summary["measure"] for summary in summaries)


#: The measures pinned, by short names (the lists of parties.yaml, then of entity-lists.yaml).
MILITARY = "cn-mofcom-2024-46-military"  # every US buyer of dual-use items, from 3 Dec 2024
UEL_2023 = "cn-uel-2023-lockheed-raytheon"
ECL_JAN = "cn-ecl-2025-01-us-entities"
UEL_JAN = "cn-uel-2025-01-us-entities"
ECL_MAR = "cn-ecl-2025-03-us-entities"
NO_21 = "cn-mofcom-2025-21"
UEL_NO_7 = "cn-uel-2025-04-us-entities"
ILLUMINA = "cn-uel-2025-03-illumina-gene-sequencers"
NO_22 = "cn-mofcom-2025-22"
UEL_NO_8 = "cn-uel-2025-04-09-us-entities"
NO_51 = "cn-mofcom-2025-51"
UEL_SEP = "cn-uel-2025-09-us-entities"
UEL_OCT = "cn-uel-2025-10-entities"
HANWHA = "cn-countermeasure-2025-10-hanwha"

#: The flow each party is asked about: item, from, to (the buyer's country, or for Illumina,
#: a seller, the importer).
FLOWS = {
    "Lockheed Martin": ("dual-use-items", "CN", "US"),
    "lockheed-martin-missiles-and-fire-control": ("dual-use-items", "CN", "US"),
    "Illumina": ("gene-sequencers", "US", "CN"),
    "Echodyne": ("dual-use-items", "CN", "US"),
    "Insitu, Inc.": ("dual-use-items", "CN", "US"),
    "Sierra Nevada Corp.": ("dual-use-items", "CN", "US"),
    "Shield AI": ("dual-use-items", "CN", "US"),
    "High Point Aerotechnologies": ("dual-use-items", "CN", "US"),
    "HII": ("dual-use-items", "CN", "US"),
    "Saronic Technologies": ("dual-use-items", "CN", "US"),
    "Dedrone": ("dual-use-items", "CN", "US"),
    "TechInsights": ("dual-use-items", "CN", "CA"),
    "AeroVironment, Inc.": ("dual-use-items", "CN", "US"),
    "Hanwha Philly Shipyard": ("dual-use-items", "CN", "US"),
}

# party, date, level, in force, suspended, pending
PINNED: list[tuple[str, str, str, list[str], list[str], list[str]]] = [
    # Lockheed Martin: the first UEL listing (16 Feb 2023) ...
    ("Lockheed Martin", "2023-02-15", "none", [], [], []),
    ("Lockheed Martin", "2023-02-16", "ban", [UEL_2023], [], []),
    ("Lockheed Martin", "2023-02-17", "ban", [UEL_2023], [], []),
    # ... then the first Export Control List (2 Jan 2025) ...
    ("Lockheed Martin", "2025-01-01", "ban", [UEL_2023, MILITARY], [], []),
    ("Lockheed Martin", "2025-01-02", "ban", [ECL_JAN, UEL_2023, MILITARY], [], []),
    ("Lockheed Martin", "2025-01-03", "ban", [ECL_JAN, UEL_2023, MILITARY], [], []),
    # ... and neither the Geneva suspensions (14 May 2025) nor the Kuala Lumpur steps
    # (10 Nov 2025) touched its listings.
    ("Lockheed Martin", "2025-05-14", "ban", [ECL_JAN, UEL_2023, MILITARY], [], []),
    ("Lockheed Martin", "2025-11-10", "ban", [ECL_JAN, UEL_2023, MILITARY], [], []),
    # Its missiles unit: on the UEL from 2 Jan 2025.
    ("lockheed-martin-missiles-and-fire-control", "2025-01-01", "end_user_ban", [MILITARY], [], []),
    ("lockheed-martin-missiles-and-fire-control", "2025-01-02", "ban", [UEL_JAN, MILITARY], [], []),
    # Illumina: the gene-sequencer ban from 4 Mar 2025 (an import ban on one seller).
    ("Illumina", "2025-03-03", "none", [], [], []),
    ("Illumina", "2025-03-04", "ban", [ILLUMINA], [], []),
    ("Illumina", "2025-03-05", "ban", [ILLUMINA], [], []),
    # Echodyne, on No. 22 only: announced 9 Apr, in force 10 Apr, suspended 14 May, lifted
    # 12 Aug 2025.
    ("Echodyne", "2025-04-08", "end_user_ban", [MILITARY], [], []),
    ("Echodyne", "2025-04-09", "end_user_ban", [MILITARY], [], [NO_22]),
    ("Echodyne", "2025-04-10", "ban", [NO_22, MILITARY], [], []),
    ("Echodyne", "2025-04-11", "ban", [NO_22, MILITARY], [], []),
    ("Echodyne", "2025-05-13", "ban", [NO_22, MILITARY], [], []),
    ("Echodyne", "2025-05-14", "end_user_ban", [MILITARY], [NO_22], []),
    ("Echodyne", "2025-05-15", "end_user_ban", [MILITARY], [NO_22], []),
    ("Echodyne", "2025-08-11", "end_user_ban", [MILITARY], [NO_22], []),
    ("Echodyne", "2025-08-12", "end_user_ban", [MILITARY], [], []),
    ("Echodyne", "2025-08-13", "end_user_ban", [MILITARY], [], []),
    # Insitu, on UEL [2025] No. 7 (parties.yaml) and No. 22: No. 22 lifted, the UEL listing
    # still suspended.
    ("Insitu, Inc.", "2025-04-09", "ban", [UEL_NO_7, MILITARY], [], [NO_22]),
    ("Insitu, Inc.", "2025-04-10", "ban", [NO_22, UEL_NO_7, MILITARY], [], []),
    ("Insitu, Inc.", "2025-05-14", "end_user_ban", [MILITARY], [NO_22, UEL_NO_7], []),
    ("Insitu, Inc.", "2025-08-12", "end_user_ban", [MILITARY], [UEL_NO_7], []),
    ("Insitu, Inc.", "2025-11-10", "end_user_ban", [MILITARY], [UEL_NO_7], []),
    # Sierra Nevada, on UEL [2025] No. 8 (9 Apr 2025), paused from 14 May with no end recorded.
    ("Sierra Nevada Corp.", "2025-04-08", "end_user_ban", [MILITARY], [], []),
    ("Sierra Nevada Corp.", "2025-04-09", "ban", [UEL_NO_8, MILITARY], [], []),
    ("Sierra Nevada Corp.", "2025-04-10", "ban", [UEL_NO_8, MILITARY], [], []),
    ("Sierra Nevada Corp.", "2025-05-13", "ban", [UEL_NO_8, MILITARY], [], []),
    ("Sierra Nevada Corp.", "2025-05-14", "end_user_ban", [MILITARY], [UEL_NO_8], []),
    ("Sierra Nevada Corp.", "2025-05-15", "end_user_ban", [MILITARY], [UEL_NO_8], []),
    # Shield AI: Export Control List from 4 Mar 2025 (lifted 10 Nov), UEL No. 8 from 9 Apr.
    ("Shield AI", "2025-04-08", "ban", [ECL_MAR, MILITARY], [], []),
    ("Shield AI", "2025-04-09", "ban", [ECL_MAR, UEL_NO_8, MILITARY], [], []),
    ("Shield AI", "2025-05-14", "ban", [ECL_MAR, MILITARY], [UEL_NO_8], []),
    ("Shield AI", "2025-11-09", "ban", [ECL_MAR, MILITARY], [UEL_NO_8], []),
    ("Shield AI", "2025-11-10", "end_user_ban", [MILITARY], [UEL_NO_8], []),
    ("Shield AI", "2025-11-11", "end_user_ban", [MILITARY], [UEL_NO_8], []),
    # High Point Aerotechnologies (No. 21): suspended from 14 May 2025 through each extension.
    ("High Point Aerotechnologies", "2025-08-12", "end_user_ban", [MILITARY], [NO_21], []),
    ("High Point Aerotechnologies", "2025-11-10", "end_user_ban", [MILITARY], [NO_21], []),
    # Huntington Ingalls Industries (No. 51) and Saronic (UEL), both 25 Sep 2025.
    ("HII", "2025-09-24", "end_user_ban", [MILITARY], [], []),
    ("HII", "2025-09-25", "ban", [NO_51, MILITARY], [], []),
    ("HII", "2025-09-26", "ban", [NO_51, MILITARY], [], []),
    ("Saronic Technologies", "2025-09-24", "end_user_ban", [MILITARY], [], []),
    ("Saronic Technologies", "2025-09-25", "ban", [UEL_SEP, MILITARY], [], []),
    ("Saronic Technologies", "2025-09-26", "ban", [UEL_SEP, MILITARY], [], []),
    # The 9 Oct 2025 UEL listing: a US and a Canadian buyer.
    ("Dedrone", "2025-10-08", "end_user_ban", [MILITARY], [], []),
    ("Dedrone", "2025-10-09", "ban", [UEL_OCT, MILITARY], [], []),
    ("Dedrone", "2025-10-10", "ban", [UEL_OCT, MILITARY], [], []),
    ("TechInsights", "2025-10-08", "none", [], [], []),
    ("TechInsights", "2025-10-09", "ban", [UEL_OCT], [], []),
    ("TechInsights", "2025-10-10", "ban", [UEL_OCT], [], []),
    # AeroVironment: its March 2025 export-control listing lifted on 10 Nov 2025, its October
    # UEL listing not.
    ("AeroVironment, Inc.", "2025-11-09", "ban", [ECL_MAR, UEL_OCT, MILITARY], [], []),
    ("AeroVironment, Inc.", "2025-11-10", "ban", [UEL_OCT, MILITARY], [], []),
    ("AeroVironment, Inc.", "2025-11-11", "ban", [UEL_OCT, MILITARY], [], []),
    # Hanwha Ocean's US subsidiaries: the countermeasures of 14 Oct 2025.
    ("Hanwha Philly Shipyard", "2025-10-13", "end_user_ban", [MILITARY], [], []),
    ("Hanwha Philly Shipyard", "2025-10-14", "ban", [HANWHA, MILITARY], [], []),
    ("Hanwha Philly Shipyard", "2025-10-15", "ban", [HANWHA, MILITARY], [], []),
]


@pytest.mark.parametrize(
    ("party", "day", "level", "in_force", "suspended", "pending"),
    PINNED,
    ids=[f"{row[0]}-{row[1]}" for row in PINNED],
)
def test_pinned_answers_for_named_parties(
    store: str,
    party: str,
    day: str,
    level: str,
    in_force: list[str],
    suspended: list[str],
    pending: list[str],
) -> None:
    item, exporter, importer = FLOWS[party]
    flow = _flow(store, day, item, exporter, importer, "--party", party)
    assert flow["level"] == level
    assert _ids(flow["in_force"]) == sorted(in_force)
    assert _ids(flow["suspended"]) == sorted(suspended)
    assert _ids(flow["pending"]) == sorted(pending)


def test_illumina_s_ban_holds_from_any_origin(store: str) -> None:
    flow = _flow(store, "2025-03-04", "gene-sequencers", "SG", "CN", "--party", "Illumina")
    assert (flow["level"], _ids(flow["in_force"])) == ("ban", [ILLUMINA])


def test_lockheed_martin_found_by_name_and_shown_with_its_listings(store: str) -> None:
    found = answered(store, "search", "--type", "party", "Lockheed")
    assert {hit["id"] for hit in found["results"]} == {
        "lockheed-martin",
        "lockheed-martin-missiles-and-fire-control",
    }
    shown = answered(store, "show", "lockheed-martin")
    assert {(entry["measure"], entry["status_today"]) for entry in shown["listed_by"]} == {
        ("cn-uel-2023-lockheed-raytheon", "in_force"),
        ("cn-ecl-2025-01-us-entities", "in_force"),
    }
    # Its firm-wide listing on every good: the flow of item `*`.
    everything = answered(
        store, "as-of", "2024-01-01", "--from", "CN", "--to", "US", "--party", "Lockheed Martin"
    )
    [star] = [flow for flow in everything["flows"] if flow["item"] == "*"]
    assert (star["level"], _ids(star["in_force"])) == ("ban", ["cn-uel-2023-lockheed-raytheon"])


def test_an_unnamed_buyer_sees_the_lists_apart_and_they_never_raise_its_level(store: str) -> None:
    flow = _flow(store, "2025-10-14", "dual-use-items", "CN", "US")
    assert flow["level"] == "end_user_ban"  # the military end-user ban alone
    counts = {entry["measure"]: entry["party_count"] for entry in flow["named_parties"]}
    assert counts["cn-uel-2025-10-entities"] == 14
    assert counts["cn-countermeasure-2025-10-hanwha"] == 5
    assert counts["cn-mofcom-2025-51"] == 3


def test_no_22_suspension_was_known_to_end_on_12_august(store: str) -> None:
    flow = _flow(
        store,
        "2025-06-01",
        "dual-use-items",
        "CN",
        "US",
        "--party",
        "echodyne",
        "--known-at",
        "2025-06-01",
    )
    [suspended] = flow["suspended"]
    assert (suspended["measure"], suspended["suspended_until"]) == (
        "cn-mofcom-2025-22",
        "2025-08-12",
    )
    # Known on 8 April, No. 22 had not been announced.
    before = _flow(
        store,
        "2025-04-10",
        "dual-use-items",
        "CN",
        "US",
        "--party",
        "echodyne",
        "--known-at",
        "2025-04-08",
    )
    assert "cn-mofcom-2025-22" not in _ids(before["in_force"]) + _ids(before["pending"])


def test_the_one_year_extension_of_no_21_is_scheduled_from_its_announcement(store: str) -> None:
    def scheduled(day: str) -> list[tuple[str, str, str]]:
        flow = _flow(
            store, day, "dual-use-items", "CN", "US", "--party", "High Point Aerotechnologies"
        )
        [no21] = flow["suspended"]
        return [(s["type"], s["announced_on"], s["effective_on"]) for s in no21["scheduled"]]

    assert scheduled("2025-11-04") == []
    assert scheduled("2025-11-05") == [("suspended", "2025-11-05", "2025-11-10")]
    assert scheduled("2025-11-10") == []


def test_pvh_is_listed_by_an_action_and_named_by_no_measure(store: str) -> None:
    """The UEL listing of 4 Feb 2025 decided no measure for PVH (in the sources read): the
    listing is an action, and a question about PVH warns that it is on no list here."""
    result = invoke(
        "--store",
        store,
        "as-of",
        "2025-03-04",
        "--from",
        "CN",
        "--to",
        "US",
        "--party",
        "PVH Corp.",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert any("not on any list" in warning for warning in json.loads(result.stdout)["warnings"])
    found = answered(store, "search", "PVH")
    assert {"cn-uel-2025-02-pvh-illumina", "pvh"} <= {hit["id"] for hit in found["results"]}

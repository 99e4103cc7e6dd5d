"""The bundled history's additions (regimes/bundled/additions.yaml): what the first edition left
out of its research, pinned on the day before, the day of and the day after each boundary.

One boundary in valid time (MOFCOM Announcement No. 68 of 2025, from 26 Oct 2025) and one in
publication time for each action the additions record (asked with `--known-at`).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from regimes.bundled import bundled_batch
from tests.commands import answered

ADDITIONS = Path(__file__).resolve().parents[2] / "regimes" / "bundled" / "additions.yaml"


@pytest.fixture(scope="module")
def store(bundled_module_store: str) -> str:
    return bundled_module_store


def test_the_additions_are_read_with_the_bundled_history_and_every_record_cites_a_url() -> None:
    batch = bundled_batch()
    assert batch.errors == []
    added = [numbered for numbered in batch.records if "additions.yaml" in str(numbered.source)]
    assert len(added) == 7
    for numbered in added:
        sources = numbered.record.sources or ()
        assert sources, f"line {numbered.line} cites no source"
        assert all(source.title and source.url for source in sources), numbered.line


PINNED = [
    ("Ag", "CN", "US", "2025-10-25", "none", []),
    ("Ag", "CN", "US", "2025-10-26", "licence_required", ["cn-mofcom-2025-68"]),
    ("Ag", "CN", "US", "2025-10-27", "licence_required", ["cn-mofcom-2025-68"]),
    ("W", "CN", "DE", "2025-10-25", "licence_required", ["cn-mofcom-2025-10"]),
    (
        "W",
        "CN",
        "DE",
        "2025-10-26",
        "licence_required",
        ["cn-mofcom-2025-10", "cn-mofcom-2025-68"],
    ),
    (
        "W",
        "CN",
        "DE",
        "2025-10-27",
        "licence_required",
        ["cn-mofcom-2025-10", "cn-mofcom-2025-68"],
    ),
    ("Sb", "CN", "JP", "2025-10-25", "licence_required", ["cn-mofcom-2024-33"]),
    (
        "Sb",
        "CN",
        "JP",
        "2025-10-26",
        "licence_required",
        ["cn-mofcom-2024-33", "cn-mofcom-2025-68"],
    ),
    (
        "Sb",
        "CN",
        "JP",
        "2025-10-27",
        "licence_required",
        ["cn-mofcom-2024-33", "cn-mofcom-2025-68"],
    ),
    # silver is on no dual-use list: the January 2026 ban on Japan's military users leaves it
    ("Ag", "CN", "JP", "2026-01-06", "licence_required", ["cn-mofcom-2025-68"]),
]


@pytest.mark.parametrize(
    ("item", "exporter", "importer", "day", "level", "in_force"),
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
) -> None:
    answer = answered(store, "as-of", day, "--item", item, "--from", exporter, "--to", importer)
    [flow] = answer["flows"]
    assert flow["level"] == level
    assert [summary["measure"] for summary in flow["in_force"]] == in_force
    assert flow["suspended"] == []
    assert flow["pending"] == []


#: Silver on 1 Nov 2025 as known at the end of a day around No. 68's publication.
KNOWN_THEN = [
    ("2025-10-25", "none", []),
    ("2025-10-26", "licence_required", ["cn-mofcom-2025-68"]),
    ("2025-10-27", "licence_required", ["cn-mofcom-2025-68"]),
]


@pytest.mark.parametrize(("known", "level", "in_force"), KNOWN_THEN, ids=[r[0] for r in KNOWN_THEN])
def test_what_the_world_knew_of_silver(
    store: str, known: str, level: str, in_force: list[str]
) -> None:
    asked = ("as-of", "2025-11-01", "--item", "Ag", "--from", "CN", "--to", "US")
    answer = answered(store, *asked, "--known-at", known)
    [flow] = answer["flows"]
    assert (flow["level"], [s["measure"] for s in flow["in_force"]]) == (level, in_force)


#: Each action added, and its publication date: unknown the day before, found that day and
#: the day after.
PUBLISHED = [
    ("jp-meti-2019-12-resist-partial-easing", "2019-12-23"),
    ("jp-2025-takaichi-declines-to-retract", "2025-11-10"),
    ("jp-2025-takaichi-on-chinese-economic-retaliation", "2025-12-09"),
    ("cn-2025-mofcom-confirms-rare-earth-general-licences", "2025-12-18"),
    ("cn-2026-rare-earth-licence-reviews-japan-halted-report", "2026-01-09"),
    ("cn-2026-rare-earth-screening-japan-more-documents-report", "2026-01-19"),
]


def _days_around(day: str) -> list[tuple[str, bool]]:
    """The day before (not yet known), the day itself and the day after (known)."""
    published = date.fromisoformat(day)
    return [
        ((published - timedelta(days=1)).isoformat(), False),
        (day, True),
        ((published + timedelta(days=1)).isoformat(), True),
    ]


_CASES = [
    (action, known, found)
    for action, published in PUBLISHED
    for known, found in _days_around(published)
]


@pytest.mark.parametrize(
    ("action", "known", "found"), _CASES, ids=[f"{c[0]}-{c[1]}" for c in _CASES]
)
def test_each_action_is_known_from_its_publication_date(
    store: str, action: str, known: str, found: bool
) -> None:
    answer = answered(store, "search", action, "--type", "action", "--known-at", known)
    assert (action in {hit["id"] for hit in answer["results"]}) is found


def test_the_reports_of_licence_reviews_respond_to_the_reported_tightening(store: str) -> None:
    shown = answered(store, "show", "cn-2026-rare-earth-licence-tightening-japan")
    responses = [
        (entry["id"], entry["record"]["occurred_on"]) for entry in shown["responded_to_by"]
    ]
    assert responses == [
        ("cn-2026-mofcom-ann1-scope-statement", "2026-01-08"),
        ("cn-2026-rare-earth-licence-reviews-japan-halted-report", "2026-01-08"),
        ("cn-2026-rare-earth-screening-japan-more-documents-report", "2026-01-18"),
    ]
    # still reported: it never raises the level of dysprosium to Japan
    [flow] = answered(store, "as-of", "2026-02-01", "-e", "Dy", "--from", "CN", "--to", "JP")[
        "flows"
    ]
    assert flow["level"] == "end_user_ban"
    assert "cn-2026-rare-earth-licence-tightening-japan" in {s["measure"] for s in flow["pending"]}


def test_the_resist_easing_of_december_2019_answers_the_three_materials_measure(store: str) -> None:
    shown = answered(store, "show", "jp-meti-2019-kr-three-materials")
    assert [entry["id"] for entry in shown["responded_to_by"]] == [
        "jp-meti-2019-12-resist-partial-easing"
    ]
    # an easing recorded as an action: resist to Korea still needs the individual licence
    answer = answered(
        store, "as-of", "2020-01-15", "--item", "photoresist", "--from", "JP", "--to", "KR"
    )
    [flow] = answer["flows"]
    assert (flow["level"], [s["measure"] for s in flow["in_force"]]) == (
        "tightened_review",
        ["jp-meti-2019-kr-three-materials"],
    )


def test_no_68_is_found_by_its_document_with_its_dates(store: str) -> None:
    shown = answered(store, "show", "No. 68 of 2025")
    [imposed] = [entry["record"] for entry in shown["records"]]
    assert imposed["measure"] == "cn-mofcom-2025-68"
    assert (imposed["announced_on"], imposed["effective_on"]) == ("2025-10-26", "2025-10-26")
    assert imposed["items"] == ["W", "Sb", "Ag"]
    assert "until" not in imposed

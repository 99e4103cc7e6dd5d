"""Measure summaries (docs/output.md §2): typed values whose JSON is exactly what the view has
always stored, so that stores written by earlier versions read back and answer the same."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from domain.vocabulary import Level
from projections.places import Memberships, place
from projections.summaries import MeasureSummary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def stored_summaries() -> list[str]:
    """Every summary the view of the 0.1.0 store holds, as its text."""
    connection = sqlite3.connect(f"file:{FIXTURES / 'store-0.1.0.db'}?mode=ro", uri=True)
    try:
        return [text for (text,) in connection.execute("SELECT summary FROM measure_states_a")]
    finally:
        connection.close()


def test_every_summary_a_0_1_0_store_holds_reads_back_and_prints_as_the_same_bytes() -> None:
    texts = stored_summaries()
    statuses = set()
    for text in texts:
        summary = MeasureSummary.from_json(orjson.loads(text))
        assert orjson.dumps(summary.to_json()).decode() == text
        statuses.add(summary.status)
    assert statuses == {"in_force", "suspended", "announced", "reported"}


SUSPENDED = MeasureSummary(
    measure="cn-mofcom-2025-55",
    status="suspended",
    kind="licence_requirement",
    level=Level.licence_required,
    issuer="CN",
    direction="export",
    certainty="in_force",
    announced_on=date(2025, 10, 9),
    effective_on=date(2025, 11, 8),
    until=None,
    end_users=None,
    title=None,
    document="MOFCOM Announcement No. 55 of 2025",
    sources=({"title": "MOFCOM", "url": None, "published_on": None}, {"title": "Reuters"}),
    suspended_until=date(2026, 11, 10),
    suspension_document="MOFCOM/GAC Announcement No. 70 of 2025",
)


def test_the_json_keeps_the_documented_order_with_via_last_on_a_flow() -> None:
    listed = SUSPENDED.listed_via("*").to_json()
    assert list(listed) == [
        "measure",
        "status",
        "kind",
        "level",
        "issuer",
        "direction",
        "certainty",
        "announced_on",
        "effective_on",
        "until",
        "end_users",
        "title",
        "document",
        "sources",
        "suspended_until",
        "suspension_document",
        "via",
    ]
    assert (listed["level"], listed["suspended_until"], listed["via"]) == (
        "licence_required",
        "2026-11-10",
        "*",
    )
    assert listed["sources"] == [
        {"title": "MOFCOM", "url": None, "published_on": None},
        {"title": "Reuters"},
    ]


@pytest.mark.parametrize(
    ("status", "keys"),
    [
        ("suspended", {"suspended_until", "suspension_document"}),
        ("in_force", set()),
        ("announced", set()),
        ("reported", set()),
    ],
)
def test_only_a_suspended_measure_says_until_when_and_why(status: Any, keys: set[str]) -> None:
    summary = SUSPENDED._replace(status=status)
    assert summary.to_json().keys() & {"suspended_until", "suspension_document"} == keys


@pytest.mark.parametrize(
    ("direction", "scope", "flow", "via"),
    [
        ("export", ("CN", "JP"), ("CN", "JP"), "listed"),
        ("export", ("CN", "*"), ("CN", "JP"), "*"),
        ("import", ("*", "US"), ("CN", "US"), "*"),
        ("import", ("CN", "US"), ("CN", "US"), "listed"),
    ],
)
def test_a_summary_on_a_flow_says_how_the_flow_s_country_is_covered(
    direction: str, scope: tuple[str, str], flow: tuple[str, str], via: str
) -> None:
    placement = place(direction, scope, (), flow, date(2025, 1, 1), Memberships.of(()))
    assert placement is not None
    assert (placement.via, placement.membership, placement.exempt) == (via, None, False)
    summary = SUSPENDED._replace(direction=direction).listed_via(placement.via)
    assert summary == SUSPENDED._replace(direction=direction, via=via)

"""A name no record mentions is answered with a warning, never a silent "none" (docs/cli.md §4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands import invoke, invoked


@pytest.fixture
def bundled(bundled_store: str) -> str:
    return bundled_store


def test_a_misspelt_item_warns_with_the_closest_names(bundled: str) -> None:
    result = invoke(
        "--store", bundled, "as-of", "2025-06-01", "--item", "graphit", "--from", "CN", "--to", "US"
    )
    assert result.exit_code == 0
    assert "none" in result.stdout
    assert (
        "regimes: warning: no record mentions item 'graphit'; did you mean 'graphite'"
        in result.stderr
    )
    answer = json.loads(
        invoked(
            "--store", bundled, "as-of", "2025-06-01", "--item", "graphit", "--format", "json"
        ).stdout
    )
    assert answer["warnings"] == ["no record mentions item 'graphit'; did you mean 'graphite'?"]


def test_a_known_item_and_a_group_with_known_members_answer_without_warnings(bundled: str) -> None:
    for filters in (("-e", "Dy"), ("-e", "REE"), ("--item", "graphite")):
        answer = json.loads(
            invoked("--store", bundled, "as-of", "2025-06-01", *filters, "--format", "json").stdout
        )
        assert answer["warnings"] == [], filters


def test_timeline_and_diff_warn_too(bundled: str) -> None:
    timeline = json.loads(
        invoked("--store", bundled, "timeline", "-e", "Os", "--format", "json").stdout
    )
    assert timeline["warnings"] == ["no record mentions item 'Os'"]
    # only the entity lists on every good land on it: listed, never raising its level
    assert {(c["level_before"], c["level_after"]) for c in timeline["changes"]} <= {
        ("none", "none")
    }
    assert all(
        m["after"].endswith("for named parties") or m["before"].endswith("for named parties")
        for change in timeline["changes"]
        for m in change["measures"]
    )
    diff = invoke("--store", bundled, "diff", "2025-01-01", "2026-01-01", "--item", "galium")
    assert "no record mentions item 'galium'" in diff.stderr


def test_a_record_time_before_the_first_record_says_so(bundled: str) -> None:
    answer = json.loads(
        invoked(
            "--store",
            bundled,
            "as-of",
            "2025-06-01",
            "-e",
            "Dy",
            "--recorded-at",
            "2001-01-01",
            "--format",
            "json",
        ).stdout
    )
    assert answer["position"] == 0
    assert answer["warnings"][0].startswith("nothing was recorded by 2001-01-01T23:59:59")
    assert "the store's first record was appended at" in answer["warnings"][0]


def test_a_publication_day_before_anything_asked_about_was_published_says_so(
    bundled: str,
) -> None:
    result = invoke(
        "--store",
        bundled,
        "as-of",
        "2025-06-01",
        "-e",
        "Dy",
        "--known-at",
        "2005-01-01",
        "--format",
        "json",
    )
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert answer["known_at"] == "2005-01-01"
    assert answer["recorded_at"] is None
    assert answer["flows"] == []
    [warning] = answer["warnings"]
    assert warning.startswith("nothing asked about was published by 2005-01-01")
    assert "nothing asked about was published by 2005-01-01" in result.stderr


@pytest.mark.parametrize(
    "follow_up_record",
    [
        {"type": "measure_retracted", "reason": "never issued", "published_on": "2024-08-01"},
        {
            "type": "measure_corrected",
            "fields": {"items": ["Tb"]},
            "reason": "the wrong element",
            "published_on": "2024-08-01",
        },
    ],
    ids=["retracted", "corrected-away"],
)
def test_a_measure_published_then_retracted_or_corrected_away_is_no_unpublished_warning(
    tmp_path: Path, follow_up_record: dict[str, object]
) -> None:
    """What was published by the day asked, and known then to say nothing of the item, is
    no "nothing was published by then" (which named an earlier publication date)."""
    store = str(tmp_path / "store.db")
    imposed = {
        "type": "measure_imposed",
        "measure": "m-x",
        "issuer": "CN",
        "kind": "licence_requirement",
        "items": ["Ho"],
        "destinations": ["JP"],
        "announced_on": "2024-01-01",
        "effective_on": "2024-01-01",
        "sources": [{"title": "Notice"}],
    }
    records = [imposed, {**follow_up_record, "measure": "m-x"}]
    invoked(
        "--store",
        store,
        "append",
        "-",
        stdin=b"".join(json.dumps(record).encode() + b"\n" for record in records),
    )
    asked = ("as-of", "2024-03-01", "-e", "Ho", "--from", "CN", "--to", "JP")
    known = invoked("--store", store, *asked, "--known-at", "2024-09-01", "--format", "json")
    assert json.loads(known.stdout)["warnings"] == []
    # before the follow-up was published, the measure stood
    before = json.loads(
        invoked("--store", store, *asked, "--known-at", "2024-07-01", "--format", "json").stdout
    )
    assert before["flows"][0]["level"] == "licence_required"
    assert before["warnings"] == []
    # and before anything was published, the warning still says so
    earlier = json.loads(
        invoked("--store", store, *asked, "--known-at", "2023-06-01", "--format", "json").stdout
    )
    [warning] = earlier["warnings"]
    assert warning.startswith("nothing asked about was published by 2023-06-01")

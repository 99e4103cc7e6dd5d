"""`timeline` on the bundled history (docs/output.md §3): every asked item appears, and each change
cites the document of the record that caused it. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.commands import invoked

NO_57 = "MOFCOM/GAC Announcement No. 57 of 2025"
NO_70 = "MOFCOM/GAC Announcement No. 70 of 2025"


@pytest.fixture
def bundled(bundled_store: str) -> str:
    return bundled_store


def _timeline(store: str, *filters: str) -> list[dict[str, Any]]:
    output = invoked("--store", store, "timeline", *filters, "--format", "json").stdout
    changes: list[dict[str, Any]] = json.loads(output)["changes"]
    return changes


def _items(changes: list[dict[str, Any]]) -> set[str]:
    return {change["item"] for change in changes}


def test_several_items_between_two_countries_each_get_their_changes(bundled: str) -> None:
    assert _items(_timeline(bundled, "-e", "Ga", "-e", "Ge", "--from", "CN", "--to", "US")) == {
        "Ga",
        "Ge",
    }
    rare_earths_to_us = _items(_timeline(bundled, "-e", "REE", "--from", "CN", "--to", "US"))
    assert {"Dy", "Tb", "Ho", "Er"} <= rare_earths_to_us
    rare_earths_to_japan = _items(_timeline(bundled, "-e", "REE", "--from", "CN", "--to", "JP"))
    assert {"Ce", "Dy", "La", "Ho"} <= rare_earths_to_japan


def test_each_item_asked_together_changes_as_when_asked_alone(bundled: str) -> None:
    together = _timeline(bundled, "-e", "Ga", "-e", "Ge", "--from", "CN", "--to", "US")
    alone = [
        change
        for item in ("Ga", "Ge")
        for change in _timeline(bundled, "-e", item, "--from", "CN", "--to", "US")
    ]
    key = lambda change: (change["date"], change["item"])  # noqa: E731
    assert sorted(together, key=key) == sorted(alone, key=key)


def _cited(changes: list[dict[str, Any]], measure: str) -> dict[str, tuple[str, str | None]]:
    return {
        change["date"]: (entry["cause"], entry["document"])
        for change in changes
        for entry in change["measures"]
        if entry["measure"] == measure
    }


def test_a_suspension_cites_the_suspension_and_its_end_says_so(bundled: str) -> None:
    cited = _cited(
        _timeline(bundled, "-e", "Ho", "--from", "CN", "--to", "US"), "cn-mofcom-2025-57"
    )
    assert cited == {
        "2025-10-09": ("announced", NO_57),
        "2025-11-07": ("suspended", NO_70),
        "2026-11-10": ("suspension_ended", NO_70),
    }


def test_a_lifting_cites_its_own_document_not_the_measures(bundled: str) -> None:
    cited = _cited(
        _timeline(bundled, "--item", "dual-use-items", "--from", "JP", "--to", "KR"),
        "jp-2019-kr-whitelist-removal",
    )
    assert cited["2019-08-28"][0] == "took_effect"
    assert cited["2023-07-21"] == (
        "lifted",
        "Cabinet Order amending the Export Trade Control Order (Cabinet approval 2023-06-27)",
    )


def test_the_table_says_why_a_suspended_measure_came_back(bundled: str) -> None:
    table = invoked("--store", bundled, "timeline", "-e", "Ho", "--from", "CN", "--to", "US").stdout
    assert "suspended → in_force (suspension ended)" in table


def test_since_and_until_bound_the_changes_and_actions_give_context(bundled: str) -> None:
    output = invoked(
        "--store",
        bundled,
        "timeline",
        "-e",
        "Ho",
        "--from",
        "CN",
        "--to",
        "US",
        "--since",
        "2025-11-01",
        "--until",
        "2026-12-31",
        "--actions",
        "--format",
        "json",
    ).stdout
    timeline = json.loads(output)
    # No. 57's suspension and its end; the US entities' suspension extended (announced on
    # 5 Nov, from 10 Nov) on the list that names parties
    assert [change["date"] for change in timeline["changes"]] == [
        "2025-11-05",
        "2025-11-07",
        "2025-11-10",
        "2026-11-10",
    ]
    assert [action["action"] for action in timeline["actions"]] == ["cn-us-2025-busan-summit"]
    assert {"position", "digest", "known_at", "warnings"} <= timeline.keys()
    table = invoked(
        "--store", bundled, "timeline", "-e", "Ho", "--from", "CN", "--to", "US", "--actions"
    ).stdout
    assert "Actions the measures respond to" in table
    assert "cn-us-2025-busan-summit" in table
    without = json.loads(
        invoked(
            "--store",
            bundled,
            "timeline",
            "-e",
            "Ho",
            "--from",
            "CN",
            "--to",
            "US",
            "--format",
            "json",
        ).stdout
    )
    assert without["actions"] == []


def test_actions_bring_the_actions_they_respond_to_in_turn(store_url: str, tmp_path: Any) -> None:
    """A dispute's steps each answer the one before: the measure names the last, and the
    timeline lists the chain (once each, even where two actions name each other)."""
    from tests.samples import action, imposed

    records = [
        imposed(
            "quota",
            kind="export_quota",
            items=["La"],
            effective_on="2012-01-01",
            announced_on="2012-01-01",
        ),
        action("complaint", occurred_on="2012-03-13", responds_to=["quota"]),
        action("ruling", occurred_on="2014-03-26", responds_to=["complaint", "appeal"]),
        action("appeal", occurred_on="2014-04-25", responds_to=["ruling"]),
        action("unrelated", occurred_on="2014-05-01"),
        {
            "type": "measure_lifted",
            "measure": "quota",
            "effective_on": "2015-01-01",
            "responds_to": ["appeal"],
            "sources": imposed()["sources"],
        },
    ]
    path = tmp_path / "chain.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    invoked("--store", store_url, "append", str(path))
    asked = ("-e", "La", "--from", "CN", "--to", "JP", "--actions", "--format", "json")
    timeline = json.loads(invoked("--store", store_url, "timeline", *asked).stdout)
    assert [found["action"] for found in timeline["actions"]] == ["complaint", "ruling", "appeal"]

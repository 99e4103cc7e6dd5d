"""`search` and `show` find every record (DESIGN §12), on the bundled history, on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.commands import invoke, invoked

NO_70 = "MOFCOM/GAC Announcement No. 70 of 2025"


@pytest.fixture
def bundled(store_url: str) -> str:
    invoked("--store", store_url, "init")
    return store_url


def _search(store: str, *args: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(invoked("--store", store, "search", *args, "--format",
                                               "json").stdout)
    return found


def test_a_document_number_finds_the_records_that_carry_it(bundled: str) -> None:
    results = _search(bundled, "No. 70")["results"]
    suspensions = [hit for hit in results if hit["record"] == "measure_suspended"]
    assert {hit["id"] for hit in suspensions} >= {"cn-mofcom-2025-57", "cn-mofcom-2025-55"}
    assert {hit["document"] for hit in suspensions} == {NO_70}
    assert all(hit["date"] == "2025-11-07" for hit in suspensions)


def test_every_measure_china_issued_against_japan(bundled: str) -> None:
    results = _search(bundled, "--issuer", "CN", "--to", "JP", "--type", "measure")["results"]
    ids = {hit["id"] for hit in results}
    assert {"cn-mofcom-2026-1", "cn-2010-rare-earth-halt-japan", "cn-mofcom-2025-18"} <= ids
    assert all(hit["issuer"] == "CN" and hit["type"] == "measure" for hit in results)


def test_every_export_ban_and_its_status_on_a_date(bundled: str) -> None:
    found = _search(bundled, "--kind", "export_ban", "--on", "2025-01-01")
    statuses = {hit["id"]: hit["status"] for hit in found["results"]}
    assert statuses["cn-mofcom-2024-46-military"] == "in_force"
    assert statuses["cn-mofcom-2026-1"] == "not yet announced"
    assert found["on"] == "2025-01-01"
    assert found["warnings"] == []


def test_search_without_anything_lists_each_measure_and_action_once(bundled: str) -> None:
    results = _search(bundled)["results"]
    assert len(results) == len({(hit["type"], hit["id"]) for hit in results})
    assert {hit["type"] for hit in results} == {"measure", "action"}


def test_search_csv_has_a_fixed_header_and_no_line_breaks_in_cells(bundled: str) -> None:
    output = invoked("--store", bundled, "search", "rare earth", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == ["type", "id", "record", "position", "date", "issuer", "kind", "status",
                       "document", "title"]
    assert len(rows) > 5
    assert output.count("\n") == len(rows)


def test_an_unknown_kind_is_said_not_silently_empty(bundled: str) -> None:
    result = invoke("--store", bundled, "search", "--kind", "export_bans")
    assert result.exit_code == 0
    assert "no record mentions kind 'export_bans'; did you mean 'export_ban'" in result.stderr


def test_show_takes_a_document_and_shows_every_record_carrying_it(bundled: str) -> None:
    shown = json.loads(invoked("--store", bundled, "show", "No. 70 of 2025", "--format",
                               "json").stdout)
    assert shown["document"] == NO_70
    assert {record["id"] for record in shown["records"]} >= {"cn-mofcom-2025-57"}
    assert {record["record"]["type"] for record in shown["records"]} == {"measure_suspended"}


def test_an_ambiguous_document_exits_1_listing_the_candidates(bundled: str) -> None:
    result = invoke("--store", bundled, "show", "Announcement No. 5")
    assert result.exit_code == 1
    assert "documents contain 'Announcement No. 5'" in result.stderr
    assert "No. 57 of 2025" in result.stderr
    assert "No. 55 of 2025" in result.stderr


def test_show_of_nothing_known_exits_1(bundled: str) -> None:
    result = invoke("--store", bundled, "show", "no-such-thing")
    assert result.exit_code == 1
    assert "no document's name contains it" in result.stderr


def test_show_lists_the_records_that_respond_to_the_shown_one(bundled: str) -> None:
    shown = json.loads(invoked("--store", bundled, "show", "cn-us-2025-busan-summit",
                               "--format", "json").stdout)
    responders = {(entry["id"], entry["record"]["type"]) for entry in shown["responded_to_by"]}
    assert ("cn-mofcom-2025-57", "measure_suspended") in responders
    table = invoked("--store", bundled, "show", "cn-us-2025-busan-summit").stdout
    assert "Records that respond to cn-us-2025-busan-summit" in table

"""`search` and `show` find every record (docs/output.md §5-§6), on the bundled history, on SQLite
and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from cli.render import render_found
from projections.answers import Found, Known
from projections.catalog import Hit
from tests.commands import invoke, invoked

NO_70 = "MOFCOM/GAC Announcement No. 70 of 2025"


@pytest.fixture
def bundled(bundled_store: str) -> str:
    return bundled_store


def _search(store: str, *args: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        invoked("--store", store, "search", *args, "--format", "json").stdout
    )
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


def test_search_without_anything_lists_each_subject_once(bundled: str) -> None:
    results = _search(bundled)["results"]
    assert len(results) == len({(hit["type"], hit["id"]) for hit in results})
    assert {hit["type"] for hit in results} == {"measure", "action", "group", "party"}


def test_search_finds_groups_by_type_issuer_and_member(bundled: str) -> None:
    groups = _search(bundled, "--type", "group", "--on", "2020-06-01")["results"]
    assert [(hit["id"], hit["issuer"], hit["status"]) for hit in groups] == [
        ("@eu", None, "27 members"),
        ("@wassenaar", None, "42 members"),
        ("@jp-group-a", "JP", "26 members"),
        ("@wto", None, "0 members"),
        ("@us-ear-a5", "US", "37 members"),
        ("@us-ear-a6", "US", "6 members"),
        ("@kr-ga", "KR", "0 members"),  # Japan out of it, 2019-2023
        ("@kr-ga-2", "KR", "1 member"),
        ("@kia", None, "0 members"),
    ]
    by_issuer = _search(bundled, "--type", "group", "--issuer", "JP")["results"]
    assert [hit["id"] for hit in by_issuer] == ["@jp-group-a"]
    korea = _search(bundled, "--type", "group", "--to", "KR")["results"]
    # KR has never been in the EU
    assert [hit["id"] for hit in korea] == ["@wassenaar", "@jp-group-a", "@us-ear-a5"]
    # a measure naming a group is found for the countries the group has had as members
    measures = _search(bundled, "--type", "measure", "--to", "KR")["results"]
    assert "jp-meti-2023-sme-controls" in [hit["id"] for hit in measures]


def test_search_csv_has_a_fixed_header_and_no_line_breaks_in_cells(bundled: str) -> None:
    output = invoked("--store", bundled, "search", "rare earth", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == [
        "type",
        "id",
        "record",
        "position",
        "date",
        "issuer",
        "kind",
        "status",
        "document",
        "title",
    ]
    assert len(rows) > 5
    assert output.count("\n") == len(rows)


def test_an_unknown_kind_is_said_not_silently_empty(bundled: str) -> None:
    result = invoke("--store", bundled, "search", "--kind", "export_bans")
    assert result.exit_code == 0
    assert "no record mentions kind 'export_bans'; did you mean 'export_ban'" in result.stderr


def test_show_takes_a_document_and_shows_every_record_carrying_it(bundled: str) -> None:
    shown = json.loads(
        invoked("--store", bundled, "show", "No. 70 of 2025", "--format", "json").stdout
    )
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
    shown = json.loads(
        invoked("--store", bundled, "show", "cn-us-2025-busan-summit", "--format", "json").stdout
    )
    responders = {(entry["id"], entry["record"]["type"]) for entry in shown["responded_to_by"]}
    assert ("cn-mofcom-2025-57", "measure_suspended") in responders
    table = invoked("--store", bundled, "show", "cn-us-2025-busan-summit").stdout
    assert "Records that respond to cn-us-2025-busan-summit" in table


HANDMADE = [
    {
        "type": "measure_imposed",
        "measure": "m2",
        "issuer": "CN",
        "kind": "licence_requirement",
        "items": ["Pr", "Nd"],
        "destinations": ["*"],
        "announced_on": "2025-01-01",
        "effective_on": "2025-01-01",
        "document": "Doc M2",
        "notes": "line one\nline two",
        "sources": [{"title": "s"}],
    },
    {
        "type": "measure_amended",
        "measure": "m2",
        "effective_on": "2025-03-01",
        "kind": "export_ban",
        "items": ["Nd"],
        "sources": [{"title": "s"}],
    },
    {
        "type": "measure_corrected",
        "measure": "m2",
        "fields": {"document": "Doc M2 corrected"},
        "reason": "misnamed",
    },
    {
        "type": "action_taken",
        "action": "talks",
        "issuer": "JP",
        "kind": "statement",
        "occurred_on": "2025-02-01",
        "title": "Talks",
        "counterparts": ["CN"],
        "sources": [{"title": "s"}],
    },
]


@pytest.fixture
def handmade(store_url: str) -> str:
    invoked(
        "--store",
        store_url,
        "append",
        "-",
        stdin="".join(json.dumps(record) + "\n" for record in HANDMADE).encode(),
    )
    return store_url


def test_a_corrected_document_is_found_and_shown(handmade: str) -> None:
    shown = json.loads(
        invoked("--store", handmade, "show", "Doc M2 corrected", "--format", "json").stdout
    )
    assert shown["document"] == "Doc M2 corrected"
    assert [record["record"]["type"] for record in shown["records"]] == ["measure_corrected"]
    [hit] = _search(handmade, "misnamed")["results"]
    assert (hit["record"], hit["document"]) == ("measure_corrected", "Doc M2 corrected")
    assert hit["date"] is not None


def test_search_shows_the_terms_in_effect_on_the_day_asked(handmade: str) -> None:
    [before] = _search(handmade, "--kind", "export_ban", "--on", "2025-02-01")["results"]
    [after] = _search(handmade, "--kind", "export_ban", "--on", "2025-04-01")["results"]
    assert (before["kind"], after["kind"]) == ("licence_requirement", "export_ban")


def test_search_covers_flows_by_the_rule_the_answers_use(handmade: str) -> None:
    assert _search(handmade, "-e", "Nd", "--from", "CN", "--to", "CN")["results"] == []
    assert [hit["id"] for hit in _search(handmade, "--from", "JP", "--to", "CN")["results"]] == [
        "talks"
    ]
    assert [
        hit["id"] for hit in _search(handmade, "-e", "Nd", "--from", "CN", "--to", "US")["results"]
    ] == ["m2"]


def test_csv_cells_never_break_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A document from a store written before text fields refused line breaks."""
    hit = Hit(
        "measure",
        "m2",
        "measure_imposed",
        1,
        "CN",
        "export_ban",
        "2025-01-01",
        "in_force",
        "Doc\nwith break",
        "Title\r\nacross lines",
    )
    render_found(Found(date(2025, 1, 1), Known(1), [hit]), "csv")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1][-2:] == ["Doc\\x0awith break", "Title\\x0d\\x0aacross lines"]


def test_as_of_csv_warns_about_an_unknown_item_too(handmade: str) -> None:
    result = invoke(
        "--store", handmade, "as-of", "2025-06-01", "--item", "neodymiun", "--format", "csv"
    )
    assert result.exit_code == 0
    assert "no record mentions item 'neodymiun'" in result.stderr


def test_a_party_is_found_by_name_and_answered_for_on_both_stores(bundled: str) -> None:
    """The party-name index lives beside the view's generations, in either store."""
    args = ("as-of", "2026-03-01", "-e", "Dy", "--from", "CN", "--to", "JP", "--format", "json")
    for asked in ("MHI Shipbuilding", "mhi shipbuilding", "mhi-shipbuilding"):
        answer = json.loads(invoked("--store", bundled, *args, "--party", asked).stdout)
        [flow] = answer["flows"]
        assert (answer["party"], flow["level"]) == ("mhi-shipbuilding", "ban")
    unknown = invoke("--store", bundled, *args, "--party", "Nobody KK")
    assert "'Nobody KK' is not on any list in this store" in unknown.stderr
    found = _search(bundled, "--type", "party", "Lockheed")["results"]
    assert {hit["id"] for hit in found} == {
        "lockheed-martin",
        "lockheed-martin-missiles-and-fire-control",
    }

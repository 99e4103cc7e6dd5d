"""Stores written by earlier versions still open and answer as they did (tests/fixtures/)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.commands import invoke, invoked
from tests.fixtures.capture_answers import changes, flows, found, listings, members

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: Each version that wrote a fixture store, and what it answered on it.
VERSIONS = ("0.1.0", "0.2.0", "0.4.0", "0.5.0", "0.6.1", "0.7.0", "0.7.1")
ANSWERS: dict[str, dict[str, Any]] = {
    version: json.loads((FIXTURES / f"store-{version}-answers.json").read_text())
    for version in VERSIONS
}
QUESTIONS = [
    (version, name)
    for version in VERSIONS
    for name, answer in sorted(ANSWERS[version].items())
    if "flows" in answer
]
#: The questions about named parties and HS codes (as-of) and the searches, from 0.5.0 on.
LISTING_QUESTIONS = [
    (version, name)
    for version in VERSIONS
    for name, answer in sorted(ANSWERS[version].items())
    if "listings" in answer
]
SEARCH_QUESTIONS = [
    (version, name)
    for version in VERSIONS
    for name, answer in sorted(ANSWERS[version].items())
    if "found" in answer
]
#: Search rows answered otherwise today than by the version that wrote the store, on purpose
#: (ce247e8, with the bundled HS codes): a correction's or retraction's row is dated by its
#: publication date instead of the day it was recorded, and a follow-up that gives no document
#: of its own shows its measure's. By version and question: log position -> the row's fields
#: as answered today.
SEARCHED_OTHERWISE: dict[tuple[str, str], dict[int, dict[str, Any]]] = {
    ("0.5.0", "search-fixture-on-2024-08-15"): {
        142: {"document": "Fixture Order No. 1"},  # fixture-licence's correction
        149: {"date": "2024-08-01", "document": "Fixture Order No. 4"},  # published_on given
    },
}


def asked(args: list[str]) -> list[str]:
    """A captured question as asked today: `--known-at` with a moment meant record time
    before publication time existed (0.4.0), and is `--recorded-at` now."""
    return ["--recorded-at" if arg == "--known-at" else arg for arg in args]


def _copy(version: str, folder: Path) -> str:
    """A copy of the store `version` wrote (queries write: the view catches up)."""
    path = folder / f"store-{version}.db"
    shutil.copyfile(FIXTURES / f"store-{version}.db", path)
    return str(path)


def _keeps_its_group_and_timeline(store: str, expected: dict[str, Any]) -> None:
    """The store answers @jp-group-a's members and the Ga CN->US timeline as captured."""
    group = expected["group-jp-group-a-2020-06-01"]
    answer = json.loads(invoked("--store", store, *group["args"], "--format", "json").stdout)
    assert members(answer) == group["members"]
    args = ("timeline", "-e", "Ga", "--from", "CN", "--to", "US", "--format", "json")
    timeline = json.loads(invoked("--store", store, *args).stdout)
    assert changes(timeline) == expected["timeline-ga-cn-us"]["changes"]


@pytest.fixture
def old_store(tmp_path: Path) -> str:
    """A copy of the 0.1.0 store."""
    return _copy("0.1.0", tmp_path)


@pytest.mark.parametrize(("version", "name"), QUESTIONS)
def test_an_earlier_store_answers_as_its_version_did(
    version: str, name: str, tmp_path: Path
) -> None:
    store = _copy(version, tmp_path)
    expected = ANSWERS[version][name]
    answer = json.loads(
        invoked("--store", store, *asked(expected["args"]), "--format", "json").stdout
    )
    assert (answer["position"], answer["digest"]) == (expected["position"], expected["digest"])
    assert flows(answer) == expected["flows"]


@pytest.mark.parametrize("version", VERSIONS)
def test_an_earlier_store_keeps_no_table_of_its_layout_once_rebuilt(
    version: str, tmp_path: Path
) -> None:
    """The rows of the layout before schema 5 (one per segment, item and flow) go with the
    rebuild: the view's tables are those of this layout alone, one generation of them."""
    store = _copy(version, tmp_path)
    invoked("--store", store, "as-of", "2024-01-01", "--to", "JP")
    with closing(sqlite3.connect(store)) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    assert not {name for name in tables if name.startswith("regime_rows_")}
    assert len({name for name in tables if name.startswith("regime_segments_")}) == 1


@pytest.mark.parametrize(("version", "name"), LISTING_QUESTIONS)
def test_an_earlier_store_answers_for_parties_and_hs_codes_as_its_version_did(
    version: str, name: str, tmp_path: Path
) -> None:
    """Asked as captured: `--known-at` here is the publication filter (0.5.0 on)."""
    store = _copy(version, tmp_path)
    expected = ANSWERS[version][name]
    answer = json.loads(invoked("--store", store, *expected["args"], "--format", "json").stdout)
    assert (answer["position"], answer["digest"]) == (expected["position"], expected["digest"])
    assert (answer["party"], answer["warnings"]) == (expected["party"], expected["warnings"])
    assert listings(answer) == expected["listings"]


@pytest.mark.parametrize(("version", "name"), SEARCH_QUESTIONS)
def test_an_earlier_store_finds_as_its_version_did(version: str, name: str, tmp_path: Path) -> None:
    store = _copy(version, tmp_path)
    expected = ANSWERS[version][name]
    answer = json.loads(invoked("--store", store, *expected["args"], "--format", "json").stdout)
    assert (answer["position"], answer["digest"]) == (expected["position"], expected["digest"])
    assert (answer.get("hs"), answer["warnings"]) == (expected["hs"], expected["warnings"])
    otherwise = SEARCHED_OTHERWISE.get((version, name), {})
    rows = [row | otherwise.get(row["position"], {}) for row in expected["found"]]
    if otherwise:  # sorted by date, type, id and position, as always
        rows.sort(key=lambda row: (row["date"] or "", row["type"], row["id"], row["position"]))
    assert found(answer) == rows


def test_a_0_1_0_store_keeps_its_timeline_and_digest(old_store: str) -> None:
    timeline = json.loads(
        invoked(
            "--store",
            old_store,
            "timeline",
            "-e",
            "Ga",
            "--from",
            "CN",
            "--to",
            "US",
            "--format",
            "json",
        ).stdout
    )
    # 0.1.0 listed changes of status only; 0.2.0 also lists an amendment that changes a
    # measure's level while it stays in force (here fixture-licence becoming a ban).
    status_changes = [
        change
        for change in changes(timeline)
        if any(entry["before"] != entry["after"] for entry in change["measures"])
    ]
    assert status_changes == ANSWERS["0.1.0"]["timeline-ga-cn-us"]["changes"]
    assert invoked("--store", old_store, "digest").stdout.strip() == ANSWERS["0.1.0"]["digest"]


def test_a_0_1_0_store_verifies_and_replays_to_the_same_answers(old_store: str) -> None:
    assert invoke("--store", old_store, "verify").exit_code == 0
    invoked("--store", old_store, "replay")
    expected = ANSWERS["0.1.0"]["ga-cn-us-2024-10-01-before-correction"]
    answer = json.loads(
        invoked("--store", old_store, *asked(expected["args"]), "--format", "json").stdout
    )
    assert flows(answer) == expected["flows"]


def test_a_0_1_0_store_exports_what_a_new_store_answers_the_same(
    old_store: str, tmp_path: Path
) -> None:
    exported = invoked("--store", old_store, "log", "--format", "jsonl").stdout
    fresh = str(tmp_path / "fresh.db")
    invoked("--store", fresh, "append", "-", stdin=exported.encode())
    for name in ("dy-cn-jp-2026-01-08", "ga-cn-us-2024-10-01", "dcs-cn-jp-2023-06-01"):
        expected = ANSWERS["0.1.0"][name]
        answer = json.loads(
            invoked("--store", fresh, *asked(expected["args"]), "--format", "json").stdout
        )
        assert flows(answer) == expected["flows"], name


def test_a_0_2_0_store_keeps_its_timeline_digest_and_view(tmp_path: Path) -> None:
    """0.2.0 wrote its projections too, in an earlier layout: rebuilt from the log when the
    store is opened, they answer the same."""
    store = _copy("0.2.0", tmp_path)
    args = ("timeline", "-e", "Ga", "--from", "CN", "--to", "US", "--format", "json")
    timeline = json.loads(invoked("--store", store, *args).stdout)
    assert changes(timeline) == ANSWERS["0.2.0"]["timeline-ga-cn-us"]["changes"]
    assert invoked("--store", store, "digest").stdout.strip() == ANSWERS["0.2.0"]["digest"]
    assert invoke("--store", store, "verify").exit_code == 0


def test_a_0_4_0_store_keeps_its_groups_timeline_and_digest(tmp_path: Path) -> None:
    """0.4.0 wrote country groups (the bundled @eu and @jp-group-a) and views of the
    current layout: its groups, timeline and digest are as it answered them, and a
    measure naming a group (new since) can be appended to it and answered."""
    store = _copy("0.4.0", tmp_path)
    expected = ANSWERS["0.4.0"]
    _keeps_its_group_and_timeline(store, expected)
    assert invoked("--store", store, "digest").stdout.strip() == expected["digest"]
    record = {
        "type": "measure_imposed",
        "measure": "to-group-a",
        "issuer": "CN",
        "kind": "export_ban",
        "items": ["Ga"],
        "destinations": ["@jp-group-a"],
        "announced_on": "2020-01-01",
        "effective_on": "2020-01-01",
        "sources": [{"title": "fixture source"}],
    }
    invoked("--store", store, "append", "-", stdin=json.dumps(record).encode())
    asked_kr = ("as-of", "2024-01-01", "-e", "Ga", "--from", "CN", "--to", "KR", "--format", "json")
    [flow] = json.loads(invoked("--store", store, *asked_kr).stdout)["flows"]
    assert (flow["level"], flow["in_force"][0]["via"]) == ("ban", "@jp-group-a")


def test_a_0_5_0_store_keeps_its_groups_timeline_and_digest(tmp_path: Path) -> None:
    """0.5.0 wrote named parties, HS codes and view schema 4 (store-0.5.0-extra-3.yaml on
    top of the bundled history and the two extra files): its view is read as it is, and it
    verifies, keeps its group, timeline and digest, and takes a lifting for one party."""
    store = _copy("0.5.0", tmp_path)
    expected = ANSWERS["0.5.0"]
    assert invoke("--store", store, "verify").exit_code == 0
    _keeps_its_group_and_timeline(store, expected)
    assert invoked("--store", store, "digest").stdout.strip() == expected["digest"]
    record = {
        "type": "measure_lifted",
        "measure": "fixture-party-ban",
        "parties": ["fixture-labs"],
        "effective_on": "2025-01-01",
        "sources": [{"title": "fixture source"}],
    }
    invoked("--store", store, "append", "-", stdin=json.dumps(record).encode())
    asked_labs = ("as-of", "2025-02-01", "-e", "Ga", "--from", "CN", "--to", "US")
    answer = json.loads(
        invoked("--store", store, *asked_labs, "--party", "fixture-labs", "--format", "json").stdout
    )
    [flow] = listings(answer)
    assert "fixture-party-ban" not in [entry["measure"] for entry in flow["in_force"]]


def test_a_0_6_1_store_is_rebuilt_with_the_spans_of_its_scopes_and_verifies(
    tmp_path: Path,
) -> None:
    """0.6.1 wrote view schema 5 (scopes without spans): the first command rebuilds it in
    this version's layout, saying so, and the rebuilt view equals a fresh replay, spans
    included; it keeps its group, timeline and digest."""
    store = _copy("0.6.1", tmp_path)
    expected = ANSWERS["0.6.1"]
    with closing(sqlite3.connect(store)) as connection:
        [(before,)] = connection.execute("SELECT value FROM view_meta WHERE key = 'schema'")
    assert before == "5"
    question = expected["dy-cn-jp-2026-01-08"]
    first = invoked("--store", store, *question["args"], "--format", "json")
    assert "rebuilding them from the log" in first.stderr
    assert flows(json.loads(first.stdout)) == question["flows"]
    assert invoked("--store", store, "digest").stdout.strip() == expected["digest"]
    with closing(sqlite3.connect(store)) as connection:
        [(after,)] = connection.execute("SELECT value FROM view_meta WHERE key = 'schema'")
        [(live,)] = connection.execute("SELECT value FROM view_meta WHERE key = 'live'")
        spans = connection.execute(f"SELECT COUNT(*) FROM scope_flows_{live} WHERE ends > ''")
        [(spanned,)] = spans
    assert after == "6"
    assert spanned > 0
    replayed = invoked("--store", store, "replay", "--verify")
    assert "verified against the live view" in replayed.stderr
    _keeps_its_group_and_timeline(store, expected)


@pytest.mark.parametrize("version", ["0.7.0", "0.7.1"])
def test_a_schema_6_store_opens_without_a_rebuild_and_verifies(
    version: str, tmp_path: Path
) -> None:
    """0.7.0 and 0.7.1 wrote view schema 6, this version's: their projections answer as they
    stand (no rebuild), their scopes keep the spans that version gave them (0.7.0 by catch-up,
    0.7.1 by its replay's bulk load), and a fresh replay equals them."""
    store = _copy(version, tmp_path)
    expected = ANSWERS[version]

    def spans() -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(store)) as connection:
            [(live,)] = connection.execute("SELECT value FROM view_meta WHERE key = 'live'")
            return connection.execute(
                f"SELECT scope, item, exporter, importer, begins, ends FROM scope_flows_{live} "
                "ORDER BY scope, item, exporter, importer"
            ).fetchall()

    written = spans()
    assert any(ends for *_, ends in written)
    question = expected["dy-cn-jp-2026-01-08"]
    first = invoked("--store", store, *question["args"], "--format", "json")
    assert "rebuilding" not in first.stderr
    assert flows(json.loads(first.stdout)) == question["flows"]
    assert spans() == written
    replayed = invoked("--store", store, "replay", "--verify")
    assert "verified against the live view" in replayed.stderr
    assert spans() == written
    assert invoked("--store", store, "digest").stdout.strip() == expected["digest"]
    _keeps_its_group_and_timeline(store, expected)

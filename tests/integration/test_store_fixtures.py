"""Stores written by earlier versions still open and answer as they did (tests/fixtures/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.commands import invoke, invoked
from tests.fixtures.capture_answers import changes, flows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ANSWERS: dict[str, Any] = json.loads((FIXTURES / "store-0.1.0-answers.json").read_text())
QUESTIONS = {name: answer for name, answer in ANSWERS.items() if "args" in answer}


@pytest.fixture
def old_store(tmp_path: Path) -> str:
    """A copy of the 0.1.0 store (queries write: the view catches up)."""
    path = tmp_path / "store-0.1.0.db"
    shutil.copyfile(FIXTURES / "store-0.1.0.db", path)
    return str(path)


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_a_0_1_0_store_answers_as_0_1_0_did(old_store: str, name: str) -> None:
    expected = QUESTIONS[name]
    answer = json.loads(invoked("--store", old_store, *expected["args"], "--format", "json").stdout)
    assert (answer["position"], answer["digest"]) == (expected["position"], expected["digest"])
    assert flows(answer) == expected["flows"]


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
    assert status_changes == ANSWERS["timeline-ga-cn-us"]["changes"]
    assert invoked("--store", old_store, "digest").stdout.strip() == ANSWERS["digest"]


def test_a_0_1_0_store_verifies_and_replays_to_the_same_answers(old_store: str) -> None:
    assert invoke("--store", old_store, "verify").exit_code == 0
    invoked("--store", old_store, "replay")
    expected = QUESTIONS["ga-cn-us-2024-10-01-before-correction"]
    answer = json.loads(invoked("--store", old_store, *expected["args"], "--format", "json").stdout)
    assert flows(answer) == expected["flows"]


def test_a_0_1_0_store_exports_what_a_new_store_answers_the_same(
    old_store: str, tmp_path: Path
) -> None:
    exported = invoked("--store", old_store, "log", "--format", "jsonl").stdout
    fresh = str(tmp_path / "fresh.db")
    invoked("--store", fresh, "append", "-", stdin=exported.encode())
    for name in ("dy-cn-jp-2026-01-08", "ga-cn-us-2024-10-01", "dcs-cn-jp-2023-06-01"):
        expected = QUESTIONS[name]
        answer = json.loads(invoked("--store", fresh, *expected["args"], "--format", "json").stdout)
        assert flows(answer) == expected["flows"], name

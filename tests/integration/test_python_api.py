"""`import regimes`: the library the CLI is a client of (issue 16), used as a notebook would."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import regimes
from tests.samples import follow_up, imposed

ROOT = Path(__file__).resolve().parents[2]


def test_a_script_answers_the_quick_start_question_from_the_default_store(
    tmp_path: Path,
) -> None:
    script = (
        "import regimes\n"
        "with regimes.open() as store:\n"
        "    answer = store.as_of('2026-01-08', elements=['Dy'], exporter='CN', importer='JP')\n"
        "    print(answer.flows[0].level.name, answer.rows()[0]['measure'])\n"
    )
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("REGIMES_STORE", None)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["end_user_ban", "cn-mofcom-2026-1"]
    assert "created the default store" not in done.stderr  # the library says nothing itself


def test_records_appended_as_dicts_answer_as_typed_values_and_plain_rows(store_url: str) -> None:
    heard: list[str] = []
    store = regimes.Store(store_url, notify=heard.append)
    with store:
        report = store.append(
            [imposed(), follow_up("measure_suspended", effective_on="2025-06-01")]
        )
        assert (report.appended, report.first_position) == (2, 1)
        answer = store.as_of("2025-07-01", elements=["Dy"], exporter="CN", importer="JP")
        [flow] = answer.flows
        assert [summary.measure for summary in flow.suspended] == ["cn-mofcom-2025-18"]
        [row] = answer.rows()
        assert (row["status"], row["via"], row["level"]) == ("suspended", "*", "none")
        assert answer.to_json()["position"] == 2
        timeline = store.timeline(elements=["Dy"], exporter="CN", importer="JP")
        assert [change.day.isoformat() for change in timeline.changes] == [
            "2025-04-04",
            "2025-06-01",
        ]
        assert store.search("MOFCOM").known.position == 2
        assert str(store.digest(content=True)).startswith("content:")
    assert heard == []


def test_a_rejected_batch_raises_with_every_located_problem(store_url: str) -> None:
    with regimes.open(store_url) as store, pytest.raises(regimes.BatchRejected) as raised:
        store.append([imposed(items=["dy"]), imposed("b", kind="nonsense")])
    assert [(error.line, error.field) for error in raised.value.errors] == [
        (1, "items[0]"),
        (2, "kind"),
    ]


def _imports(package: str) -> set[str]:
    """The top-level packages a package's modules import."""
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "never"),
    [
        ("domain", {"store", "projections", "regimes", "cli", "click", "sqlite3", "psycopg"}),
        ("store", {"projections", "regimes", "cli", "click"}),
        ("projections", {"regimes", "cli", "click"}),
        ("regimes", {"cli", "click"}),
    ],
)
def test_imports_point_one_way(package: str, never: set[str]) -> None:
    assert _imports(package) & never == set()


def test_the_model_holds_no_sql() -> None:
    """domain/ is the model: statements live with the recorders (store/) and the view."""
    statement = re.compile(r"\b(SELECT|INSERT INTO|CREATE TABLE|UPDATE \w+ SET|DELETE FROM)\b")
    found = [
        f"{path}:{number}"
        for path in sorted((ROOT / "domain").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if statement.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"recorded_at": -5}, ValueError),
        ({"recorded_at": 2**63}, ValueError),
        ({"recorded_at": 3.5}, TypeError),
        ({"recorded_at": True}, TypeError),
        ({"recorded_at": date(2026, 1, 1)}, TypeError),
        ({"recorded_at": "#x"}, ValueError),
        ({"known_at": 20250101}, TypeError),
        ({"known_at": datetime(2025, 1, 1, tzinfo=UTC)}, TypeError),
        ({"known_at": "2025-13-01"}, ValueError),
    ],
    ids=repr,
)
def test_a_bad_knowledge_filter_is_refused_with_a_clear_error(
    tmp_path: Path, arguments: dict[str, object], error: type[Exception]
) -> None:
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append([imposed()], recorded_at=datetime(2026, 1, 10, tzinfo=UTC))
        with pytest.raises(error):
            store.as_of("2025-06-01", elements=["Dy"], **arguments)  # type: ignore[arg-type]


def test_group_questions_check_their_arguments(tmp_path: Path) -> None:
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append([imposed()], recorded_at=datetime(2026, 1, 10, tzinfo=UTC))
        for member in ("jp", "@eu", "*"):
            with pytest.raises(ValueError, match=r"country code|not allowed"):
                store.group(member=member, on="2025-01-01")
        with pytest.raises(TypeError):
            store.group(member="KR", on=datetime(2025, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("question", "error", "message"),
    [
        ({"exporter": "cn"}, ValueError, "exporter: country code 'cn' must be upper case"),
        ({"importer": "jp"}, ValueError, "importer: country code 'jp' must be upper case"),
        ({"exporter": "XX"}, ValueError, "unknown country code 'XX'"),
        ({"importer": ""}, ValueError, "unknown country code ''"),
        ({"importer": ["JP"]}, TypeError, "importer takes a country code"),
        ({"elements": "Dy"}, TypeError, r"elements takes a list of strings, such as \['Dy'\]"),
        ({"elements": ["dy"]}, ValueError, "symbols are case-exact: Dy"),
        ({"elements": [66]}, TypeError, "elements takes strings, not 66"),
        ({"items": "graphite"}, TypeError, "items takes a list of strings"),
        ({"items": ["Bad Slug"]}, ValueError, "unknown item 'Bad Slug'"),
        ({"party": 5}, TypeError, "party takes a slug, name or alias"),
        ({"day": "20250601"}, ValueError, "'20250601' is not a date YYYY-MM-DD"),
        ({"day": "2025-W22-7"}, ValueError, "is not a date YYYY-MM-DD"),
        ({"day": "2025-02-30"}, ValueError, "'2025-02-30' is not a calendar date"),
        ({"known_at": "20250101"}, ValueError, "is not a date YYYY-MM-DD"),
        ({"recorded_at": "20260110"}, ValueError, "is not a date, an ISO date-time"),
        ({"recorded_at": "20260110T10:00"}, ValueError, "is not a date, an ISO date-time"),
    ],
    ids=repr,
)
def test_a_question_from_python_is_checked_as_the_command_line_checks_it(
    tmp_path: Path, question: dict[str, Any], error: type[Exception], message: str
) -> None:
    """A misspelt or mistyped argument is an error, never a silent answer for nothing (a
    lower-case country matched no flow and answered "none"; a string of elements was read
    letter by letter)."""
    asked: dict[str, Any] = {"elements": ["Dy"], "exporter": "CN", "importer": "JP"}
    day = question.pop("day", "2025-06-01")
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append([imposed()], recorded_at=datetime(2026, 1, 10, tzinfo=UTC))
        assert store.as_of("2025-06-01", **asked).flows[0].level.name != "none"
        with pytest.raises(error, match=message):
            store.as_of(day, **{**asked, **question})
        if question:  # the flows and the knowledge, checked alike by every question
            with pytest.raises(error, match=message):
                store.timeline(**{**asked, **question})
            with pytest.raises(error, match=message):
                store.diff("2025-01-01", "2025-06-01", **{**asked, **question})


@pytest.mark.parametrize(
    ("question", "error", "message"),
    [
        ({"types": "measure"}, TypeError, r"types takes a list of strings, such as \['measure'\]"),
        ({"types": ["bogus"]}, ValueError, "types: 'bogus' is none of measure, action"),
        ({"kinds": "export_ban"}, TypeError, "kinds takes a list of strings"),
        ({"kinds": ["Export Ban"]}, ValueError, "'Export Ban' is not a kind"),
        ({"issuer": "cn"}, ValueError, "issuer: country code 'cn' must be upper case"),
        ({"text": 5}, TypeError, "text takes a string"),
        ({"on": "2025/06/01"}, ValueError, "is not a date YYYY-MM-DD"),
        ({"hs": "85x"}, Exception, "no HS code"),
    ],
    ids=repr,
)
def test_a_search_from_python_is_checked_as_the_command_line_checks_it(
    tmp_path: Path, question: dict[str, Any], error: type[Exception], message: str
) -> None:
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append([imposed()], recorded_at=datetime(2026, 1, 10, tzinfo=UTC))
        text = question.pop("text", None)
        with pytest.raises(error, match=message):
            store.search(text, **question)


def test_a_store_opens_by_a_path_object(tmp_path: Path) -> None:
    with regimes.open(tmp_path / "store.db") as store:
        store.append([imposed()], recorded_at=datetime(2026, 1, 10, tzinfo=UTC))
    with regimes.Store(tmp_path / "store.db") as store:
        answer = store.as_of("2025-06-01", elements=["Dy"], exporter="CN", importer="JP")
        assert answer.flows[0].level.name != "none"


def test_a_report_takes_its_items_as_any_iterable(tmp_path: Path) -> None:
    """A generator of elements is read once: the report read it twice and, finding it empty
    the second time, covered every item."""
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append(
            [imposed(), imposed("other", items=["Tb"])],
            recorded_at=datetime(2026, 1, 10, tzinfo=UTC),
        )
        report = store.report(elements=(e for e in ["Dy"]), exporter="CN", importer="JP")
    assert report.facts.question.elements == ("Dy",)
    assert [flow.item for flow in report.facts.today.flows] == ["Dy"]

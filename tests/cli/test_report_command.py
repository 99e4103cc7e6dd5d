"""`regimes report` through click's runner (issue 22): a thin client of `Store.report` that
says what it wrote, and refuses bad input in one line, writing nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.commands import invoke, invoked
from tests.report_samples import bundled_store


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> str:
    return bundled_store(tmp_path_factory.mktemp("report") / "bundled.db")


def test_the_report_is_written_and_said_so_on_stderr(bundled: str, tmp_path: Path) -> None:
    out = tmp_path / "dy.html"
    result = invoked(
        "--store", bundled, "report", "-e", "Dy", "--from", "CN", "--to", "JP", "--out", str(out)
    )
    assert result.stdout == ""
    assert result.stderr == (
        f"regimes: wrote {out} (17 status periods charted, log position 284)\n"
    )
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "MOFCOM Announcement No. 1 of 2026" in page


def test_a_name_no_record_mentions_is_warned_about_and_on_the_page(
    bundled: str, tmp_path: Path
) -> None:
    out = tmp_path / "graphit.html"
    result = invoked("--store", bundled, "report", "--item", "graphit", "--out", str(out))
    warning = "no record mentions item 'graphit'; did you mean 'graphite'?"
    assert result.stderr.splitlines()[0] == f"regimes: warning: {warning}"
    assert f"<li>{warning.replace(chr(39), '&#x27;')}</li>" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("arguments", "status", "error"),
    [
        (("--out", "."), 1, "Error: cannot write .: it is a directory"),
        (
            ("--out", "missing/r.html"),
            1,
            "Error: cannot write missing/r.html: missing does not exist",
        ),
        (("-e", "Xx", "--out", "r.html"), 2, "Error: Invalid value for '-e' / '--element': 'Xx'"),
        (
            ("--since", "2026-01-02", "--until", "2026-01-01", "--out", "r.html"),
            2,
            "Error: Invalid value for --since: --since 2026-01-02 is after --until 2026-01-01",
        ),
        (("-e", "Dy"), 2, "Error: Missing option '--out'."),
    ],
    ids=["a directory", "no directory", "unknown element", "since after until", "no --out"],
)
def test_bad_input_is_one_error_line_and_writes_nothing(
    bundled: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    arguments: tuple[str, ...],
    status: int,
    error: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("--store", bundled, "report", *arguments)
    assert result.exit_code == status
    assert [line for line in result.stderr.splitlines() if "Error" in line] == [
        result.stderr.splitlines()[-1]
    ]
    assert result.stderr.splitlines()[-1].startswith(error)
    assert list(tmp_path.iterdir()) == []


def test_without_plotly_the_command_names_the_extra(
    bundled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    out = tmp_path / "r.html"
    result = invoke("--store", bundled, "report", "-e", "Dy", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == "Error: the report needs plotly: pip install 'regimes[report]'\n"
    assert not out.exists()

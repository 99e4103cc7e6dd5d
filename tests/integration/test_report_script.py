"""`regimes report` in the installed script, as a user runs it (issue 22)."""

from __future__ import annotations

from pathlib import Path

from tests.commands import regimes
from tests.report_samples import bundled_store


def test_the_script_writes_a_report_and_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    store = bundled_store(tmp_path / "bundled.db")
    out = tmp_path / "out"
    out.mkdir()
    page = out / "dy.html"
    done = regimes(
        "--store", store, "report", "-e", "Dy", "--from", "CN", "--to", "JP", "--out", str(page)
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"regimes: wrote {page} (17 status periods charted, log position 284)\n"
    assert "MOFCOM Announcement No. 1 of 2026" in page.read_text(encoding="utf-8")
    for arguments, status in [
        (("--out", str(out)), 1),  # a directory
        (("--out", str(page / "r.html")), 1),  # under a file: not writable
        (("-e", "Xx", "--out", str(out / "r.html")), 2),  # no such element
    ]:
        refused = regimes("--store", store, "report", *arguments)
        assert refused.returncode == status, refused.stderr
        errors = [line for line in refused.stderr.splitlines() if "Error" in line]
        assert errors == [refused.stderr.splitlines()[-1]]
        assert "Traceback" not in refused.stderr
    assert [path.name for path in out.iterdir()] == ["dy.html"]

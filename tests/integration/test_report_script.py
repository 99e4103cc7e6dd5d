"""`regimes report` in the installed script, as a user runs it (issue 22)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.commands import regimes


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """A user whose default store is made, with the bundled history, by the first command."""
    env = {key: value for key, value in os.environ.items() if key != "REGIMES_STORE"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return env


def test_the_script_writes_a_report_and_refuses_bad_input_in_one_line(
    user_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    done = regimes(
        "report",
        "-e",
        "Dy",
        "--from",
        "CN",
        "--to",
        "JP",
        "--out",
        str(out / "dy.html"),
        env=user_env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"regimes: wrote {out / 'dy.html'} (")
    assert "MOFCOM Announcement No. 1 of 2026" in (out / "dy.html").read_text(encoding="utf-8")
    for arguments, status in [
        (("--out", str(out)), 1),
        (("--out", str(out / "missing" / "r.html")), 1),
        (("--out", str(out / "dy.html" / "r.html")), 1),
        (("-e", "Xx", "--out", str(out / "r.html")), 2),
    ]:
        refused = regimes("report", *arguments, env=user_env)
        assert refused.returncode == status, refused.stderr
        errors = [line for line in refused.stderr.splitlines() if "Error" in line]
        assert len(errors) == 1
        assert refused.stderr.splitlines()[-1] == errors[0]
        assert "Traceback" not in refused.stderr
    assert [path.name for path in out.iterdir()] == ["dy.html"]

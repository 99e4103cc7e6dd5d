"""The README's shown sessions (`$ regimes …` followed by its output) are what the commands
print on the bundled history: every row shown is a row of the real output, cell for cell."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.commands import invoke

README = (Path(__file__).parents[2] / "README.md").read_text()
#: A shown session: the command line, then the output lines up to the end of the block.
SESSION = re.compile(r"```\n\$ (regimes [^\n]*)\n(.*?)```", re.S)
SESSIONS = SESSION.findall(README)


def _cells(line: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in re.split("[│┃]", line.strip().strip("│┃")))


@pytest.fixture(scope="module")
def bundled(bundled_module_store: str) -> str:
    return bundled_module_store


def test_the_readme_shows_sessions() -> None:
    assert len(SESSIONS) >= 4


@pytest.mark.parametrize(("command", "shown"), SESSIONS, ids=[c for c, _ in SESSIONS])
def test_a_readme_session_is_what_the_command_prints(
    bundled: str, command: str, shown: str
) -> None:
    result = invoke("--store", bundled, *shlex.split(command)[1:])
    printed = result.stdout + result.stderr
    rows = {_cells(line) for line in printed.splitlines()}
    for line in shown.splitlines():
        if "…" in line or not line.strip():
            continue  # elided in the README
        if "│" in line:
            assert _cells(line) in rows, line
        else:
            assert line.strip() in printed, line


def test_the_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = README.index("## From Python")
    opening = README.index("```python\n", start) + len("```python\n")
    example = README[opening : README.index("```", opening)]
    monkeypatch.chdir(tmp_path)  # team.db is made here; the default store is the test's own
    exec(compile(example, "README.md", "exec"), {})
    assert (tmp_path / "team.db").exists()

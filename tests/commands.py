"""Running `regimes` commands in tests: the installed script in a process of its own, or the
CLI in this process through click's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from cli.main import main

#: The installed console script beside the interpreter running the tests.
REGIMES = str(Path(sys.executable).parent / "regimes")


def regimes(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """A command in a process of its own, as a user runs it."""
    return subprocess.run(
        [REGIMES, *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def invoke(*args: str, stdin: bytes | None = None) -> Result:
    """A command in this process, whatever its exit status."""
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def invoked(*args: str, stdin: bytes | None = None) -> Result:
    """A command in this process that must succeed."""
    result = invoke(*args, stdin=stdin)
    assert result.exit_code == 0, result.stderr
    return result


def answered(store: str, *args: str) -> dict[str, Any]:
    """A question asked of `store` in JSON that must succeed, and its answer."""
    answer = json.loads(invoked("--store", store, *args, "--format", "json").stdout)
    assert isinstance(answer, dict)
    return answer


def copy_store(template: Path, path: str) -> str:
    """A copy of a SQLite store at `path` (its file and any beside it, such as its
    write-ahead log): a store with the bundled history without loading it again."""
    import shutil

    for made in template.parent.iterdir():
        if made.name.startswith(template.name):
            shutil.copyfile(made, path + made.name[len(template.name) :])
    return path

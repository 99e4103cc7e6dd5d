"""The project's code a measurement runs: a git revision exported to a snapshot, or the
working tree; and the environment that puts it first on every process's import path."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: The project's top-level packages in any layout (`store/` appeared with d72ee46); a
#: revision is exported with those it has, so none of its modules comes from elsewhere.
PACKAGES = ("domain", "store", "projections", "cli", "regimes")
#: PYTHONPATH as this process found it, before any revision was put in front of it.
_GIVEN_PYTHONPATH = os.environ.get("PYTHONPATH", "")


def label(state: dict[str, Any]) -> str:
    """What results call a code `state`: its commit, marked when the working tree changed
    the project's code."""
    return str(state["commit"]) + ("+changes" if state.get("uncommitted_code_changes") else "")


@dataclass(frozen=True)
class Code:
    """One version of the project's code: where it is and what the results call it."""

    state: dict[str, Any]  # what results record under "code": commit, changes, pinned
    path: Path | None = None  # the snapshot put first on PYTHONPATH; None: the working tree
    packages: tuple[str, ...] = field(default=PACKAGES)

    @property
    def label(self) -> str:
        """The commit, marked when the working tree changed the project's code."""
        return label(self.state)

    def env(self) -> dict[str, str]:
        """The environment of a process that must run this code (workers, helpers they
        start, `regimes`): its snapshot first on PYTHONPATH."""
        env = dict(os.environ)
        paths = [str(self.path)] if self.path else []
        env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [_GIVEN_PYTHONPATH])])
        if not env["PYTHONPATH"]:
            del env["PYTHONPATH"]
        return env

    def use_here(self) -> None:
        """Puts this code first on this process's import path too (and on that of the
        processes it starts without an explicit environment)."""
        if self.path is not None:
            sys.path.insert(0, str(self.path))
            os.environ["PYTHONPATH"] = self.env()["PYTHONPATH"]


def git(*words: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), *words], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def pin(revision: str, into: Path) -> Code:
    """Exports the project's packages at `revision` into `into` (compiled to bytecode)."""
    commit = git("rev-parse", "--verify", f"{revision}^{{commit}}")
    if not commit:
        raise SystemExit(f"no commit {revision!r} in {ROOT}")
    packages = tuple(
        name for name in PACKAGES if git("cat-file", "-t", f"{commit}:{name}") == "tree"
    )
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, *packages], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    compile_packages(into, packages)
    state = {"commit": commit[:7], "uncommitted_code_changes": False, "pinned": True}
    return Code(state, into, packages)


def working_tree() -> Code:
    """The working tree's code (what the editable install imports), compiled to bytecode."""
    packages = tuple(name for name in PACKAGES if (ROOT / name / "__init__.py").exists())
    compile_packages(ROOT, packages)
    return Code(code_state(packages), None, packages)


def compile_packages(root: Path, packages: tuple[str, ...] = PACKAGES) -> None:
    """Compiles the project's modules to bytecode, as an installed package has them (a
    process timed with PYTHONDONTWRITEBYTECODE set would otherwise compile them every time,
    while the import baseline's libraries were compiled when they were installed)."""
    done = subprocess.run(
        [PYTHON, "-m", "compileall", "-q", *(str(root / name) for name in packages)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        print(
            f"warning: could not compile {root} to bytecode (read-only?); the process "
            f"figures then include compiling it: {done.stdout[-300:]}",
            file=sys.stderr,
        )


def code_state(packages: tuple[str, ...] = PACKAGES) -> dict[str, Any]:
    """The commit checked out, and a digest of uncommitted changes to the project's code."""
    diff = git("diff", "HEAD", "--", *packages)
    untracked = git("ls-files", "--others", "--exclude-standard", *packages)
    digest = hashlib.sha256(diff.encode())
    for name in untracked.split():
        digest.update((ROOT / name).read_bytes())
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_code_changes": bool(diff or untracked),
        "code_digest": digest.hexdigest()[:12],
    }


def revision(name: str) -> Code:
    """The project's code at a git revision, exported for this run only."""
    snapshot = Path(tempfile.mkdtemp(prefix="regimes-bench-code-"))
    atexit.register(shutil.rmtree, snapshot, ignore_errors=True)
    return pin(name, snapshot)

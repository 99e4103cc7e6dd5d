"""Counts the instructions a replay or an append takes, under valgrind's callgrind: a figure
that other work on the machine does not change, unlike seconds.

    python benchmarks/instructions.py --records 10000 --at HEAD --baseline-at fa22eb5

For each revision, in one process each (a replay of fewer than 20,000 records starts no
helper): the append of the synthetic history into a fresh SQLite file, then the replay's
load alone (each measure's events read, decoded and folded into rows, which are dropped:
the projection's Python without the writes), then a replay of that store from the appended
state; each counted whole, less a run that only opens the
store (the interpreter, the imports and the opening). Prints the counts side by side with
their change. Slow: about fifty times the step's own time (~1 minute per step at 10k).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from histories import generated  # noqa: E402
from revisions import PYTHON, Code, label, revision, working_tree  # noqa: E402

from projections.shards import SHARDED_FROM  # noqa: E402

#: What the counted process does: open the store, then `step` (nothing, append, load or
#: replay).
STEP = """
import sys
from datetime import UTC, datetime
sys.path.insert(0, {benchmarks!r})
import layout
app = layout.open_application({store!r})
if {step!r} == "append":
    layout.append_file(app, {history!r}, datetime.now(UTC))
elif {step!r} == "load":  # the replay's load, its rows made and dropped: its Python
    from projections.bulk_load import load_shard
    load_shard(app, lambda *chunk: None, app.recorder.max_notification_id() or 0, (None, None))
elif {step!r} == "replay":
    from projections.queries import RegimeReader
    reader = RegimeReader(app)
    reader.replay()
    reader.close()
app.close()
"""


def counted(code: Code, step: str, store: Path, history: Path) -> int:
    """The instructions of one process doing `step` with `code` on `store` (started in the
    store's folder: `python -c` puts its working directory first on the import path, and the
    project's own would shadow a pinned revision)."""
    script = STEP.format(benchmarks=str(HERE), store=str(store), step=step, history=str(history))
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PYTHON, "-c", script],
        env=code.env(),
        cwd=store.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"refs:\s+([\d,]+)", done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"{step} at {label(code.state)} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def measure(code: Code, history: Path, work: Path) -> dict[str, int]:
    """The instructions of the append, the replay's load and the replay with `code`, each
    less an opening's."""
    store = work / f"{label(code.state)}.db"
    opening = counted(code, "open", store, history)  # creates the empty store
    appended = counted(code, "append", store, history)
    reopening = counted(code, "open", store, history)  # the appended store, no view built
    loaded = counted(code, "load", store, history)  # writes nothing
    replayed = counted(code, "replay", store, history)
    return {
        "append": appended - opening,
        "load": loaded - reopening,
        "replay": replayed - reopening,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--at", metavar="REVISION", help="default: the working tree")
    parser.add_argument("--baseline-at", metavar="REVISION")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "regimes-bench-data"
    )
    args = parser.parse_args(argv)
    if args.records >= SHARDED_FROM:
        raise SystemExit(
            f"--records below {SHARDED_FROM:,}: a larger replay starts helper processes, "
            "which this count would leave out"
        )
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    args.data.mkdir(parents=True, exist_ok=True)
    history = generated(args.records, args.seed, args.data, lambda text: print(text))
    codes = [revision(args.at) if args.at else working_tree()]
    if args.baseline_at:
        codes.append(revision(args.baseline_at))
    counts = []
    for code in codes:
        with tempfile.TemporaryDirectory(prefix="regimes-instructions-") as work:
            print(f"counting {label(code.state)} ...", file=sys.stderr)
            counts.append(measure(code, history, Path(work)))
    names = [label(code.state) for code in codes]
    print(f"{args.records:,} records, instructions (G) counted by callgrind")
    print(f"  {'step':<8} " + " ".join(f"{name:>16}" for name in names) + "  change")
    for step in ("append", "load", "replay"):
        values = [found[step] for found in counts]
        change = f"  {values[0] / values[1] - 1:+.1%}" if len(values) == 2 else ""
        print(f"  {step:<8} " + " ".join(f"{value / 1e9:>16.3f}" for value in values) + change)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")  # the same hashing in every counted run
    sys.exit(main())

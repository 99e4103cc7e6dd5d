"""Performance benchmarks of `regimes`, each beside a baseline measured in the same run.

    python benchmarks/bench.py --sizes 10000,100000,1000000 --repeat 2 \\
        --raw-shapes bare,deferred --out benchmarks/results.json --at HEAD

Per size, in fresh temporary directories, it measures (medians over `--repeat` runs):

- append: `Regimes.append` of a `Batch` read from the generated file (read + validate +
  write, what `regimes append FILE` does), and the whole `regimes --store X append FILE`
  process; baseline: the library's own `save(*aggregates)` of as many minimal events.
- replay: `RegimeReader(app).replay()` into fresh projections, with the peak memory of the
  process doing it; baseline: read the same stored events with `sqlite3` in rowid order,
  `orjson.loads` each state and `executemany` as many rows as the replay wrote, one
  transaction per 500-event batch, into a fresh table in a fresh file (no index: the
  target's baseline); for information also with indexes like the view's row indexes kept
  during the load, and built after it.
- as-of in process: p50/p95 of `RegimeReader.as_of` over random flows, after warm-up;
  above 10k, alternated one by one with queries planned the same way on a 10k store, for
  the growth ratio; the latencies of `--repeat` runs pooled.
- as-of as a process: `regimes --store X as-of DATE -e SYM --from CC --to CC`; baseline:
  `python -c "import eventsourcing.application, pydantic, click"`.
- catch-up: the first query after appending one record; baseline: the same query with
  nothing to catch up; the rounds of `--repeat` runs pooled.
- write path (`--only write-path`, asked for by name): `Regimes.append` through the
  library's `Application.save()` against the bypass a46d99d used (map each event, then
  `recorder.insert_events`), implemented in `write_path.py`, alternating runs.

Every timed step runs in its own worker process (`bench.py worker …`), started through a
small wrapper process that reports the worker's peak RSS (`RUSAGE_CHILDREN`). Results merge
into `--out` by size and section, each section naming the commit it was measured on, so
sizes and parts (`--only`) can be measured in separate runs; `--at REVISION` measures a
commit rather than the working tree. `--baseline-at REVISION` measures a second commit in
the same run, step by step in alternation with the first, and prints each target ratio at
both with the change (`measure.py`). The modules beside this one: `revisions.py` (the code
measured), `layout.py` (the project's modules in either layout), `workers.py`,
`baselines.py`, `write_path.py`, `histories.py`, `measure.py`, `targets.py`, `tables.py`.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from measure import DEFAULT_PARTS, PARTS, Progress, measure_size
from revisions import ROOT, Code, pin, working_tree
from tables import table
from targets import comparison, targets
from workers import WORKERS, rss_wrapper

HERE = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # a fallback: the installed (or pinned) packages come first


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        kind, *rest = argv[1:]
        print(json.dumps(WORKERS[kind](*_arguments(rest))))
        return 0
    if argv[:2] == ["rss", "--"]:
        return rss_wrapper(argv[2:])
    args = parser().parse_args(argv)
    results: dict[str, Any] = {"sizes": {}}
    if args.out.exists():
        results = json.loads(args.out.read_text())
    if args.table:
        judge(results)
        print(table(results))
        return 0
    args.data = args.data or Path(tempfile.gettempdir()) / "regimes-bench-data"
    args.data.mkdir(parents=True, exist_ok=True)
    say = Progress()
    codes = [revision(args.at) if args.at else working_tree()]
    if args.baseline_at:
        codes.append(revision(args.baseline_at))
        say(f"measuring {codes[0].label}, side by side with {codes[1].label}")
    codes[0].use_here()  # this process plans the queries with the measured code
    results["machine"] = machine()
    results["code"] = codes[0].state
    places = [results]
    if args.baseline_at:
        baseline = results.setdefault("baseline", {"sizes": {}})
        baseline["code"] = codes[1].state
        places.append(baseline)
    run = datetime.now(UTC).isoformat(timespec="seconds")  # names this run's sections
    for size in (int(text.replace("_", "")) for text in args.sizes.split(",")):
        known = results["sizes"].get(str(size), {}).get("replay", {}).get("rows")
        measured = measure_size(size, args, codes, say, known)
        for place, code, found in zip(places, codes, measured, strict=True):
            merge(place, size, found, code, run)
        judge(results)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        say(f"{size}: done, results in {args.out}")
    print(table(results))
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated record counts (default 10000,100000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each throughput step")
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "results.json",
        help="JSON results; sizes already in it are kept unless measured again",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only",
        help=f"comma-separated parts of: {','.join(PARTS)} (default: all but write-path, "
        f"i.e. {','.join(DEFAULT_PARTS)})",
    )
    parser.add_argument("--queries", type=int, default=300, help="timed as-of queries")
    parser.add_argument("--warmup", type=int, default=50, help="as-of warm-up queries")
    parser.add_argument(
        "--process-runs",
        type=int,
        default=11,
        help="whole-process as-of runs (each, with the baseline)",
    )
    parser.add_argument("--catchup-rounds", type=int, default=10)
    parser.add_argument(
        "--raw-shapes",
        default="bare,indexed,deferred",
        help="raw baselines to run: bare (the target's), indexed, deferred",
    )
    parser.add_argument("--workdir", help="where the temporary stores go (default $TMPDIR)")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="where generated histories are kept and reused (default: a folder in $TMPDIR)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the stores afterwards")
    parser.add_argument(
        "--at",
        metavar="REVISION",
        help="measure the project's code at this git revision (exported to a "
        "temporary folder), not the working tree",
    )
    parser.add_argument(
        "--baseline-at",
        metavar="REVISION",
        help="also measure this git revision in the same run, each step alternating with "
        "the measured code's, and compare their target ratios",
    )
    parser.add_argument(
        "--table", action="store_true", help="only print the table of --out and exit"
    )
    return parser


def revision(name: str) -> Code:
    """The project's code at a git revision, exported for this run only."""
    snapshot = Path(tempfile.mkdtemp(prefix="regimes-bench-code-"))
    atexit.register(shutil.rmtree, snapshot, ignore_errors=True)
    return pin(name, snapshot)


def merge(place: dict[str, Any], size: int, measured: dict[str, Any], code: Code, run: str) -> None:
    """Puts one size's results into `place` (the measured revision's results, or the
    baseline's), replacing the sections measured again; every section names its code and
    its run, which the targets and the comparison check."""
    measured["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    measured["code"] = code.state
    for name, section in measured.items():
        if name != "code" and isinstance(section, dict):
            section["commit"] = code.label  # sizes merge by section: each names its code
            section["run"] = run  # and its run: targets compare sections of one run
    earlier = place["sizes"].get(str(size), {})
    for section in earlier.values():  # keep naming the code of sections not measured now
        if isinstance(section, dict) and "commit" not in section and "code" in earlier:
            section["commit"] = earlier["code"]["commit"]
    place["sizes"][str(size)] = {**earlier, **measured}


def judge(results: dict[str, Any]) -> None:
    """The targets of the measured revision, and the comparison with the baseline's."""
    results["targets"] = targets(results.get("sizes", {}))
    if "baseline" in results:
        results["comparison"] = comparison(results["sizes"], results["baseline"]["sizes"])


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import eventsourcing
    import pydantic

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "",
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": getattr(eventsourcing, "__version__", _version("eventsourcing")),
        "pydantic": pydantic.VERSION,
        "orjson": orjson.__version__,
        "platform": platform.platform(),
    }


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _arguments(words: list[str]) -> Iterator[object]:
    for word in words:
        yield int(word) if word.lstrip("-").isdigit() else word


if __name__ == "__main__":
    sys.exit(main())

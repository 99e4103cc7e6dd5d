"""Performance benchmarks of `regimes`, each beside a baseline measured in the same run.

    python benchmarks/bench.py --sizes 10000,100000,1000000 --repeat 2 \\
        --raw-shapes bare,deferred --out benchmarks/results.json --at HEAD \\
        --postgres postgresql://postgres@127.0.0.1:5432

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
- store size (issue 23): the bytes of the store the first `regimes append FILE` process
  made (file and write-ahead log), against the JSON Lines input, and again after a
  `regimes replay` process on it.
- wide: one measure naming every element and every country but its issuer, then ten
  amendments, each appended by `regimes.Store.append` in one process (log and projections):
  their seconds, and what they added to the store's live pages.
- with `--postgres SERVER`, the same run measures `pg_bench.py`'s parts on that server
  (`pg-append`, `pg-replay`, `pg-asof`, `pg-cli-asof`, `pg-wide`; see that module), after
  each size's SQLite parts; the as-of process comparison reuses this run's SQLite store.
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
`baselines.py`, `write_path.py`, `histories.py`, `measure.py`, `targets.py`, `tables.py`,
`store_size.py`, `machine.py`, `pg_bench.py` and `pg_workers.py`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from machine import machine
from measure import DEFAULT_PARTS, PARTS, Progress, measure_size
from revisions import ROOT, Code, revision, working_tree
from tables import table
from targets import comparison, targets
from workers import WORKERS, rss_wrapper

HERE = Path(__file__).resolve().parent
#: The parts measured on PostgreSQL with `--postgres` (`pg_bench.py`'s, prefixed).
POSTGRES_PARTS = ("pg-append", "pg-replay", "pg-asof", "pg-cli-asof", "pg-wide")
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
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
    asked = set(args.only.split(",")) if args.only else set(DEFAULT_PARTS)
    if not args.only and args.postgres:
        asked |= set(POSTGRES_PARTS)
    unknown = asked - set(PARTS) - set(POSTGRES_PARTS)
    if unknown:
        raise SystemExit(f"unknown parts: {', '.join(sorted(unknown))}")
    on_postgres = asked & set(POSTGRES_PARTS)
    if on_postgres and not args.postgres:
        raise SystemExit("the pg- parts need --postgres SERVER")
    args.only = ",".join(sorted(asked - on_postgres))  # the SQLite parts
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
    postgres = None
    if on_postgres:
        from pg_bench import PostgresRun

        on_server = argparse.Namespace(
            **{**vars(args), "server": args.postgres, "pristine": None},
        )
        on_server.only = ",".join(sorted(part.removeprefix("pg-") for part in on_postgres))
        postgres = PostgresRun(on_server, codes[0], say)
        results["postgresql"] = {**results.get("postgresql", {"sizes": {}}), **postgres.header()}
    run = datetime.now(UTC).isoformat(timespec="seconds")  # names this run's sections
    command = " ".join(["python benchmarks/bench.py", *argv])
    try:
        for size in (int(text.replace("_", "")) for text in args.sizes.split(",")):
            if args.only:
                known = results["sizes"].get(str(size), {}).get("replay", {}).get("rows")
                snapshot = None
                if postgres is not None and "pg-cli-asof" in on_postgres:
                    snapshot = postgres.sqlite_store(size)  # spares it a SQLite store
                measured = measure_size(size, args, codes, say, known, snapshot=snapshot)
                for place, code, found in zip(places, codes, measured, strict=True):
                    merge(place, size, found, code, run)
                judge(results)
            if postgres is not None:
                results["postgresql"]["sizes"][str(size)] = postgres.measure(size, command)
                judge(results)
            args.out.write_text(json.dumps(results, indent=2) + "\n")
            say(f"{size}: done, results in {args.out}")
    finally:
        if postgres is not None:
            postgres.close()
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
        "--postgres",
        metavar="SERVER",
        help="also measure the pg- parts on this PostgreSQL server (a store URL without the "
        f"database, e.g. {POSTGRES_SERVER}): {','.join(POSTGRES_PARTS)}, all of them unless "
        "--only names some; each store a fresh database, dropped afterwards (pg_bench.py)",
    )
    parser.add_argument(
        "--table", action="store_true", help="only print the table of --out and exit"
    )
    return parser


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
    """The targets of the measured revision (on SQLite, and on PostgreSQL when measured),
    and the comparison with the baseline's."""
    results["targets"] = targets(results.get("sizes", {}))
    if "postgresql" in results:
        from pg_bench import judged

        results["postgresql"]["targets"] = [
            {"target": label, "size": size, "value": value, "text": text, "met": met}
            for label, size, value, text, met in judged(results["postgresql"]["sizes"])
        ]
    if "baseline" in results:
        results["comparison"] = comparison(results["sizes"], results["baseline"]["sizes"])


def _arguments(words: list[str]) -> Iterator[object]:
    for word in words:
        yield int(word) if word.lstrip("-").isdigit() else word


if __name__ == "__main__":
    sys.exit(main())

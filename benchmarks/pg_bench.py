"""Issue 23's PostgreSQL targets, each figure beside its baseline measured in the same run.

    python benchmarks/pg_bench.py --sizes 10000,100000 --repeat 2 \\
        --out benchmarks/results-postgresql.json --at HEAD

Per size, every store a fresh database `regimes_bench_<run>_<size>_<what>` on the server of
`--server` (dropped afterwards, whatever happens), every timed step in a fresh process
(`bench.py worker …`, as in `bench.py`), the figure and its baseline alternating run by run:

- append: the whole `regimes --store PG append FILE` process, against the library's own
  batched `save` of as many minimal events into a fresh database on the same server (10,000
  aggregates per `save` call: one call of 100,000 never returns, `pg_workers.SAVE_CHUNK`).
  For information, `Regimes.append` in process (no projections), once; its database is the
  pristine store (view never built) every replay starts from.
- replay: `RegimeReader(app).replay()` of a copy of the pristine store (`CREATE DATABASE …
  TEMPLATE`, untimed); baseline: psycopg reads the same events in position order, 500 at a
  time, `orjson.loads` each state and `COPY`s as many rows as the replay wrote into a fresh
  table (no index) in a fresh database, one transaction per 500-event page.
- as-of in process: `RegimeReader.as_of` over the planned flows (`histories.plan_queries`),
  after warm-up; above 10k alternated one by one with the 10k PostgreSQL store's (built by
  this run), as `bench.py` does for SQLite.
- `regimes as-of` as a process on the PostgreSQL store, against the same command on a
  SQLite store of the same history (appended and replayed, untimed), interleaved run by run
  with each other and, for information, with the bare-import baseline of `bench.py` and the
  floor of any PostgreSQL command (those imports, psycopg's, one connection, `SELECT 1`).

`--table` prints the table and the targets of `--out` again.
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from baselines import IMPORT_BASELINE  # noqa: E402
from histories import asof_question, generated, plan_queries  # noqa: E402
from machine import machine  # noqa: E402
from measure import Progress, regimes_script  # noqa: E402
from revisions import PYTHON, Code, revision, working_tree  # noqa: E402
from store_size import postgres_bytes  # noqa: E402
from workers import pooled_asof, rounded, run_worker, summary, timed_process  # noqa: E402

REFERENCE_SIZE = 10_000
#: (label, figure section, lower/higher is better, limit, size judged at)
TARGETS = (
    ("PG `regimes append FILE` >= 0.5x library save (PG)", "append", ">=", 0.5, 100_000),
    ("PG `regimes as-of` process <= 1.5x SQLite process", "cli_asof", "<=", 1.5, None),
    ("PG as-of p50 <= 1.5x p50 at 10k (side by side)", "asof_growth", "<=", 1.5, 1_000_000),
    ("PG as-of p50 <= 5 ms", "asof_p50", "<=", 5.0, None),
    ("PG replay >= 0.4x raw psycopg (read, decode, COPY)", "replay", ">=", 0.4, 1_000_000),
    ("PG store after regimes append <= 4x JSON Lines", "store_size", "<=", 4.0, 100_000),
    ("PG every-element measure + 10 amendments adds <= 5 MB", "wide_bytes", "<=", 5.0, None),
    ("PG every-element measure + 10 amendments <= 1 s", "wide_seconds", "<=", 1.0, None),
)


class Server:
    """The PostgreSQL server: the fresh databases of this run, and dropping them."""

    def __init__(self, base: str, say: Progress) -> None:
        self.base = base.rstrip("/")
        self.say = say
        self.tag = uuid.uuid4().hex[:6]
        self.created: list[str] = []
        atexit.register(self.drop_all)

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(statement)

    def fresh(self, what: str, template: str | None = None) -> str:
        """A new database (a copy of `template`, if given); its name."""
        name = f"regimes_bench_{self.tag}_{what}"
        self.drop(name)
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            try:
                self.drop(name)
            except Exception as error:  # reported; the others are still dropped
                self.say(f"could not drop {name}: {error}")

    def version(self) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres")) as connection:
            row = connection.execute("SELECT version()").fetchone()
            return str(row[0]) if row else ""


class PostgresRun:
    """The PostgreSQL parts of one run (of this script, or of `bench.py --postgres`): the
    server and this run's fresh databases, a scratch folder, and the 10k store the larger
    sizes' as-of is measured beside."""

    def __init__(self, args: argparse.Namespace, code: Code, say: Progress) -> None:
        self.args, self.code, self.say = args, code, say
        self.server = Server(args.server, say)
        self.work = Path(tempfile.mkdtemp(prefix="regimes-pgbench-", dir=args.workdir))
        atexit.register(shutil.rmtree, self.work, ignore_errors=True)
        self.references: dict[str, str] = {}
        self.run = datetime.now(UTC).isoformat(timespec="seconds")

    def sqlite_store(self, size: int) -> Path:
        """Where the SQLite store of the same history, its view built, may be put for the
        process comparison (`cli_asof`), which otherwise makes its own."""
        return self.work / f"sqlite-{size}.db"

    def measure(self, size: int, command: str) -> dict[str, Any]:
        """Every part asked for at one size, stamped with the code, run and command."""
        found = measure_size(
            size, self.args, self.code, self.server, self.work, self.references, self.say
        )
        found["commit"], found["run"], found["command"] = self.code.label, self.run, command
        found["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        return found

    def header(self) -> dict[str, Any]:
        """The machine (with the server's version) and the code, for the results."""
        return {
            "machine": {**machine(), "postgresql": self.server.version()},
            "code": self.code.state,
        }

    def close(self) -> None:
        self.server.drop_all()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    results: dict[str, Any] = {"sizes": {}}
    if args.out.exists():
        results = json.loads(args.out.read_text())
    if args.table:
        print(table(results))
        return 0
    say = Progress()
    args.data = args.data or Path(tempfile.gettempdir()) / "regimes-bench-data"
    args.data.mkdir(parents=True, exist_ok=True)
    code = revision(args.at) if args.at else working_tree()
    code.use_here()
    postgres = PostgresRun(args, code, say)
    results.update(postgres.header())
    command = " ".join(["python benchmarks/pg_bench.py", *(argv or sys.argv[1:])])
    try:
        for size in (int(text.replace("_", "")) for text in args.sizes.split(",")):
            results["sizes"][str(size)] = postgres.measure(size, command)
            args.out.write_text(json.dumps(results, indent=2) + "\n")
            say(f"{size}: done, results in {args.out}")
    finally:
        postgres.close()
    print(table(results))
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each throughput step")
    parser.add_argument(
        "--server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="the PostgreSQL server, as a store URL without the database",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results-postgresql.json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only",
        default="append,replay,asof,cli-asof,wide",
        help="parts: append,replay,asof,cli-asof,wide (the query parts need a replayed store, "
        "made unmeasured when replay is not asked for)",
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--process-runs", type=int, default=11)
    parser.add_argument("--workdir")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--at", metavar="REVISION")
    parser.add_argument(
        "--pristine",
        metavar="DATABASE",
        help="one size only: start every replay from a copy of this database (the history "
        "of that size appended, its view never built or its tables dropped) instead of "
        "appending it in process first; it is neither changed nor dropped",
    )
    parser.add_argument("--table", action="store_true")
    return parser


def measure_size(
    size: int,
    args: argparse.Namespace,
    code: Code,
    server: Server,
    work: Path,
    references: dict[str, str],
    say: Callable[[str], None],
) -> dict[str, Any]:
    def log(message: str) -> None:
        say(f"{size}: {message}")

    parts = set(args.only.split(","))
    history = generated(size, args.seed, args.data, say)
    result: dict[str, Any] = {"records": size, "seed": args.seed, "repeat": args.repeat}
    env = code.env()

    if "append" in parts:
        saves: list[dict[str, Any]] = []
        processes: list[float] = []
        for run in range(args.repeat):
            for step in ("save", "cli") if run % 2 == 0 else ("cli", "save"):
                name = server.fresh(f"{size}_{step}")
                if step == "save":
                    log(f"baseline: library save into PostgreSQL, run {run + 1}")
                    saves.append(run_worker(code, "pg_save", server.url(name), size))
                else:
                    log(f"regimes append (whole process) into PostgreSQL, run {run + 1}")
                    command = [regimes_script(), "--store", server.url(name), "append"]
                    processes.append(timed_process([*command, str(history)], env=env))
                    if run == 0:  # the store's size against its input, once
                        result["store_size"] = {
                            "jsonl_bytes": history.stat().st_size,
                            "bytes": postgres_bytes(server.url(name)),
                        }
                        result["store_size"]["ratio"] = (
                            result["store_size"]["bytes"] / result["store_size"]["jsonl_bytes"]
                        )
                server.drop(name)
        median = statistics.median(processes)
        result["save_baseline"] = summary(saves, size, "events_per_second")
        result["cli_append"] = {
            "seconds": median,
            "runs": rounded(processes),
            "records_per_second": size / median,
        }
        result["cli_append"]["ratio_to_baseline"] = (
            result["cli_append"]["records_per_second"]
            / result["save_baseline"]["events_per_second"]
        )

    if args.pristine:  # a store of this history whose view was never built, kept as it is
        pristine = args.pristine
    else:
        pristine = server.fresh(f"{size}_pristine")
        log("Regimes.append in process into PostgreSQL (information; the pristine store)")
        appended = run_worker(code, "append", server.url(pristine), history)
        result["append_in_process"] = summary([appended], size, "records_per_second")

    viewed: str | None = None
    replays: list[dict[str, Any]] = []
    raws: list[dict[str, Any]] = []
    rows: int | None = None
    for run in range(args.repeat if "replay" in parts else 0):
        for step in ("replay", "raw") if run % 2 == 0 or rows is None else ("raw", "replay"):
            if step == "replay":
                if viewed:
                    server.drop(viewed)
                viewed = server.fresh(f"{size}_viewed", template=pristine)
                log(f"replay of PostgreSQL, run {run + 1}")
                replays.append(run_worker(code, "pg_replay", server.url(viewed)))
                rows = replays[-1]["rows"]
            else:
                target = server.fresh(f"{size}_raw")
                log(f"raw psycopg baseline ({rows} rows), run {run + 1}")
                raws.append(
                    run_worker(code, "pg_raw", server.url(pristine), server.url(target), rows)
                )
                server.drop(target)
    if replays:
        result["replay"] = summary(replays, size, "events_per_second")
        result["replay"]["rows"] = rows
        result["replay"]["written"] = replays[-1]["written"]
        result["raw_baseline"] = summary(raws, size, "events_per_second")
        result["raw_baseline"]["rows"] = rows
        result["replay"]["ratio_to_baseline"] = (
            result["replay"]["events_per_second"] / result["raw_baseline"]["events_per_second"]
        )

    if parts & {"asof", "cli-asof"}:
        if viewed is None:
            viewed = server.fresh(f"{size}_viewed", template=pristine)
            log("replay (not measured) for the queries")
            run_worker(code, "pg_replay", server.url(viewed))
        flows = work / f"flows-{size}.json"
        plan = plan_queries(history, args.seed, args.queries, 0)
        flows.write_text(json.dumps(plan))
        if size == REFERENCE_SIZE:
            references["store"], references["flows"] = viewed, str(flows)
        if "asof" in parts:
            reference: tuple[str, str] | None = None
            if size > REFERENCE_SIZE:
                reference = reference_store(args, code, server, work, references, say)
            asked = []
            for run in range(args.repeat):
                log(f"as-of in process on PostgreSQL ({args.queries} queries), run {run + 1}")
                asked.append(
                    run_worker(
                        code,
                        "asof",
                        server.url(viewed),
                        flows,
                        args.warmup,
                        args.queries,
                        *(reference or ()),
                    )
                )
            result["asof"] = pooled_asof(asked)
        if "cli-asof" in parts:
            result["cli_asof"] = cli_asof(
                size, args, code, server.url(viewed), history, plan, work, log
            )
    if "wide" in parts:
        if viewed is None:
            viewed = server.fresh(f"{size}_viewed", template=pristine)
        log("one measure on everything, then 10 amendments, in one process")
        result["wide"] = run_worker(code, "wide", server.url(viewed))
    if not args.pristine:
        server.drop(pristine)
    if viewed and viewed != references.get("store"):
        server.drop(viewed)
    return result


def reference_store(
    args: argparse.Namespace,
    code: Code,
    server: Server,
    work: Path,
    references: dict[str, str],
    say: Callable[[str], None],
) -> tuple[str, str]:
    """The 10k PostgreSQL store with its view built by replay, and its planned queries."""
    if "store" not in references:
        history = generated(REFERENCE_SIZE, args.seed, args.data, say)
        say(f"{REFERENCE_SIZE}: PostgreSQL store for the as-of reference (not measured)")
        name = server.fresh(f"{REFERENCE_SIZE}_reference")
        run_worker(code, "append", server.url(name), history)
        run_worker(code, "pg_replay", server.url(name))
        flows = work / f"flows-{REFERENCE_SIZE}.json"
        flows.write_text(json.dumps(plan_queries(history, args.seed, args.queries, 0)))
        references["store"], references["flows"] = name, str(flows)
    return server.url(references["store"]), references["flows"]


def cli_asof(
    size: int,
    args: argparse.Namespace,
    code: Code,
    url: str,
    history: Path,
    plan: dict[str, Any],
    work: Path,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """`regimes as-of` on the PostgreSQL store and on a SQLite store of the same history,
    interleaved (the order alternating), with the bare-import baseline."""
    sqlite = work / f"sqlite-{size}.db"  # `PostgresRun.sqlite_store`
    if not sqlite.exists():
        log("SQLite store of the same history (not measured)")
        run_worker(code, "append", sqlite, history)
        run_worker(code, "replay", sqlite)
    flow = plan["process"]
    question = asof_question(flow)
    commands = {
        "postgresql": [regimes_script(), "--store", url, *question],
        "sqlite": [regimes_script(), "--store", str(sqlite), *question],
    }
    # Information: the bare imports, and the floor of any PostgreSQL command: the same
    # imports, the driver's, one connection and one statement.
    commands["imports"] = [PYTHON, "-c", IMPORT_BASELINE]
    commands["driver"] = [
        PYTHON,
        "-c",
        f"{IMPORT_BASELINE}, psycopg, psycopg_pool; psycopg.connect({url!r}).execute('SELECT 1')",
    ]
    env = code.env()
    for command in commands.values():
        timed_process(command, env=env)  # warm-up
    times: dict[str, list[float]] = {kind: [] for kind in commands}
    order = list(commands)
    for run in range(args.process_runs):
        for kind in order if run % 2 == 0 else order[::-1]:
            times[kind].append(timed_process(commands[kind], env=env))
    for path in work.glob(f"sqlite-{size}.db*"):
        path.unlink()
    medians = {kind: statistics.median(found) for kind, found in times.items()}
    return {
        "command": " ".join(["regimes", "--store", "URL", *question]),
        "seconds": medians["postgresql"],
        "runs": rounded(times["postgresql"]),
        "sqlite_seconds": medians["sqlite"],
        "sqlite_runs": rounded(times["sqlite"]),
        "imports_seconds": medians["imports"],
        "imports_runs": rounded(times["imports"]),
        "driver_seconds": medians["driver"],
        "driver_runs": rounded(times["driver"]),
        "driver_command": commands["driver"][2],
        "ratio": medians["postgresql"] / medians["sqlite"],
    }


def _append_ratio(r: dict[str, Any]) -> tuple[float, str]:
    process, save = r["cli_append"], r["save_baseline"]
    return (
        process["ratio_to_baseline"],
        f"{process['records_per_second']:,.0f} rec/s vs {save['events_per_second']:,.0f} ev/s",
    )


def _process_ratio(r: dict[str, Any]) -> tuple[float, str]:
    c = r["cli_asof"]
    return c["ratio"], f"{1000 * c['seconds']:.0f} ms vs SQLite {1000 * c['sqlite_seconds']:.0f} ms"


def _asof_growth(r: dict[str, Any]) -> tuple[float, str]:
    a = r["asof"]
    return (
        a["ratio_to_reference"],
        f"{a['p50_ms']:.2f} ms vs {a['reference']['p50_ms']:.2f} ms at 10k, side by side",
    )


def _replay_ratio(r: dict[str, Any]) -> tuple[float, str]:
    return (
        r["replay"]["ratio_to_baseline"],
        f"{r['replay']['events_per_second']:,.0f} ev/s vs "
        f"{r['raw_baseline']['events_per_second']:,.0f} ev/s",
    )


def _store_size(r: dict[str, Any]) -> tuple[float, str]:
    sized = r["store_size"]
    return (
        sized["ratio"],
        f"{sized['bytes'] / 1e6:,.1f} MB of tables and indexes vs "
        f"{sized['jsonl_bytes'] / 1e6:,.1f} MB of JSON Lines",
    )


#: Each target's section: what it needs in a size's results, and its value and figures.
_JUDGES: dict[str, tuple[Callable[[dict[str, Any]], bool], Callable[..., tuple[float, str]]]] = {
    "append": (lambda r: "cli_append" in r, _append_ratio),
    "cli_asof": (lambda r: "cli_asof" in r, _process_ratio),
    "asof_growth": (lambda r: "reference" in r.get("asof", {}), _asof_growth),
    "asof_p50": (
        lambda r: "asof" in r,
        lambda r: (r["asof"]["p50_ms"], f"p95 {r['asof']['p95_ms']:.2f} ms"),
    ),
    "replay": (lambda r: "replay" in r, _replay_ratio),
    "store_size": (lambda r: "store_size" in r, _store_size),
    "wide_bytes": (
        lambda r: "wide" in r,
        lambda r: (r["wide"]["added_bytes"] / 1e6, f"{r['wide']['records']} appends, one process"),
    ),
    "wide_seconds": (
        lambda r: "wide" in r,
        lambda r: (r["wide"]["seconds"], f"{r['wide']['records']} appends, one process"),
    ),
}


def judged(sizes: dict[str, Any]) -> list[tuple[str, int, float, str, bool]]:
    """Every target's ratio at every size measured: (label, size, value, text, met)."""
    found = []
    for label, section, way, limit, _ in TARGETS:
        measured, judge = _JUDGES[section]
        for key in sorted(sizes, key=int):
            r = sizes[key]
            if not measured(r):
                continue
            value, text = judge(r)
            met = value >= limit if way == ">=" else value <= limit
            found.append((label, int(key), value, f"{text} [{r.get('commit', '?')}]", met))
    return found


def table(results: dict[str, Any]) -> str:
    sizes = results.get("sizes", {})
    lines = [
        f"{'target':52} {'size':>9} {'value':>8}  {'limit':>7}  figures",
    ]
    limits = {label: (way, limit, at) for label, _, way, limit, at in TARGETS}
    for label, size, value, text, met in judged(sizes):
        way, limit, at = limits[label]
        judged_here = at is None or at == size
        status = ("MET " if met else "MISS") if judged_here else "(trend)"
        lines.append(f"{label:52} {size:>9,} {value:8.3f}  {way}{limit:<5}  {status:7} {text}")
    lines.append("")
    lines.append("information:")
    for key in sorted(sizes, key=int):
        r = sizes[key]
        if "append_in_process" in r:
            a = r["append_in_process"]
            lines.append(
                f"  {int(key):>9,} Regimes.append in process (no projections): "
                f"{a['records_per_second']:,.0f} rec/s ({a['seconds']:.1f} s)"
            )
        if "cli_append" in r:
            lines.append(
                f"  {int(key):>9,} regimes append process: {r['cli_append']['seconds']:.1f} s, "
                f"runs {r['cli_append']['runs']}; save runs {r['save_baseline']['runs']}"
            )
        if "cli_asof" in r:
            c = r["cli_asof"]
            lines.append(
                f"  {int(key):>9,} as-of processes: PG {c['runs']}, SQLite {c['sqlite_runs']}; "
                f"bare imports {1000 * c['imports_seconds']:.0f} ms"
                + (
                    f", imports + psycopg + connect + SELECT 1 {1000 * c['driver_seconds']:.0f} ms"
                    if "driver_seconds" in c
                    else ""
                )
            )
        if "replay" in r:
            lines.append(
                f"  {int(key):>9,} replay: {r['replay']['seconds']:.1f} s, "
                f"{r['replay']['rows']:,} rows, peak RSS "
                f"{r['replay']['peak_rss_bytes'] / 2**20:.0f} MiB; raw runs "
                f"{r['raw_baseline']['runs']}"
            )
    machine = results.get("machine", {})
    if machine:
        lines.append(
            f"machine: nproc {machine.get('nproc')}, {machine.get('cpu')}; "
            f"{str(machine.get('postgresql', '')).split(' on ')[0]}; "
            f"code {results.get('code', {}).get('commit')}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

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
  the growth ratio.
- as-of as a process: `regimes --store X as-of DATE -e SYM --from CC --to CC`; baseline:
  `python -c "import eventsourcing.application, pydantic, click"`.
- catch-up: the first query after appending one record; baseline: the same query with
  nothing to catch up.

Every timed step runs in its own worker process (`bench.py worker …`), started through a
small wrapper process that reports the worker's peak RSS (`RUSAGE_CHILDREN`). Results merge
into `--out` by size and section, each section naming the commit it was measured on, so
sizes and parts (`--only`) can be measured in separate runs; `--at REVISION` measures a
commit rather than the working tree.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import hashlib
import io
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # a fallback: the installed (or --at) packages come first

PYTHON = sys.executable
IMPORT_BASELINE = "import eventsourcing.application, pydantic, click"
BATCH = 500  # events per transaction in the raw replay baseline, as in the library's loop
GiB = 1024**3


def regimes_script() -> str:
    """The installed console script beside this interpreter."""
    found = shutil.which("regimes", path=str(Path(PYTHON).parent))
    return found or "regimes"


# ---------------------------------------------------------------------------------------
# Workers: each prints one JSON object on its last line of stdout.
# ---------------------------------------------------------------------------------------


def _open(store: str) -> Any:
    from store.locations import parse_store
    from store.log import open_application

    return open_application(parse_store(store))


def worker_append(store: str, records: str) -> dict[str, Any]:
    """Read + validate + write through the library API, as `regimes append FILE` does."""
    from domain.batch import Batch
    from regimes.reading import read_into

    app = _open(store)
    gc.collect()
    started = time.perf_counter()
    batch = Batch()
    with open(records, "rb") as stream:
        read_into(batch, stream)
    read = time.perf_counter()
    report = app.append(batch, datetime.now(UTC))
    finished = time.perf_counter()
    if batch.errors or report.appended != len(batch.records):
        raise SystemExit(f"append rejected or incomplete: {report} {batch.errors[:3]}")
    app.close()
    return {
        "seconds": finished - started,
        "read_seconds": read - started,
        "append_seconds": finished - read,
        "records": report.received,
        "appended": report.appended,
    }


class Minimal(Aggregate):
    """The library baseline's aggregate: one created event and nothing else."""

    @event("Created")
    def __init__(self) -> None:
        pass


class Baseline(Application[UUID]):
    """The library's application with its defaults, on a SQLite file."""


def worker_save(store: str, count: int) -> dict[str, Any]:
    """The library's own batched save of `count` minimal created events into a SQLite file."""
    app = Baseline(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": store})
    gc.collect()
    started = time.perf_counter()
    aggregates = [Minimal() for _ in range(count)]
    built = time.perf_counter()
    recordings = app.save(*aggregates)
    finished = time.perf_counter()
    assert len(recordings) == count
    app.close()
    return {"seconds": finished - built, "construct_seconds": built - started, "events": count}


def worker_replay(store: str) -> dict[str, Any]:
    """`RegimeReader(app).replay()` into fresh projections, and what it wrote."""
    from projections.queries import RegimeReader

    app = _open(store)
    reader = RegimeReader(app)
    gc.collect()
    started = time.perf_counter()
    report = reader.replay()
    seconds = time.perf_counter() - started
    written = _view_counts(store)
    reader.close()
    app.close()
    return {
        "seconds": seconds,
        "events": report.events,
        "written": written,
        "rows": sum(written.values()),
    }


def _view_counts(store: str) -> dict[str, int]:
    """Rows in each table of the live generation of the view."""
    with sqlite3.connect(store) as connection:
        (live,) = connection.execute("SELECT value FROM view_meta WHERE key = 'live'").fetchone()
        names = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name.endswith(f"_{live}")
        ]
        return {
            name: connection.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in names
        }


#: The raw baseline's table: the columns of the view's rows, and (for the "indexed" and
#: "deferred" shapes) indexes with as many entries as the view's row indexes: by flow (the
#: view splits it in believed and superseded rows; the baseline's rows are all believed)
#: and by importer.
RAW_SCHEMA = (
    "CREATE TABLE rows (measure TEXT NOT NULL, item TEXT NOT NULL, exporter TEXT NOT NULL, "
    "importer TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
    "status TEXT NOT NULL, level INTEGER NOT NULL, state TEXT NOT NULL, "
    "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
    "CREATE INDEX rows_flow ON rows (item, exporter, importer, valid_from, valid_to)",
    "CREATE INDEX rows_importer ON rows (importer, valid_from, valid_to, recorded_to)",
    "CREATE TABLE tracking (name TEXT PRIMARY KEY, position INTEGER NOT NULL)",
)


def worker_raw(store: str, out: str, rows: int, shape: str = "bare") -> dict[str, Any]:
    """Reads the stored events with sqlite3, decodes them with orjson and writes `rows` rows
    with executemany, one transaction per 500-event batch, into a fresh table in a fresh file.

    `shape` "bare" is the baseline as the issue states it: a table without indexes.
    "indexed" keeps the schema's indexes during the load; "deferred" builds them after
    it (timed), as a bulk load would.
    """
    source = sqlite3.connect(store, isolation_level=None)
    (events,) = source.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    target = sqlite3.connect(out, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    for statement in RAW_SCHEMA:
        if shape == "indexed" or not statement.startswith("CREATE INDEX"):
            target.execute(statement)
    loads = orjson.loads
    insert = "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    track = (
        "INSERT INTO tracking VALUES ('raw', ?) ON CONFLICT (name) "
        "DO UPDATE SET position = excluded.position"
    )
    gc.collect()
    started = time.perf_counter()
    last = 0
    done = 0
    written = 0
    while True:
        page = source.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, BATCH),
        ).fetchall()
        if not page:
            break
        states = [loads(record[4]) for record in page]
        done += len(page)
        due = rows * done // events - written
        batch = []
        for index in range(due):
            state = states[index % len(states)]
            position = page[index % len(page)][0]
            items = state.get("items") or ("-",)
            batch.append(
                (
                    state.get("measure") or state.get("action") or "",
                    items[0],
                    state.get("issuer") or "",
                    "*",
                    state.get("effective_on") or "",
                    "9999-12-31",
                    "in_force",
                    index % 7,
                    str(position),
                    position,
                    2**62,
                )
            )
        written += due
        last = page[-1][0]
        target.execute("BEGIN")
        target.executemany(insert, batch)
        target.execute(track, (last,))
        target.execute("COMMIT")
    if shape == "deferred":
        for statement in RAW_SCHEMA:
            if statement.startswith("CREATE INDEX"):
                target.execute(statement)
    seconds = time.perf_counter() - started
    source.close()
    target.close()
    return {"seconds": seconds, "events": done, "rows": written}


def worker_asof(
    store: str,
    flows_file: str,
    warmup: int,
    queries: int,
    reference: str = "",
    reference_flows: str = "",
) -> dict[str, Any]:
    """Latency of `RegimeReader.as_of` for one flow, in process, after warm-up.

    With a reference store (the 10k history), its queries alternate one by one with this
    store's, in this process: the growth ratio is then measured side by side, through the
    same moments of a noisy machine.
    """
    from projections.flows import FlowQuery
    from projections.queries import RegimeReader

    def asking(path: str, flows_path: str) -> tuple[Any, Any, list[dict[str, Any]]]:
        app = _open(path)
        reader = RegimeReader(app)
        reader.catch_up()
        return app, reader, json.loads(Path(flows_path).read_text())["flows"]

    stores = [asking(store, flows_file)]
    if reference:
        stores.append(asking(reference, reference_flows))
    times: list[list[float]] = [[] for _ in stores]
    listed = [0 for _ in stores]
    shown = [0 for _ in stores]
    for index in range(warmup + queries):
        for which, (_, reader, flows) in enumerate(stores):
            flow = flows[index % len(flows)]
            query = FlowQuery((flow["item"],), flow["exporter"], flow["importer"])
            day = date.fromisoformat(flow["day"])
            started = time.perf_counter()
            answer = reader.as_of(day, query)
            elapsed = time.perf_counter() - started
            if index >= warmup:
                times[which].append(elapsed)
                shown[which] += any(f.in_force or f.suspended or f.pending for f in answer.flows)
                listed[which] += sum(
                    len(f.in_force) + len(f.suspended) + len(f.pending) for f in answer.flows
                )
    for app, reader, _ in stores:
        reader.close()
        app.close()
    found = [
        {
            **_latency(spent),
            "answers_with_measures": shown[which],
            "measures_listed_mean": listed[which] / queries,
        }
        for which, spent in enumerate(times)
    ]
    result = {**found[0], "queries": queries, "warmup": warmup}
    if reference:
        result["reference"] = found[1]
        result["ratio_to_reference"] = found[0]["p50_ms"] / found[1]["p50_ms"]
    return result


def worker_catchup(store: str, flows_file: str, rounds: int) -> dict[str, Any]:
    """The first query after appending one record, against the same query caught up.

    Each round appends twice from a second application (another "session"): once as
    `regimes append` does (the record, then the projections updated by the appending
    command, `Session.update_projections`), and once through the library API alone, which
    leaves the query to catch up the view itself. The first is the target's figure, the
    second shows what catching up one event costs a query.
    """
    from domain.batch import Batch
    from projections.flows import FlowQuery
    from projections.queries import RegimeReader
    from regimes.reading import read_into

    plan = json.loads(Path(flows_file).read_text())
    app = _open(store)
    writer = _open(store)
    reader = RegimeReader(app)
    reader.catch_up()
    steady: list[float] = []
    first: list[float] = []
    caught_up: list[float] = []
    updating: list[float] = []

    run = time.time_ns()  # a store measured again gets new records, not repeats

    def append_one(index: int, measure: str) -> int:
        record = {
            "type": "measure_corrected",
            "measure": measure,
            "fields": {"title": f"Benchmark correction {index} of run {run}"},
            "reason": "benchmark: one record to catch up",
            "sources": [{"title": "benchmarks/bench.py"}],
        }
        batch = Batch()
        read_into(batch, io.BytesIO(orjson.dumps(record) + b"\n"))
        report = writer.append(batch, datetime.now(UTC))
        assert report.appended == 1, report
        return int(report.last_position)

    for index, target in enumerate(plan["catchup"][:rounds]):
        query = FlowQuery((target["item"],), target["exporter"], target["importer"])
        day = date.fromisoformat(target["day"])
        for catches_up in (False, True):
            for _ in range(3):
                started = time.perf_counter()
                reader.as_of(day, query)
                steady.append(time.perf_counter() - started)
            position = append_one(2 * index + catches_up, target["measure"])
            if not catches_up:  # as `regimes append` does, in its own session
                started = time.perf_counter()
                session = RegimeReader(writer)
                session.catch_up()
                session.close()
                updating.append(time.perf_counter() - started)
            started = time.perf_counter()
            answer = reader.as_of(day, query)
            (caught_up if catches_up else first).append(time.perf_counter() - started)
            assert answer.position == position, (answer.position, position)
    reader.close()
    app.close()
    writer.close()
    return {
        "first_ms": _ms(first),
        "steady_ms": _ms(steady),
        "catching_up_ms": _ms(caught_up),
        "updating_ms": _ms(updating),
        "first_p50_ms": 1000 * statistics.median(first),
        "steady_p50_ms": 1000 * statistics.median(steady),
        "catching_up_p50_ms": 1000 * statistics.median(caught_up),
        "updating_p50_ms": 1000 * statistics.median(updating),
        "rounds": len(first),
    }


def _ms(values: Sequence[float]) -> list[float]:
    return [round(1000 * value, 3) for value in values]


def _latency(times: Sequence[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        "mean_ms": 1000 * statistics.fmean(ordered),
    }


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "append": worker_append,
    "save": worker_save,
    "replay": worker_replay,
    "raw": worker_raw,
    "asof": worker_asof,
    "catchup": worker_catchup,
}


def run_worker(kind: str, *args: object) -> dict[str, Any]:
    """Runs one worker in a fresh process (through the RSS wrapper); returns its result."""
    command = [
        PYTHON,
        str(Path(__file__).resolve()),
        "rss",
        "--",
        PYTHON,
        str(Path(__file__).resolve()),
        "worker",
        kind,
        *map(str, args),
    ]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode or len(lines) < 2:
        raise RuntimeError(f"worker {kind} failed ({done.returncode}): {done.stdout[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-2])
    result["maxrss_bytes"] = json.loads(lines[-1])["maxrss_kib"] * 1024
    return result


def rss_wrapper(command: list[str]) -> int:
    """Runs `command`, passes its stdout on, then prints its peak RSS from RUSAGE_CHILDREN."""
    done = subprocess.run(command, check=False)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"maxrss_kib": usage.ru_maxrss, "returncode": done.returncode}))
    return done.returncode


def timed_process(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one whole process, which must succeed."""
    started = time.perf_counter()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{command[:4]} failed: {done.stderr.decode()[-2000:]}")
    return elapsed


# ---------------------------------------------------------------------------------------
# The parent: one size at a time.
# ---------------------------------------------------------------------------------------


class Progress:
    """One line per step on stderr, with elapsed time."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(
            f"[{time.perf_counter() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True
        )


def generated(size: int, seed: int, data: Path, say: Progress) -> Path:
    """The generated history for this size and seed (reused when already there)."""
    path = data / f"history-{size}-seed{seed}.jsonl"
    if not path.exists():
        say(f"generating {size} records")
        subprocess.run(
            [
                PYTHON,
                str(HERE / "generate.py"),
                "--records",
                str(size),
                "--seed",
                str(seed),
                "--out",
                str(path),
            ],
            check=True,
        )
    return path


def plan_queries(history: Path, seed: int, count: int, catchups: int) -> dict[str, Any]:
    """Random flows to ask about: most on generated measures' items and scopes, some random;
    and measures to correct for the catch-up rounds."""
    from domain.vocabulary import ELEMENTS, GROUPS

    rng = random.Random(seed)
    sample: list[dict[str, Any]] = []
    seen = 0
    retracted: set[str] = set()
    countries: set[str] = set()
    with history.open("rb") as stream:
        for line in stream:
            record = orjson.loads(line)
            kind = record["type"]
            if kind == "measure_retracted":
                retracted.add(record["measure"])
            if kind != "measure_imposed":
                continue
            seen += 1
            countries.add(record["issuer"])
            if len(sample) < count + 4 * catchups:
                sample.append(record)
            elif (slot := rng.randrange(seen)) < len(sample):
                sample[slot] = record
    country_list = sorted(countries)
    flows = []
    for record in sample:
        items = [member for item in record["items"] for member in GROUPS.get(item, (item,))]
        item = rng.choice(items)
        if record.get("direction") == "import":
            origin = rng.choice(record["origins"])
            exporter = origin if origin != "*" else rng.choice(country_list)
            importer = record["issuer"]
        else:
            destination = rng.choice(record["destinations"])
            exporter = record["issuer"]
            importer = destination if destination != "*" else rng.choice(country_list)
        if exporter == importer:
            continue
        announced = date.fromisoformat(record["announced_on"])
        day = announced + timedelta(days=rng.randint(-30, 3 * 365))
        flows.append(
            {
                "measure": record["measure"],
                "item": item,
                "exporter": exporter,
                "importer": importer,
                "day": day.isoformat(),
            }
        )
    catchup = [flow for flow in flows if flow["measure"] not in retracted][:catchups]
    queries = flows[: int(count * 0.8)]
    while len(queries) < count:
        exporter, importer = rng.sample(country_list, 2)
        day = date(2000, 1, 1) + timedelta(days=rng.randrange(9700))
        queries.append(
            {
                "measure": None,
                "item": rng.choice(ELEMENTS),
                "exporter": exporter,
                "importer": importer,
                "day": day.isoformat(),
            }
        )
    rng.shuffle(queries)
    process = next(flow for flow in queries if flow["measure"] and flow["item"] in ELEMENTS)
    return {"flows": queries, "catchup": catchup, "process": process}


#: The size the as-of latency of larger stores is measured beside (the growth target's).
REFERENCE_SIZE = 10_000
#: The reference store of this run, built once: (store, planned queries).
_reference: tuple[Path, Path] | None = None


def reference_store(args: argparse.Namespace, say: Progress) -> tuple[Path, Path]:
    """A store of the reference size with its view built (as the measured stores' are, by
    replay), and its planned queries; built once per run."""
    global _reference
    if _reference is None:
        history = generated(REFERENCE_SIZE, args.seed, args.data, say)
        work = Path(tempfile.mkdtemp(prefix="regimes-bench-reference-", dir=args.workdir))
        atexit.register(shutil.rmtree, work, ignore_errors=True)
        store, flows = work / "reference.db", work / "reference-flows.json"
        say(f"{REFERENCE_SIZE}: appending and replaying (not measured), for the as-of reference")
        run_worker("append", store, history)
        run_worker("replay", store)
        flows.write_text(
            json.dumps(plan_queries(history, args.seed, args.queries, args.catchup_rounds))
        )
        _reference = store, flows
    return _reference


def measure_size(
    size: int, args: argparse.Namespace, say: Progress, known_rows: int | None = None
) -> dict[str, Any]:
    """Every measurement at one size."""
    parts = set(args.only.split(",")) if args.only else set(PARTS)
    work = Path(tempfile.mkdtemp(prefix=f"regimes-bench-{size}-", dir=args.workdir))
    history = generated(size, args.seed, args.data, say)
    result: dict[str, Any] = {
        "records": size,
        "seed": args.seed,
        "repeat": args.repeat,
        "history_bytes": history.stat().st_size,
    }
    store = work / "store.db"
    try:
        appends: list[dict[str, Any]] = []
        saves: list[dict[str, Any]] = []
        processes: list[float] = []
        for run in range(args.repeat):
            if "append" in parts:
                say(f"{size}: baseline save(*aggregates), run {run + 1}")
                saves.append(run_worker("save", _fresh(work, "save.db"), size))
                _remove(work / "save.db")
                say(f"{size}: Regimes.append, run {run + 1}")
                target = _fresh(work, f"append-{run}.db")
                appends.append(run_worker("append", target, history))
                _replace(target, store)
            if "cli-append" in parts:
                say(f"{size}: regimes append (whole process), run {run + 1}")
                target = _fresh(work, "cli-append.db")
                processes.append(
                    timed_process(
                        [regimes_script(), "--store", str(target), "append", str(history)]
                    )
                )
                if not store.exists():
                    _replace(target, store)
                _remove(target)
        if appends:
            result["append"] = _summary(appends, size, "records_per_second")
            result["save_baseline"] = _summary(saves, size, "events_per_second")
            result["append"]["ratio_to_baseline"] = (
                result["append"]["records_per_second"]
                / result["save_baseline"]["events_per_second"]
            )
        if processes:
            result["cli_append"] = {
                "seconds": statistics.median(processes),
                "runs": _rounded(processes),
                "records_per_second": size / statistics.median(processes),
            }
        if not store.exists():
            say(f"{size}: appending (not measured) for the query benchmarks")
            run_worker("append", store, history)
        replays: list[dict[str, Any]] = []
        raws: dict[str, list[dict[str, Any]]] = {section: [] for section in RAW_SHAPES}
        rows = known_rows
        pristine = work / "pristine.db"  # the appended store, its view never built
        if "replay" in parts:
            _copy(store, pristine)
        for run in range(args.repeat if parts & {"replay", "raw"} else 0):
            if "replay" in parts:
                say(f"{size}: replay, run {run + 1}")
                _copy(pristine, store)  # every run from the same state
                replays.append(run_worker("replay", store))
                rows = replays[-1]["rows"]
            elif rows is None:
                say(f"{size}: replay (not measured) to count the rows it writes")
                rows = run_worker("replay", store)["rows"]
            for section, shape in RAW_SHAPES.items():
                if shape not in args.raw_shapes.split(","):
                    continue
                say(f"{size}: raw sqlite3 baseline, {shape} table ({rows} rows), run {run + 1}")
                raws[section].append(run_worker("raw", store, _fresh(work, "raw.db"), rows, shape))
                _remove(work / "raw.db")
        if replays:
            say(f"{size}: replay again, replacing the full view the last one built")
            again = run_worker("replay", store)
            result["replay_over_full_view"] = {
                "seconds": again["seconds"],
                "events_per_second": size / again["seconds"],
            }
            _remove(pristine)
            result["replay"] = _summary(replays, size, "events_per_second")
            result["replay"]["written"] = replays[-1]["written"]
            result["replay"]["rows"] = replays[-1]["rows"]
            result["replay"]["peak_rss_bytes"] = max(r["maxrss_bytes"] for r in replays)
        for section, runs in raws.items():
            if runs:
                result[section] = _summary(runs, size, "events_per_second")
                result[section]["rows"] = rows
        if not replays and "raw" not in parts and parts & {"asof", "cli-asof", "catchup"}:
            say(f"{size}: replay (not measured) for the query benchmarks")
            run_worker("replay", store)
        flows_file = work / "flows.json"
        if parts & {"asof", "cli-asof", "catchup"}:
            flows_file.write_text(
                json.dumps(plan_queries(history, args.seed, args.queries, args.catchup_rounds))
            )
        if "asof" in parts:
            reference: tuple[Path, Path] | None = None
            if size > REFERENCE_SIZE:
                reference = reference_store(args, say)
            say(
                f"{size}: as-of in process ({args.queries} queries"
                f"{f', beside the {REFERENCE_SIZE:,} store' if reference else ''})"
            )
            result["asof"] = run_worker(
                "asof", store, flows_file, args.warmup, args.queries, *(reference or ())
            )
        if "cli-asof" in parts:
            result["cli_asof"] = cli_asof(store, flows_file, args.process_runs, size, say)
        if "catchup" in parts:
            say(f"{size}: catch-up ({args.catchup_rounds} rounds)")
            result["catchup"] = run_worker("catchup", store, flows_file, args.catchup_rounds)
            result["catchup"]["ratio"] = (
                result["catchup"]["first_p50_ms"] / result["catchup"]["steady_p50_ms"]
            )
            result["catchup"]["catching_up_ratio"] = (
                result["catchup"]["catching_up_p50_ms"] / result["catchup"]["steady_p50_ms"]
            )
        result["store_bytes"] = store.stat().st_size if store.exists() else None
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"kept {work}")
    return result


PARTS = ("append", "cli-append", "replay", "raw", "asof", "cli-asof", "catchup")
#: The raw replay baselines: the one the target names (a bare table), and two with indexes.
RAW_SHAPES = {
    "raw_baseline": "bare",
    "raw_indexed_baseline": "indexed",
    "raw_deferred_baseline": "deferred",
}


def cli_asof(store: Path, flows_file: Path, runs: int, size: int, say: Progress) -> dict[str, Any]:
    """`regimes as-of` as a whole process against the bare import baseline, interleaved."""
    flow = json.loads(flows_file.read_text())["process"]
    command = [
        regimes_script(),
        "--store",
        str(store),
        "as-of",
        flow["day"],
        "-e",
        flow["item"],
        "--from",
        flow["exporter"],
        "--to",
        flow["importer"],
    ]
    baseline = [PYTHON, "-c", IMPORT_BASELINE]
    say(f"{size}: {' '.join(command[1:])} vs the import baseline, {runs} runs each")
    timed_process(command)  # warm the page cache once
    timed_process(baseline)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        ours.append(timed_process(command))
        theirs.append(timed_process(baseline))
    return {
        "command": " ".join(["regimes", *command[1:]]),
        "seconds": statistics.median(ours),
        "runs": _rounded(ours),
        "baseline_seconds": statistics.median(theirs),
        "baseline_runs": _rounded(theirs),
        "ratio": statistics.median(ours) / statistics.median(theirs),
    }


def _summary(runs: list[dict[str, Any]], count: int, rate: str) -> dict[str, Any]:
    seconds = [run["seconds"] for run in runs]
    summary: dict[str, Any] = {
        "seconds": statistics.median(seconds),
        "runs": _rounded(seconds),
        rate: count / statistics.median(seconds),
        "peak_rss_bytes": max(run["maxrss_bytes"] for run in runs),
    }
    for key in ("read_seconds", "append_seconds", "construct_seconds"):
        if key in runs[0]:
            summary[key] = statistics.median(run[key] for run in runs)
    return summary


def _rounded(values: Sequence[float]) -> list[float]:
    return [round(value, 4) for value in values]


def _fresh(work: Path, name: str) -> Path:
    path = work / name
    _remove(path)
    return path


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy(source: Path, target: Path) -> None:
    _remove(target)
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def _replace(source: Path, target: Path) -> None:
    _remove(target)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            os.replace(f"{source}{suffix}", f"{target}{suffix}")


# ---------------------------------------------------------------------------------------
# Targets, the table, the machine.
# ---------------------------------------------------------------------------------------


class NotTogether(Exception):
    """Figures a target compares were not measured in the same run."""


def _together(*sections: dict[str, Any]) -> None:
    """Raises NotTogether unless every section carries the same run id."""
    runs = {section.get("run") for section in sections}
    if len(runs) != 1 or None in runs:
        raise NotTogether("not measured in the same run")


def targets(sizes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of the issue, judged at its size (or the largest measured, said so).

    A target whose figures are missing, or whose two sides come from different runs, is
    listed as not measured (value None), and not met.
    """
    measured = sorted(int(size) for size in sizes)

    def at(wanted: int, key: str, above: int = 0) -> tuple[int, dict[str, Any]] | None:
        have = [size for size in measured if key in sizes[str(size)] and size > above]
        if not have:
            return None
        size = wanted if wanted in have else max(have)
        return size, sizes[str(size)]

    found: list[dict[str, Any]] = []

    def judge(
        name: str,
        limit: float,
        wanted: int,
        key: str,
        check: Callable[[dict[str, Any]], tuple[float, str]],
        above: int = 0,
    ) -> None:
        hit = at(wanted, key, above)
        size, result = hit if hit is not None else (wanted, {})
        value: float | None = None
        if hit is None:
            text = f"not measured: no {key}" + (f" above {above:,}" if above else "")
        else:
            try:
                value, text = check(result)
            except KeyError as missing:  # measured without what the target compares with
                text = f"not measured: no {missing}"
            except NotTogether as apart:
                text = str(apart)
        found.append(
            {
                "target": name,
                "size": size,
                "wanted_size": wanted,
                "value": value,
                "limit": limit,
                "text": text,
                "met": _met(name, value, limit),
                "provisional": size != wanted,
                "code": _commit(result, key) if key in result else "",
            }
        )

    judge(
        "append >= 0.5x save(*aggregates)",
        0.5,
        100_000,
        "append",
        lambda r: (
            r["append"]["ratio_to_baseline"],
            f"{r['append']['records_per_second']:,.0f} rec/s vs "
            f"{r['save_baseline']['events_per_second']:,.0f} ev/s",
        ),
    )

    def replay_check(r: dict[str, Any]) -> tuple[float, str]:
        _together(r["replay"], r["raw_baseline"])
        return (
            _replay_ratio(r, "raw_baseline"),
            f"{r['replay']['events_per_second']:,.0f} ev/s vs "
            f"{r['raw_baseline']['events_per_second']:,.0f} ev/s",
        )

    judge("replay >= 0.4x raw sqlite3 (bare table)", 0.4, 1_000_000, "replay", replay_check)
    judge(
        "replay peak memory <= 1 GiB",
        1.0,
        1_000_000,
        "replay",
        lambda r: (
            r["replay"]["peak_rss_bytes"] / GiB,
            f"{r['replay']['peak_rss_bytes'] / 2**20:,.0f} MiB",
        ),
    )
    # Judged only beside the reference store, which sizes above it are measured with.
    judge(
        "as-of p50 <= 1.5x p50 at 10k",
        1.5,
        1_000_000,
        "asof",
        lambda r: (
            r["asof"]["ratio_to_reference"],
            f"{r['asof']['p50_ms']:.2f} ms vs "
            f"{r['asof']['reference']['p50_ms']:.2f} ms at "
            f"{REFERENCE_SIZE:,}, side by side",
        ),
        above=REFERENCE_SIZE,
    )
    for size in [size for size in measured if "asof" in sizes[str(size)]] or [10_000]:
        judge(
            "as-of p50 <= 5 ms",
            5.0,
            size,
            "asof",
            lambda r: (r["asof"]["p50_ms"], f"p95 {r['asof']['p95_ms']:.2f} ms"),
        )
    judge(
        "regimes as-of process <= 2x import baseline",
        2.0,
        1_000_000,
        "cli_asof",
        lambda r: (
            r["cli_asof"]["ratio"],
            f"{r['cli_asof']['seconds'] * 1000:.0f} ms vs "
            f"{r['cli_asof']['baseline_seconds'] * 1000:.0f} ms",
        ),
    )
    judge(
        "first query after regimes append <= 2x caught-up query",
        2.0,
        1_000_000,
        "catchup",
        lambda r: (
            r["catchup"]["ratio"],
            f"{r['catchup']['first_p50_ms']:.2f} ms vs {r['catchup']['steady_p50_ms']:.2f} ms",
        ),
    )
    base = sizes.get(str(REFERENCE_SIZE), {})
    for key, rate, name in (
        ("append", "records_per_second", "append growth"),
        ("replay", "events_per_second", "replay growth"),
    ):

        def growth(r: dict[str, Any], key: str = key, rate: str = rate) -> tuple[float, str]:
            if key not in base:
                raise KeyError(f"{key} at {REFERENCE_SIZE:,}")
            _together(r[key], base[key])
            return (
                r[key][rate] / base[key][rate],
                f"{r[key][rate]:,.0f} vs {base[key][rate]:,.0f} /s at 10k ({_commit(base, key)})",
            )

        judge(
            f"{name}: throughput >= 0.75x of 10k",
            0.75,
            1_000_000,
            key,
            growth,
            above=REFERENCE_SIZE,
        )
    return found


def _replay_ratio(result: dict[str, Any], section: str) -> float:
    """Replay throughput over one of its raw baselines' (the targets also require that both
    were measured in the same run)."""
    return float(result["replay"]["events_per_second"] / result[section]["events_per_second"])


def _commit(result: dict[str, Any], section: str) -> str:
    """The code a section of a size's results was measured on."""
    return str(result[section].get("commit") or result.get("code", {}).get("commit", ""))


def _met(name: str, value: float | None, limit: float) -> bool:
    """Whether a value keeps its limit (never, when it was not measured)."""
    if value is None:
        return False
    return value >= limit if ">=" in name else value <= limit


def table(results: dict[str, Any]) -> str:
    """The figures, their baselines and ratios, then the targets."""
    lines = [f"{'size':>9}  {'what':<34} {'figure':>18} {'baseline':>18} {'ratio':>7}  code"]
    for size in sorted(results["sizes"], key=int):
        r = results["sizes"][size]
        rows: list[tuple[str, str, str, str, str]] = []
        if "append" in r:
            rows.append(
                (
                    "append (read+validate+write)",
                    f"{r['append']['records_per_second']:,.0f} rec/s",
                    f"{r['save_baseline']['events_per_second']:,.0f} ev/s",
                    f"{r['append']['ratio_to_baseline']:.3f}",
                    _commit(r, "append"),
                )
            )
        if "cli_append" in r:
            rows.append(
                (
                    "regimes append (process)",
                    f"{r['cli_append']['seconds']:.2f} s",
                    f"{r['cli_append']['records_per_second']:,.0f} rec/s",
                    "",
                    _commit(r, "cli_append"),
                )
            )
        if "replay" in r:
            for section, what in (
                ("raw_baseline", "replay vs raw (bare table)"),
                ("raw_indexed_baseline", "  raw with indexes during load"),
                ("raw_deferred_baseline", "  raw with indexes after load"),
            ):
                if section in r:
                    rows.append(
                        (
                            what,
                            f"{r['replay']['events_per_second']:,.0f} ev/s",
                            f"{r[section]['events_per_second']:,.0f} ev/s",
                            f"{_replay_ratio(r, section):.3f}",
                            f"{_commit(r, 'replay')}/{_commit(r, section)}",
                        )
                    )
            if "replay_over_full_view" in r:
                rows.append(
                    (
                        "  replay replacing a full view",
                        f"{r['replay_over_full_view']['events_per_second']:,.0f} ev/s",
                        "",
                        "",
                        _commit(r, "replay"),
                    )
                )
            rows.append(
                (
                    "replay peak RSS / rows written",
                    f"{r['replay']['peak_rss_bytes'] / 2**20:,.0f} MiB",
                    f"{r['replay']['rows']:,} rows",
                    "",
                    _commit(r, "replay"),
                )
            )
        if "asof" in r:
            rows.append(
                (
                    "as-of in process p50 / p95",
                    f"{r['asof']['p50_ms']:.2f} ms",
                    f"p95 {r['asof']['p95_ms']:.2f} ms",
                    "",
                    _commit(r, "asof"),
                )
            )
            if "reference" in r["asof"]:
                rows.append(
                    (
                        f"  p50 beside the {REFERENCE_SIZE:,} store",
                        f"{r['asof']['p50_ms']:.2f} ms",
                        f"{r['asof']['reference']['p50_ms']:.2f} ms",
                        f"{r['asof']['ratio_to_reference']:.2f}",
                        _commit(r, "asof"),
                    )
                )
        if "cli_asof" in r:
            rows.append(
                (
                    "regimes as-of (process)",
                    f"{r['cli_asof']['seconds'] * 1000:.0f} ms",
                    f"{r['cli_asof']['baseline_seconds'] * 1000:.0f} ms",
                    f"{r['cli_asof']['ratio']:.2f}",
                    _commit(r, "cli_asof"),
                )
            )
        if "catchup" in r:
            rows.append(
                (
                    "first query after regimes append",
                    f"{r['catchup']['first_p50_ms']:.2f} ms",
                    f"{r['catchup']['steady_p50_ms']:.2f} ms",
                    f"{r['catchup']['ratio']:.2f}",
                    _commit(r, "catchup"),
                )
            )
            if "catching_up_p50_ms" in r["catchup"]:
                rows.append(
                    (
                        "  query catching up 1 event itself",
                        f"{r['catchup']['catching_up_p50_ms']:.2f} ms",
                        f"{r['catchup']['steady_p50_ms']:.2f} ms",
                        f"{r['catchup']['catching_up_ratio']:.2f}",
                        _commit(r, "catchup"),
                    )
                )
                rows.append(
                    (
                        "  append's own projection update",
                        f"{r['catchup']['updating_p50_ms']:.2f} ms",
                        "",
                        "",
                        _commit(r, "catchup"),
                    )
                )
        for what, figure, baseline, ratio, commit in rows:
            lines.append(
                f"{int(size):>9,}  {what:<34} {figure:>18} {baseline:>18} {ratio:>7}  {commit}"
            )
    lines.append("")
    lines.append("targets:")
    for target in results.get("targets", []):
        value = target["value"]
        mark = "MET " if target["met"] else "MISS" if value is not None else "N/M "
        where = f"at {target['size']:,}"
        if target["provisional"]:
            where += f" (target at {target['wanted_size']:,})"
        shown = f"{value:.3f}" if value is not None else "-"
        lines.append(
            f"  {mark} {target['target']:<52} {shown} "
            f"(limit {target['limit']}) {where}: {target['text']}"
            f" [{target.get('code', '')}]"
        )
    return "\n".join(lines)


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


def git(*words: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), *words], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def pin(revision: str, into: Path) -> dict[str, Any]:
    """Exports the project's packages at `revision` into `into` and puts them first on the
    import path of this process and of every process it starts (workers, `regimes`)."""
    commit = git("rev-parse", "--verify", f"{revision}^{{commit}}")
    if not commit:
        raise SystemExit(f"--at: no commit {revision!r} in {ROOT}")
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "domain", "projections", "cli"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    compile_packages(into)
    sys.path.insert(0, str(into))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(into), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return {"commit": commit[:7], "uncommitted_code_changes": False, "pinned": True}


def compile_packages(root: Path) -> None:
    """Compiles the project's modules to bytecode, as an installed package has them (a
    process timed with PYTHONDONTWRITEBYTECODE set would otherwise compile them every time,
    while the import baseline's libraries were compiled when they were installed)."""
    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "compileall",
            "-q",
            *(str(root / name) for name in ("domain", "projections", "cli")),
        ],
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


def code_state() -> dict[str, Any]:
    """The commit measured, and a digest of uncommitted changes to the project's code."""
    diff = git("diff", "HEAD", "--", "domain", "projections", "cli")
    untracked = git("ls-files", "--others", "--exclude-standard", "domain", "projections", "cli")
    digest = hashlib.sha256(diff.encode())
    for name in untracked.split():
        digest.update((ROOT / name).read_bytes())
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_code_changes": bool(diff or untracked),
        "code_digest": digest.hexdigest()[:12],
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        kind, *rest = argv[1:]
        print(json.dumps(WORKERS[kind](*_arguments(rest))))
        return 0
    if argv[:2] == ["rss", "--"]:
        return rss_wrapper(argv[2:])
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
    parser.add_argument("--only", help=f"comma-separated parts of: {','.join(PARTS)}")
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
        "--table", action="store_true", help="only print the table of --out and exit"
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"sizes": {}}
    if args.out.exists():
        results = json.loads(args.out.read_text())
    if args.table:
        results["targets"] = targets(results.get("sizes", {}))
        print(table(results))
        return 0
    args.data = args.data or Path(tempfile.gettempdir()) / "regimes-bench-data"
    args.data.mkdir(parents=True, exist_ok=True)
    say = Progress()
    results["machine"] = machine()
    if args.at:
        snapshot = Path(tempfile.mkdtemp(prefix="regimes-bench-code-"))
        atexit.register(shutil.rmtree, snapshot, ignore_errors=True)
        results["code"] = pin(args.at, snapshot)
    else:
        compile_packages(ROOT)
        results["code"] = code_state()
    run = datetime.now(UTC).isoformat(timespec="seconds")  # names this run's sections
    for size in (int(text.replace("_", "")) for text in args.sizes.split(",")):
        known = results["sizes"].get(str(size), {}).get("replay", {}).get("rows")
        measured = measure_size(size, args, say, known)
        measured["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        measured["code"] = results["code"]
        label = results["code"]["commit"] + (
            "+changes" if results["code"]["uncommitted_code_changes"] else ""
        )
        for name, section in measured.items():
            if name != "code" and isinstance(section, dict) and "code" not in section:
                section["commit"] = label  # sizes merge by section: each names its code
                section["run"] = run  # and its run: targets compare sections of one run
        earlier = results["sizes"].get(str(size), {})
        for section in earlier.values():  # keep naming the code of sections not measured now
            if isinstance(section, dict) and "commit" not in section and "code" in earlier:
                section["commit"] = earlier["code"]["commit"]
        results["sizes"][str(size)] = {**earlier, **measured}
        results.pop("targets", None)  # judged again below, from every size
        args.out.write_text(json.dumps(results, indent=2) + "\n")  # kept, come what may
        results["targets"] = targets(results["sizes"])
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        say(f"{size}: done, results in {args.out}")
    print(table(results))
    return 0


def _arguments(words: list[str]) -> Iterator[object]:
    for word in words:
        yield int(word) if word.lstrip("-").isdigit() else word


if __name__ == "__main__":
    sys.exit(main())

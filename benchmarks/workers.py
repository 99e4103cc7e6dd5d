"""The workers: each timed step runs in a fresh process (`bench.py worker KIND ARGS`) on the
code its revision puts first on PYTHONPATH, started through a small wrapper process that
reports its peak RSS; each prints one JSON object on its last line of stdout."""

from __future__ import annotations

import gc
import io
import json
import resource
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import layout
import orjson
from baselines import worker_raw, worker_save
from pg_workers import worker_pg_raw, worker_pg_replay, worker_pg_save
from revisions import PYTHON, Code
from store_size import worker_wide
from write_path import worker_write

BENCH = str(Path(__file__).resolve().parent / "bench.py")


def worker_append(store: str, records: str) -> dict[str, Any]:
    """Read + validate + write through the library API, as `regimes append FILE` does: from
    issue 23's chunked append, the file read twice and written a chunk at a time (the
    reading is not timed apart then); before, read whole into a `Batch`, then appended."""
    app = layout.open_application(store)
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    errors: list[Any] = []
    if layout.appends_files():
        read = started
        report = layout.append_file(app, records, datetime.now(UTC))
    else:
        batch = layout.new_batch()
        with open(records, "rb") as stream:
            layout.read_into(batch, stream)
        read = time.perf_counter()
        errors = batch.errors
        report = layout.append(app, batch, datetime.now(UTC))
    finished, finished_cpu = time.perf_counter(), time.process_time()
    if errors or report.appended != report.received:
        raise SystemExit(f"append rejected or incomplete: {report} {errors[:3]}")
    app.close()
    return {
        "seconds": finished - started,
        "read_seconds": read - started,
        "append_seconds": finished - read,
        # CPU time of this process: what other processes on a shared machine change least
        "cpu_seconds": finished_cpu - started_cpu,
        "records": report.received,
        "appended": report.appended,
    }


def worker_replay(store: str) -> dict[str, Any]:
    """`RegimeReader(app).replay()` into fresh projections, and what it wrote."""
    from projections.queries import RegimeReader

    app = layout.open_application(store)
    reader = RegimeReader(app)
    gc.collect()
    started, started_cpu = time.perf_counter(), cpu_with_helpers()
    report = reader.replay()
    seconds = time.perf_counter() - started
    cpu_seconds = cpu_with_helpers() - started_cpu
    written = _view_counts(store)
    reader.close()
    app.close()
    return {
        "seconds": seconds,
        # with its helpers' (ended with the replay): on a machine whose cores are shared,
        # what other processes change least
        "cpu_seconds": cpu_seconds,
        "events": report.events,
        "written": written,
        "rows": sum(written.values()),
    }


def cpu_with_helpers() -> float:
    """CPU seconds (user and system) of this process and of the child processes it has
    waited for."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


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
        app = layout.open_application(path)
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
            "times_ms": _ms(spent),
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
    from projections.flows import FlowQuery
    from projections.queries import RegimeReader

    plan = json.loads(Path(flows_file).read_text())
    app = layout.open_application(store)
    writer = layout.open_application(store)
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
        batch = layout.new_batch()
        layout.read_into(batch, io.BytesIO(orjson.dumps(record) + b"\n"))
        report = layout.append(writer, batch, datetime.now(UTC))
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
    return latency_ms([1000 * value for value in times])


def latency_ms(times: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean of latencies in milliseconds."""
    ordered = sorted(times)
    return {
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        "mean_ms": statistics.fmean(ordered),
    }


def worker_asof_known(store: str, flows_file: str, warmup: int, queries: int) -> dict[str, Any]:
    """Latency of `RegimeReader.as_of` known at a day (issue 17: `--known-at`, what the world
    knew by the end of the day asked about) beside the same question without it, one by one
    in this process: the two are measured through the same moments of a noisy machine."""
    from projections.answers import Knowledge
    from projections.flows import FlowQuery
    from projections.queries import RegimeReader

    app = layout.open_application(store)
    reader = RegimeReader(app)
    reader.catch_up()
    flows = json.loads(Path(flows_file).read_text())["flows"]
    times: dict[str, list[float]] = {"plain": [], "known": []}
    listed = {"plain": 0, "known": 0}
    for index in range(warmup + queries):
        flow = flows[index % len(flows)]
        query = FlowQuery((flow["item"],), flow["exporter"], flow["importer"])
        day = date.fromisoformat(flow["day"])
        for kind, knowledge in (("plain", Knowledge()), ("known", Knowledge(day))):
            started = time.perf_counter()
            answer = reader.as_of(day, query, knowledge)
            elapsed = time.perf_counter() - started
            if index >= warmup:
                times[kind].append(elapsed)
                listed[kind] += sum(
                    len(f.in_force) + len(f.suspended) + len(f.pending) for f in answer.flows
                )
    reader.close()
    app.close()
    found = {
        kind: {
            **_latency(spent),
            "times_ms": _ms(spent),
            "measures_listed_mean": listed[kind] / queries,
        }
        for kind, spent in times.items()
    }
    return {
        **found["known"],
        "plain": found["plain"],
        "ratio_to_plain": found["known"]["p50_ms"] / found["plain"]["p50_ms"],
        "queries": queries,
        "warmup": warmup,
    }


def pooled_asof_known(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The runs of `worker_asof_known` taken together: the ratio of the pooled p50s."""
    known = latency_ms([time for run in runs for time in run["times_ms"]])
    plain = latency_ms([time for run in runs for time in run["plain"]["times_ms"]])
    return {
        **known,
        "plain": plain,
        "ratio_to_plain": known["p50_ms"] / plain["p50_ms"],
        "queries": sum(run["queries"] for run in runs),
        "runs": len(runs),
        "maxrss_bytes": max(run["maxrss_bytes"] for run in runs),
    }


def pooled_asof(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The as-of latencies of several runs of `worker_asof` (each alternating with the other
    revision's, in a side-by-side run) taken together; the growth ratio from the pooled
    p50s of the store and of the reference store."""

    def pooled(found: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            **latency_ms([time for run in found for time in run["times_ms"]]),
            "p50_runs_ms": [round(run["p50_ms"], 3) for run in found],
            "answers_with_measures": sum(run["answers_with_measures"] for run in found),
            "measures_listed_mean": statistics.fmean(run["measures_listed_mean"] for run in found),
        }

    result = {
        **pooled(runs),
        "queries": sum(run["queries"] for run in runs),
        "warmup": runs[0]["warmup"],
        "runs": len(runs),
        "maxrss_bytes": max(run["maxrss_bytes"] for run in runs),
    }
    if "reference" in runs[0]:
        result["reference"] = pooled([run["reference"] for run in runs])
        result["ratio_to_reference"] = result["p50_ms"] / result["reference"]["p50_ms"]
    return result


def pooled_catchup(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of several runs of `worker_catchup` taken together, and their ratios."""
    result: dict[str, Any] = {"rounds": sum(run["rounds"] for run in runs), "runs": len(runs)}
    for name in ("first", "steady", "catching_up", "updating"):
        times = [time for run in runs for time in run[f"{name}_ms"]]
        result[f"{name}_ms"] = times
        result[f"{name}_p50_ms"] = statistics.median(times)
    result["ratio"] = result["first_p50_ms"] / result["steady_p50_ms"]
    result["catching_up_ratio"] = result["catching_up_p50_ms"] / result["steady_p50_ms"]
    result["maxrss_bytes"] = max(run["maxrss_bytes"] for run in runs)
    return result


def summary(runs: list[dict[str, Any]], count: int, rate: str) -> dict[str, Any]:
    """Medians of a step's runs: seconds, `rate` per second of `count`, peak RSS, phases."""
    seconds = [run["seconds"] for run in runs]
    summary: dict[str, Any] = {
        "seconds": statistics.median(seconds),
        "runs": rounded(seconds),
        rate: count / statistics.median(seconds),
        "peak_rss_bytes": max(run["maxrss_bytes"] for run in runs),
    }
    for key in (
        "read_seconds",
        "append_seconds",
        "construct_seconds",
        "plan_seconds",
        "write_seconds",
        "cpu_seconds",
        "append_cpu_seconds",
    ):
        if key in runs[0]:
            summary[key] = statistics.median(run[key] for run in runs)
    return summary


def rounded(values: Sequence[float]) -> list[float]:
    return [round(value, 4) for value in values]


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "append": worker_append,
    "write": worker_write,
    "save": worker_save,
    "replay": worker_replay,
    "raw": worker_raw,
    "asof": worker_asof,
    "asof_known": worker_asof_known,
    "catchup": worker_catchup,
    "pg_save": worker_pg_save,
    "pg_replay": worker_pg_replay,
    "pg_raw": worker_pg_raw,
    "wide": worker_wide,
}


def run_worker(code: Code, kind: str, *args: object) -> dict[str, Any]:
    """Runs one worker on `code` in a fresh process (through the RSS wrapper); returns its
    result."""
    command = [PYTHON, BENCH, "rss", "--", PYTHON, BENCH, "worker", kind, *map(str, args)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=code.env(), check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode or len(lines) < 2:
        raise RuntimeError(
            f"worker {kind} at {code.label} failed ({done.returncode}): {done.stdout[-2000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-2])
    result["maxrss_bytes"] = json.loads(lines[-1])["maxrss_kib"] * 1024
    return result


def rss_wrapper(command: list[str]) -> int:
    """Runs `command`, passes its stdout on, then prints its peak RSS from RUSAGE_CHILDREN."""
    done = subprocess.run(command, check=False)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"maxrss_kib": usage.ru_maxrss, "returncode": done.returncode}))
    return done.returncode


def measured_process(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (bytes; of the process or its largest child) of one whole
    process, which must succeed, run through the RSS wrapper."""
    wrapped = [PYTHON, BENCH, "rss", "--", *command]
    started = time.perf_counter()
    done = subprocess.run(wrapped, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    usage = json.loads(lines[-1]) if lines else {"returncode": done.returncode}
    if done.returncode or usage["returncode"]:
        raise RuntimeError(f"{command[:4]} failed: {done.stderr[-2000:]}")
    return elapsed, int(usage["maxrss_kib"]) * 1024


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

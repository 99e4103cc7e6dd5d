"""One size measured: every part, for each revision of the run in turn.

With a baseline revision (`--baseline-at`), each step runs for both revisions one after the
other, the measured revision first in even runs and the baseline first in odd ones, so both
see the same phases of a machine whose speed drifts. The baselines that do not depend on the
project's code (the library's save, the raw sqlite3 load, the bare imports) run once per run
and are shared: a change of a target ratio between the revisions is then a change of the
revision's own figure.
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baselines import IMPORT_BASELINE
from histories import asof_question, generated, plan_queries
from revisions import PYTHON, Code
from scratch import copy_store, fresh_store, move_store, remove_store
from store_size import measure as sizes_of
from targets import REFERENCE_SIZE
from workers import (
    measured_process,
    pooled_asof,
    pooled_asof_known,
    pooled_catchup,
    rounded,
    run_worker,
    summary,
    timed_process,
)
from write_path import PATHS

#: Every part, and those a run measures unless `--only` says otherwise (the write path is
#: issue 16's one-off question: asked for by name).
PARTS = (
    "append",
    "cli-append",
    "replay",
    "raw",
    "asof",
    "asof-known",
    "cli-asof",
    "catchup",
    "store-size",
    "wide",
    "write-path",
)
DEFAULT_PARTS = PARTS[:-1]
QUERY_PARTS = {"asof", "asof-known", "cli-asof", "catchup"}
#: The raw replay baselines: the one the target names (a bare table), and two with indexes.
RAW_SHAPES = {
    "raw_baseline": "bare",
    "raw_indexed_baseline": "indexed",
    "raw_deferred_baseline": "deferred",
}


class Progress:
    """One line per step on stderr, with elapsed time."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(
            f"[{time.perf_counter() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True
        )


def regimes_script() -> str:
    """The installed console script beside this interpreter."""
    found = shutil.which("regimes", path=str(Path(PYTHON).parent))
    return found or "regimes"


#: Each revision's store of the reference size, built once per run: (store, planned queries).
_references: dict[str, tuple[Path, Path]] = {}


def reference_store(code: Code, args: argparse.Namespace, say: Progress) -> tuple[Path, Path]:
    """A store of the reference size with its view built (as the measured stores' are, by
    replay), appended by `code`, and its planned queries."""
    key = str(code.path)
    if key not in _references:
        history = generated(REFERENCE_SIZE, args.seed, args.data, say)
        work = Path(tempfile.mkdtemp(prefix="regimes-bench-reference-", dir=args.workdir))
        atexit.register(shutil.rmtree, work, ignore_errors=True)
        store, flows = work / "reference.db", work / "reference-flows.json"
        say(
            f"{REFERENCE_SIZE}: appending and replaying at {code.label} (not measured), "
            "for the as-of reference"
        )
        run_worker(code, "append", store, history)
        run_worker(code, "replay", store)
        flows.write_text(
            json.dumps(plan_queries(history, args.seed, args.queries, args.catchup_rounds))
        )
        _references[key] = store, flows
    return _references[key]


@dataclass
class Sizing:
    """The measurement of one size: its history, each revision's store and results."""

    size: int
    args: argparse.Namespace
    codes: Sequence[Code]  # the measured revision first, then the baseline revision, if any
    say: Progress
    work: Path
    history: Path
    parts: set[str]
    results: list[dict[str, Any]] = field(default_factory=list)
    stores: list[Path] = field(default_factory=list)
    viewed: list[bool] = field(default_factory=list)  # the store's view was built

    def turns(self, run: int) -> list[int]:
        """The revisions' order in this run: alternating, so neither always goes first."""
        order = list(range(len(self.codes)))
        return order if run % 2 == 0 else order[::-1]

    def at(self, which: int) -> str:
        """Names the revision in progress lines, when there are two."""
        return f" at {self.codes[which].label}" if len(self.codes) > 1 else ""

    def log(self, message: str) -> None:
        self.say(f"{self.size}: {message}")


def measure_size(
    size: int,
    args: argparse.Namespace,
    codes: Sequence[Code],
    say: Progress,
    known_rows: int | None = None,
    snapshot: Path | None = None,
) -> list[dict[str, Any]]:
    """Every measurement at one size, one result per revision (in the order of `codes`);
    with `snapshot`, a copy of the measured revision's store there once its view is built
    (for the PostgreSQL parts' SQLite side, `pg_bench.cli_asof`)."""
    work = Path(tempfile.mkdtemp(prefix=f"regimes-bench-{size}-", dir=args.workdir))
    history = generated(size, args.seed, args.data, say)
    sizing = Sizing(
        size,
        args,
        codes,
        say,
        work,
        history,
        set(args.only.split(",")) if args.only else set(DEFAULT_PARTS),
    )
    for which in range(len(codes)):
        sizing.results.append(
            {
                "records": size,
                "seed": args.seed,
                "repeat": args.repeat,
                "history_bytes": history.stat().st_size,
            }
        )
        sizing.stores.append(work / f"store-{which}.db")
        sizing.viewed.append(False)
    try:
        measure_append(sizing)
        if sizing.parts - {"append", "cli-append", "write-path"}:
            for which, store in enumerate(sizing.stores):
                if not store.exists():
                    sizing.log(f"appending{sizing.at(which)} (not measured) for the next parts")
                    run_worker(codes[which], "append", store, history)
        for which, result in enumerate(sizing.results):
            if "store-size" in sizing.parts and "store_size" not in result:
                target = fresh_store(work, f"sized-{which}.db")
                sizing.log(f"regimes append{sizing.at(which)} (not measured) for the store size")
                command = [regimes_script(), "--store", str(target), "append", str(history)]
                timed_process(command, env=codes[which].env())
                result["store_size"] = store_size(sizing, which, target)
                remove_store(target)
        measure_replay(sizing, known_rows)
        if snapshot is not None and sizing.viewed[0]:
            copy_store(sizing.stores[0], snapshot)  # replayed, before any query appends
        measure_queries(sizing)
        if "wide" in sizing.parts:
            for which, result in enumerate(sizing.results):
                sizing.log(f"one measure on everything, then 10 amendments{sizing.at(which)}")
                result["wide"] = run_worker(codes[which], "wide", sizing.stores[which])
        if "write-path" in sizing.parts:
            measure_write_path(sizing)
        for result, store in zip(sizing.results, sizing.stores, strict=True):
            result["store_bytes"] = store.stat().st_size if store.exists() else None
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"kept {work}")
    return sizing.results


def measure_append(s: Sizing) -> None:
    """`Regimes.append` against the library's save, and the whole `regimes append` process."""
    appends: list[list[dict[str, Any]]] = [[] for _ in s.codes]
    processes: list[list[float]] = [[] for _ in s.codes]
    process_rss: list[list[int]] = [[] for _ in s.codes]
    saves: list[dict[str, Any]] = []
    for run in range(s.args.repeat):
        if "append" in s.parts:
            s.log(f"baseline save(*aggregates), run {run + 1}")
            saves.append(run_worker(s.codes[0], "save", fresh_store(s.work, "save.db"), s.size))
            remove_store(s.work / "save.db")
            for which in s.turns(run):
                s.log(f"Regimes.append{s.at(which)}, run {run + 1}")
                target = fresh_store(s.work, f"append-{which}.db")
                appends[which].append(run_worker(s.codes[which], "append", target, s.history))
                move_store(target, s.stores[which])
        if "cli-append" in s.parts:
            for which in s.turns(run):
                s.log(f"regimes append (whole process){s.at(which)}, run {run + 1}")
                target = fresh_store(s.work, f"cli-append-{which}.db")
                command = [regimes_script(), "--store", str(target), "append", str(s.history)]
                seconds, rss = measured_process(command, env=s.codes[which].env())
                processes[which].append(seconds)
                process_rss[which].append(rss)
                if run == 0 and "store-size" in s.parts:
                    s.results[which]["store_size"] = store_size(s, which, target)
                if not s.stores[which].exists():
                    move_store(target, s.stores[which])
                remove_store(target)
    for which, result in enumerate(s.results):
        if appends[which]:
            result["append"] = summary(appends[which], s.size, "records_per_second")
            result["save_baseline"] = summary(saves, s.size, "events_per_second")
            result["append"]["ratio_to_baseline"] = (
                result["append"]["records_per_second"]
                / result["save_baseline"]["events_per_second"]
            )
        if processes[which]:
            median = statistics.median(processes[which])
            result["cli_append"] = {
                "seconds": median,
                "runs": rounded(processes[which]),
                "records_per_second": s.size / median,
                "peak_rss_bytes": max(process_rss[which]),
            }


def store_size(s: Sizing, which: int, store: Path) -> dict[str, Any]:
    """The bytes of a store just made by `regimes append FILE`, against the input's, and
    again after a `regimes replay` process (issue 23: at most 4x; a replay leaves the file
    no larger)."""
    appended = sizes_of(store)
    s.log(f"regimes replay{s.at(which)} for the store size after it")
    command = [regimes_script(), "--store", str(store), "replay"]
    seconds = timed_process(command, env=s.codes[which].env())
    replayed = sizes_of(store)
    jsonl = s.history.stat().st_size
    return {
        "jsonl_bytes": jsonl,
        "append": appended,
        "replay": replayed,
        "replay_seconds": seconds,
        "ratio": appended["file"] / jsonl,
        "replay_ratio": replayed["file"] / appended["file"],
    }


def measure_replay(s: Sizing, known_rows: int | None) -> None:
    """`RegimeReader.replay` from the same appended store every run, against raw sqlite3
    loads of as many rows (run once per run, on the measured revision's store)."""
    replays: list[list[dict[str, Any]]] = [[] for _ in s.codes]
    raws: dict[str, list[dict[str, Any]]] = {section: [] for section in RAW_SHAPES}
    shapes = s.args.raw_shapes.split(",")
    rows = known_rows
    pristine = [s.work / f"pristine-{which}.db" for which in range(len(s.codes))]
    if "replay" in s.parts:
        for store, copy in zip(s.stores, pristine, strict=True):
            copy_store(store, copy)  # the appended store, its view never built
    for run in range(s.args.repeat if s.parts & {"replay", "raw"} else 0):
        if "replay" in s.parts:
            for which in s.turns(run):
                s.log(f"replay{s.at(which)}, run {run + 1}")
                copy_store(pristine[which], s.stores[which])  # every run from the same state
                replays[which].append(run_worker(s.codes[which], "replay", s.stores[which]))
                s.viewed[which] = True
            rows = replays[0][-1]["rows"]
        elif rows is None:
            s.log("replay (not measured) to count the rows it writes")
            rows = run_worker(s.codes[0], "replay", s.stores[0])["rows"]
            s.viewed[0] = True
        for section, shape in RAW_SHAPES.items():
            if shape in shapes:
                s.log(f"raw sqlite3 baseline, {shape} table ({rows} rows), run {run + 1}")
                raw = fresh_store(s.work, "raw.db")
                raws[section].append(run_worker(s.codes[0], "raw", s.stores[0], raw, rows, shape))
                remove_store(raw)
    for which, result in enumerate(s.results):
        if replays[which]:
            s.log(f"replay{s.at(which)} again, replacing the full view the last one built")
            again = run_worker(s.codes[which], "replay", s.stores[which])
            result["replay_over_full_view"] = {
                "seconds": again["seconds"],
                "events_per_second": s.size / again["seconds"],
            }
            remove_store(pristine[which])
            result["replay"] = summary(replays[which], s.size, "events_per_second")
            result["replay"]["written"] = replays[which][-1]["written"]
            result["replay"]["rows"] = replays[which][-1]["rows"]
            result["replay"]["peak_rss_bytes"] = max(r["maxrss_bytes"] for r in replays[which])
        for section, runs in raws.items():
            if runs:
                result[section] = summary(runs, s.size, "events_per_second")
                result[section]["rows"] = rows


def measure_queries(s: Sizing) -> None:
    """As-of in process, as a whole process, and the first query after an append; every
    revision asks the same planned queries."""
    if not s.parts & QUERY_PARTS:
        return
    for which, viewed in enumerate(s.viewed):
        if not viewed:
            s.log(f"replay{s.at(which)} (not measured) for the query benchmarks")
            run_worker(s.codes[which], "replay", s.stores[which])
    flows = s.work / "flows.json"
    plan = plan_queries(s.history, s.args.seed, s.args.queries, s.args.catchup_rounds)
    flows.write_text(json.dumps(plan))
    if "asof" in s.parts:
        asked: list[list[dict[str, Any]]] = [[] for _ in s.codes]
        for run in range(s.args.repeat):
            for which in s.turns(run):
                reference: tuple[Path, Path] | None = None
                if s.size > REFERENCE_SIZE:
                    reference = reference_store(s.codes[which], s.args, s.say)
                s.log(
                    f"as-of in process{s.at(which)} ({s.args.queries} queries"
                    f"{f', beside the {REFERENCE_SIZE:,} store' if reference else ''}), "
                    f"run {run + 1}"
                )
                asked[which].append(
                    run_worker(
                        s.codes[which],
                        "asof",
                        s.stores[which],
                        flows,
                        s.args.warmup,
                        s.args.queries,
                        *(reference or ()),
                    )
                )
        for result, runs in zip(s.results, asked, strict=True):
            result["asof"] = pooled_asof(runs)
    if "asof-known" in s.parts:
        # The measured revision only: one before publication time (0.4.0) has no --known-at.
        known: list[dict[str, Any]] = []
        for run in range(s.args.repeat):
            s.log(f"as-of known at a day beside plain as-of{s.at(0)}, run {run + 1}")
            known.append(
                run_worker(
                    s.codes[0], "asof_known", s.stores[0], flows, s.args.warmup, s.args.queries
                )
            )
        s.results[0]["asof_known"] = pooled_asof_known(known)
    if "cli-asof" in s.parts:
        for result, found in zip(s.results, cli_asof(s, plan["process"]), strict=True):
            result["cli_asof"] = found
    if "catchup" in s.parts:
        rounds: list[list[dict[str, Any]]] = [[] for _ in s.codes]
        for run in range(s.args.repeat):
            for which in s.turns(run):
                s.log(f"catch-up{s.at(which)} ({s.args.catchup_rounds} rounds), run {run + 1}")
                rounds[which].append(
                    run_worker(
                        s.codes[which], "catchup", s.stores[which], flows, s.args.catchup_rounds
                    )
                )
        for result, runs in zip(s.results, rounds, strict=True):
            result["catchup"] = pooled_catchup(runs)


def cli_asof(s: Sizing, flow: dict[str, Any]) -> list[dict[str, Any]]:
    """`regimes as-of` as a whole process, each revision's on its own store, interleaved
    with the bare import baseline."""

    def command(store: Path) -> list[str]:
        return [regimes_script(), "--store", str(store), *asof_question(flow)]

    commands = [command(store) for store in s.stores]
    envs = [code.env() for code in s.codes]
    baseline = [PYTHON, "-c", IMPORT_BASELINE]
    runs = s.args.process_runs
    s.log(f"{' '.join(commands[0][3:])} vs the import baseline, {runs} runs each")
    for ours, env in zip(commands, envs, strict=True):
        timed_process(ours, env=env)  # warm the page cache once
    timed_process(baseline)
    times: list[list[float]] = [[] for _ in s.codes]
    theirs: list[float] = []
    for run in range(runs):
        for which in s.turns(run):
            times[which].append(timed_process(commands[which], env=envs[which]))
        theirs.append(timed_process(baseline))
    return [
        {
            "command": " ".join(["regimes", *commands[which][1:]]),
            "seconds": statistics.median(ours),
            "runs": rounded(ours),
            "baseline_seconds": statistics.median(theirs),
            "baseline_runs": rounded(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs),
        }
        for which, ours in enumerate(times)
    ]


def measure_write_path(s: Sizing) -> None:
    """The measured revision's append through `Application.save()` against the benchmark's
    bypass of it, alternating, each on a fresh store from the same history."""
    runs: dict[str, list[dict[str, Any]]] = {path: [] for path in PATHS}
    for run in range(s.args.repeat):
        for path in PATHS if run % 2 == 0 else PATHS[::-1]:
            s.log(f"write path{s.at(0)}: {path}, run {run + 1}")
            target = fresh_store(s.work, "write.db")
            runs[path].append(run_worker(s.codes[0], "write", target, s.history, path))
            remove_store(target)
    found: dict[str, Any] = {
        path: summary(done, s.size, "records_per_second") for path, done in runs.items()
    }
    found["bypass_over_save"] = (
        found["bypass"]["records_per_second"] / found["save"]["records_per_second"]
    )
    # Each run's two appends ran one right after the other: their ratio, run by run.
    found["paired_ratios"] = [
        round(save["seconds"] / bypass["seconds"], 4)
        for save, bypass in zip(runs["save"], runs["bypass"], strict=True)
    ]
    found["cpu_bypass_over_save"] = found["save"]["cpu_seconds"] / found["bypass"]["cpu_seconds"]
    # Reading and planning run the same code on both paths, and carry most of the noise:
    # pooled, with each path's own write added, they give a steadier estimate of the gain.
    shared = statistics.median(
        run["read_seconds"] + run["plan_seconds"] for done in runs.values() for run in done
    )
    found["bypass_over_save_from_writes"] = (shared + found["save"]["write_seconds"]) / (
        shared + found["bypass"]["write_seconds"]
    )
    s.results[0]["write_path"] = found

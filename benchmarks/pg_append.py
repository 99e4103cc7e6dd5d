"""Large appends into PostgreSQL, with as-of queries answering meanwhile (issue 14).

    python benchmarks/pg_append.py --records 100000 --case append,copy \\
        --url postgresql://postgres@127.0.0.1:5432/test

Each case runs the installed `regimes` script on a fresh schema (dropped afterwards) while
this process opens the store and answers one as-of query after another, as a user's
queries would, timing each:

- `append`: `regimes --store PG append history.jsonl`, on a store holding the first
  `--first` records of the same history already (so that queries have answers to find);
- `copy`: the README's copy of a SQLite store into PostgreSQL, `regimes --store A.db log
  --format jsonl | regimes --store PG append -` (the SQLite store is loaded first, untimed);
- `kill`: the append killed `--kill-after` seconds after its records started to be
  written (while its transaction is open): the store must be left exactly as it was.

It prints, per case: the whole command's seconds and records/s, when its records became
visible (its commit), the queries' count and their slowest latency before the commit and
after it (a query after the commit applies the new records to the projections itself unless
the appending process has done it already), and whether the store holds all of the batch
or none of it. `--at REVISION` runs this process's queries and the `regimes` processes on
the project's code at that commit (exported as `bench.py --at` does), to compare with an
earlier commit; `--code DIR` does the same with a checkout of the code already on disk.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.append(str(REPO))  # a fallback: the installed (or pinned) packages come first

import layout  # noqa: E402
from revisions import Code, pin, working_tree  # noqa: E402

REGIMES = str(Path(sys.executable).parent / "regimes")


@dataclass
class Run:
    """What one case measured."""

    case: str
    records: int
    seconds: float = 0.0
    committed_at: float | None = None
    returncode: int | None = None
    latencies: list[tuple[float, float, int]] = field(default_factory=list)  # start, s, pos
    errors: list[str] = field(default_factory=list)
    final_position: int = 0
    chain_ok: bool | None = None
    said: str = ""

    def report(self, before: int) -> str:
        """One line: the figures, and whether the batch was kept whole."""
        # Before the commit: queries that answered from the log as it stood before the batch.
        # The others met the commit: they applied the new records themselves, or failed.
        pre = [s for _, s, position in self.latencies if position == before]
        post = [s for _, s, position in self.latencies if position != before]
        kept = self.final_position - before
        whole = "all" if kept == self.records else "none" if kept == 0 else f"PART ({kept})"
        rate = self.records / self.seconds if self.seconds else 0
        commit = f"{self.committed_at:.1f} s" if self.committed_at is not None else "never"
        return (
            f"{self.case:6} {self.records:>7} records: exit {self.returncode}, "
            f"{self.seconds:6.1f} s ({rate:,.0f} records/s), commit visible at {commit}; "
            f"{len(pre)} queries answered before it, slowest {max(pre, default=0):.2f} s; "
            f"{len(post)} met it, slowest {max(post, default=0):.2f} s; "
            f"{len(self.errors)} query errors; batch kept: {whole}; "
            f"chain verified: {self.chain_ok}; the append said: {self.said[-300:]!r}"
        )


def generate(records: int, out: Path) -> None:
    if not out.exists():
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "generate.py"),
                "--records",
                str(records),
                "--seed",
                "1",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )


def last_position(base: str, schema: str) -> int:
    with psycopg.connect(base) as connection:
        row = connection.execute(
            sql.SQL("SELECT max(notification_id) FROM {}.regimes_events").format(
                sql.Identifier(schema)
            )
        ).fetchone()
        return int(row[0]) if row and row[0] else 0


def drop(base: str, schema: str) -> None:
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


def watch(
    run: Run,
    url: str,
    base: str,
    schema: str,
    before: int,
    processes: list[subprocess.Popen[Any]],
    kill_after: float | None,
) -> None:
    """Queries the store until the last process ends (killing them all at `kill_after`)."""
    from cli.session import Session
    from projections.flows import FlowQuery

    query = FlowQuery(("Dy",), "CN", None)
    started = time.perf_counter()
    writing_since: float | None = None
    while processes[-1].poll() is None:
        now = time.perf_counter() - started
        position = last_position(base, schema)
        if position > before and run.committed_at is None:
            run.committed_at = now
        if kill_after is not None:
            writing = _in_insert(base, schema)
            if writing and writing_since is None:
                writing_since = now
            if writing_since is not None and now - writing_since >= kill_after:
                for process in processes:
                    process.send_signal(signal.SIGKILL)
                break
        session = Session(url)
        begun = time.perf_counter()
        position = -1  # a query that failed, timed all the same
        try:
            position = session.reader().as_of(date(2020, 1, 1), query).position
        except Exception as error:  # counted and reported
            run.errors.append(f"{type(error).__name__}: {str(error)[:120]}")
        finally:
            session.close()
        run.latencies.append((begun - started, time.perf_counter() - begun, position))
    for process in processes:
        process.wait()
    if processes[-1].stderr is not None:
        run.said = processes[-1].stderr.read().strip().replace("\n", " | ")
    run.seconds = time.perf_counter() - started
    run.returncode = processes[-1].returncode
    if run.committed_at is None and last_position(base, schema) > before:
        run.committed_at = run.seconds


def _in_insert(base: str, schema: str) -> bool:
    """Whether some session holds the events table's EXCLUSIVE lock (an append writing)."""
    with psycopg.connect(base) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "AND c.relname = 'regimes_events' AND l.mode = 'ExclusiveLock' AND l.granted",
            (schema,),
        ).fetchone()
        return bool(row and row[0])


def run_case(case: str, args: argparse.Namespace, work: Path) -> str:
    lines = (work / f"h{args.records + args.first}.jsonl").read_text().splitlines(keepends=True)
    schema = f"regimes_bench_{uuid.uuid4().hex[:10]}"
    url = f"{args.url}?schema={schema}"
    env = args.pinned.env()
    first, batch = work / f"{schema}-first.jsonl", work / f"{schema}-batch.jsonl"
    first.write_text("".join(lines[: args.first]))
    batch.write_text("".join(lines[args.first :]))
    try:
        subprocess.run(
            [REGIMES, "--store", url, "append", str(first)],
            check=True,
            env=env,
            capture_output=True,
        )
        before = last_position(args.url, schema)
        run = Run(case, args.records)
        processes: list[subprocess.Popen[Any]] = []
        if case == "copy":
            source = work / f"{schema}.db"
            subprocess.run(
                [REGIMES, "--store", str(source), "append", str(first), str(batch)],
                check=True,
                env=env,
                capture_output=True,
            )
            log = subprocess.Popen(
                [
                    REGIMES,
                    "--store",
                    str(source),
                    "log",
                    "--since",
                    str(args.first + 1),
                    "--format",
                    "jsonl",
                ],
                stdout=subprocess.PIPE,
                env=env,
            )
            assert log.stdout is not None
            processes = [log, _append(url, "-", env, stdin=log.stdout)]
            log.stdout.close()  # the append holds the pipe's reading end
        else:
            processes = [_append(url, str(batch), env)]
        watch(
            run,
            url,
            args.url,
            schema,
            before,
            processes,
            args.kill_after if case == "kill" else None,
        )
        run.final_position = last_position(args.url, schema)
        app = layout.open_application(url)
        try:
            run.chain_ok = layout.verify(app) == layout.digest(app)
        finally:
            app.close()
        text = run.report(before)
        if run.errors:
            text += "\n    " + "\n    ".join(sorted(set(run.errors))[:5])
        return text
    finally:
        drop(args.url, schema)


def _append(
    url: str, source: str, env: dict[str, str], stdin: IO[bytes] | None = None
) -> subprocess.Popen[Any]:
    return subprocess.Popen(
        [REGIMES, "--store", url, "append", source],
        stdin=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--first", type=int, default=1000, help="records already in the store (default 1000)"
    )
    parser.add_argument(
        "--case", default="append,copy", help="append, copy and/or kill, comma-separated"
    )
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--kill-after", type=float, default=1.0)
    parser.add_argument(
        "--code",
        type=Path,
        default=None,
        help="run the queries and the regimes processes on this checkout (PYTHONPATH)",
    )
    parser.add_argument(
        "--at",
        metavar="REVISION",
        help="run the queries and the regimes processes on the project's code at this git revision",
    )
    parser.add_argument("--data", type=Path, default=None, help="where histories are kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pg-append-") as scratch:
        if args.at:
            args.pinned = pin(args.at, Path(scratch) / "code")
        elif args.code:
            args.pinned = Code({"commit": str(args.code)}, args.code.resolve())
        else:
            args.pinned = working_tree()
        args.pinned.use_here()
        print(f"code: {args.pinned.label}", flush=True)
        work = args.data or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        generate(args.records + args.first, work / f"h{args.records + args.first}.jsonl")
        for case in args.case.split(","):
            print(run_case(case, args, work), flush=True)


if __name__ == "__main__":
    main()

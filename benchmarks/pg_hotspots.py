"""Where the PostgreSQL path spends its time (issue 23): cProfile and the statements sent.

    python benchmarks/pg_hotspots.py --records 10000 --out benchmarks/profiles --at HEAD

On a fresh database `regimes_bench_hot_<run>` (dropped afterwards) holding the generated
history (appended in process, view built by replay), it writes in `--out`:

- `pg-asof-process-<n>k.txt`: `regimes as-of` as a whole process under `python -m cProfile`,
  on the PostgreSQL store and on a SQLite store of the same history, one after the other, with
  the statements (and transactions) each sent to its database;
- `pg-asof-<n>k.txt`: `RegimeReader.as_of` in process, `--queries` planned questions under
  cProfile; the statements one query sends, each with its client-side time and the server's
  own execution time from `EXPLAIN (ANALYZE)`;
- `pg-replay-<n>k.txt`: `RegimeReader.replay()` under cProfile, with its statements by kind;
- `pg-append-<n>k.txt`: the whole `regimes append FILE` process under cProfile, with its
  statements by kind.

Statements are counted by wrapping psycopg's `Cursor.execute`, `executemany` and `copy` in
the profiled process (`--count-statements`, used on the processes this script starts).
cProfile slows pure-Python code more than C, so read shares, not absolute seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: Statements seen by the wrapped cursor methods: (kind, text, seconds).
SEEN: list[tuple[str, str, float, Any]] = []


def _kind(text: str) -> str:
    words = text.split()
    head = " ".join(words[:2]).upper() if words else "?"
    for table in ("FROM", "INTO", "TABLE", "UPDATE", "INDEX"):
        if table in (word.upper() for word in words):
            at = [word.upper() for word in words].index(table)
            if at + 1 < len(words):
                name = words[at + 1].split(".")[-1].strip('"(')
                return f"{head} … {table} {name}"
    return head


@contextmanager
def counting() -> Iterator[None]:
    """Records every statement psycopg cursors send (text, client-side time, parameters)."""
    import psycopg

    originals = {name: getattr(psycopg.Cursor, name) for name in ("execute", "executemany", "copy")}

    def wrap(name: str) -> Callable[..., Any]:
        original = originals[name]

        def wrapped(self: Any, query: Any, params: Any = None, *args: Any, **kw: Any) -> Any:
            text = query if isinstance(query, str) else query.as_string(self.connection)
            started = time.perf_counter()
            try:
                return original(self, query, params, *args, **kw)
            finally:
                keep = params if name == "execute" else None
                SEEN.append((name, text, time.perf_counter() - started, keep))

        return wrapped

    for name in originals:
        setattr(psycopg.Cursor, name, wrap(name))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(psycopg.Cursor, name, original)


def statements_summary(seen: list[tuple[str, str, float, Any]]) -> str:
    kinds: Counter[str] = Counter()
    spent: dict[str, float] = defaultdict(float)
    for _, text, seconds, _ in seen:
        kinds[_kind(text)] += 1
        spent[_kind(text)] += seconds
    lines = [f"{len(seen)} statements, {sum(spent.values()):.3f} s client-side", ""]
    lines.append(f"{'count':>7} {'seconds':>8}  statement")
    for kind, count in kinds.most_common():
        lines.append(f"{count:7d} {spent[kind]:8.3f}  {kind}")
    return "\n".join(lines)


def profile_report(stats: pstats.Stats, top: int) -> str:
    out = []
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats.stream = stream  # type: ignore[attr-defined]
        stats.sort_stats(order).print_stats(top)
        body = stream.getvalue()
        out += [f"## profile by {order}", body[body.find("   ncalls") :].rstrip(), ""]
    return "\n".join(out)


def process_main(argv: list[str]) -> int:
    """`pg_hotspots.py process OUT.json -- regimes ARGS`: runs the `regimes` command in this
    process under cProfile, counting statements; writes the profile and the statements."""
    out, _, *command = argv
    from cli.main import main

    profile = cProfile.Profile()
    code = 0
    with counting():
        started = time.perf_counter()
        profile.enable()
        try:
            main(command, standalone_mode=False)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        finally:
            profile.disable()
        seconds = time.perf_counter() - started
    profile.dump_stats(out + ".prof")
    Path(out).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "code": code,
                "statements": [(k, t, s) for k, t, s, _ in SEEN],
            }
        )
    )
    return code


def run_process(args_: list[str], out: Path, env: dict[str, str], top: int) -> str:
    """A `regimes` command under cProfile in a fresh process, with the import time."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "process", str(out), "--", *args_],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    whole = time.perf_counter() - started
    found = json.loads(out.read_text())
    stats = pstats.Stats(str(out) + ".prof")
    seen = [(k, t, s, None) for k, t, s in found["statements"]]
    return "\n".join(
        [
            f"whole process (under cProfile, imports included): {whole:.3f} s; the command "
            f"itself (after imports): {found['seconds']:.3f} s",
            statements_summary(seen),
            "",
            profile_report(stats, top),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["process"]:
        return process_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "profiles")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "regimes-bench-data"
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--at", metavar="REVISION")
    parser.add_argument("--steps", default="asof-process,asof,replay,append")
    parser.add_argument(
        "--store-url",
        help="profile the as-of queries (only) on this existing store, with its view built, "
        "of the history of --records; it is neither created nor dropped",
    )
    args = parser.parse_args(argv)

    import layout
    from histories import asof_question, generated, plan_queries
    from measure import Progress
    from revisions import revision, working_tree

    say = Progress()
    code = revision(args.at) if args.at else working_tree()
    code.use_here()
    env = code.env()
    args.out.mkdir(parents=True, exist_ok=True)
    args.data.mkdir(parents=True, exist_ok=True)
    history = generated(args.records, args.seed, args.data, say)
    plan = plan_queries(history, args.seed, args.queries, 0)
    size = f"{args.records // 1000}k"
    steps = set(args.steps.split(","))
    work = Path(tempfile.mkdtemp(prefix="regimes-pghot-"))
    name = f"regimes_bench_hot_{uuid.uuid4().hex[:6]}"
    url = args.store_url or f"{args.server.rstrip('/')}/{name}"
    if args.store_url:
        steps &= {"asof"}

    import psycopg

    def admin(statement: str) -> None:
        with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as c:
            c.execute(statement)

    if not args.store_url:
        admin(f'CREATE DATABASE "{name}"')
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    header = f"code: {code.state}; {args.records} records; {when}"
    try:
        from projections.flows import FlowQuery
        from projections.queries import RegimeReader

        app = layout.open_application(url)
        if not args.store_url:
            batch = layout.new_batch()
            with history.open("rb") as stream:
                layout.read_into(batch, stream)
            say(f"appending {args.records} records (not profiled)")
            layout.append(app, batch, datetime.now(UTC))
        reader = RegimeReader(app)
        if "replay" in steps:
            say("replay under cProfile")
            SEEN.clear()
            profile = cProfile.Profile()
            with counting():
                started = time.perf_counter()
                profile.enable()
                reader.replay()
                profile.disable()
                seconds = time.perf_counter() - started
            write(
                args.out / f"pg-replay-{size}.txt",
                "\n".join(
                    [
                        f"# replay of {args.records} events on PostgreSQL, cProfile",
                        header,
                        f"replay: {seconds:.2f} s under cProfile",
                        statements_summary(SEEN),
                        "",
                        profile_report(pstats.Stats(profile), args.top),
                    ]
                ),
            )
        elif not args.store_url:
            reader.replay()
        if "asof" in steps:
            say("as-of in process under cProfile")
            reader.catch_up()
            questions = [
                (
                    date.fromisoformat(flow["day"]),
                    FlowQuery((flow["item"],), flow["exporter"], flow["importer"]),
                )
                for flow in plan["flows"]
            ]
            for day, query in questions[:50]:
                reader.as_of(day, query)  # warm-up
            SEEN.clear()
            profile = cProfile.Profile()
            with counting():
                started = time.perf_counter()
                profile.enable()
                for day, query in questions:
                    reader.as_of(day, query)
                profile.disable()
                seconds = time.perf_counter() - started
            per_query = len(SEEN) / len(questions)
            summary_all = statements_summary(SEEN)
            # One query's statements, each timed by the client and EXPLAIN ANALYZEd.
            SEEN.clear()
            day, query = questions[0]
            with counting():
                started = time.perf_counter()
                reader.as_of(day, query)
                one = time.perf_counter() - started
            one_seen = list(SEEN)
            explained = []
            with psycopg.connect(url) as connection:
                for _, text, seconds_, params in one_seen:
                    upper = text.lstrip().upper()
                    server_ms = None
                    if upper.startswith(("SELECT", "WITH")) and "FOR SHARE" not in upper:
                        try:
                            rows = connection.execute(
                                "EXPLAIN (ANALYZE, FORMAT JSON) " + text, params
                            ).fetchone()
                            server_ms = rows[0][0]["Execution Time"] if rows else None
                        except psycopg.Error as error:
                            connection.rollback()
                            server_ms = f"({type(error).__name__})"
                    if server_ms is None:
                        server = "-"
                    elif isinstance(server_ms, str):
                        server = server_ms
                    else:
                        server = f"{server_ms:.3f} ms"
                    explained.append(
                        f"{1000 * seconds_:7.3f} ms client, server {server:>10}"
                        f"  {' '.join(text.split())[:150]}"
                    )
            write(
                args.out / f"pg-asof-{size}.txt",
                "\n".join(
                    [
                        f"# {len(questions)} as-of queries in process on PostgreSQL, cProfile",
                        header,
                        f"{seconds:.2f} s under cProfile, {1000 * seconds / len(questions):.2f} "
                        f"ms a query; {per_query:.1f} statements a query",
                        summary_all,
                        "",
                        f"## one query ({1000 * one:.2f} ms): its statements, client time "
                        "and the server's execution time (EXPLAIN ANALYZE)",
                        *explained,
                        "",
                        profile_report(pstats.Stats(profile), args.top),
                    ]
                ),
            )
        reader.close()
        app.close()
        if "asof-process" in steps:
            say("regimes as-of processes under cProfile, PostgreSQL and SQLite")
            flow = plan["process"]
            question = asof_question(flow)
            sqlite = work / "store.db"
            from workers import run_worker

            run_worker(code, "append", sqlite, history)
            run_worker(code, "replay", sqlite)
            run_process(["--store", url, *question], work / "warm.json", env, args.top)
            pg = run_process(["--store", url, *question], work / "pg.json", env, args.top)
            lite = run_process(
                ["--store", str(sqlite), *question], work / "sqlite.json", env, args.top
            )
            write(
                args.out / f"pg-asof-process-{size}.txt",
                "\n".join(
                    [
                        f"# regimes {' '.join(question)}: PostgreSQL, then SQLite, cProfile",
                        header,
                        "",
                        "# PostgreSQL",
                        pg,
                        "",
                        "# SQLite",
                        lite,
                    ]
                ),
            )
        if "append" in steps:
            say("regimes append process under cProfile")
            admin(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin(f'CREATE DATABASE "{name}"')
            text = run_process(
                ["--store", url, "append", str(history)], work / "append.json", env, args.top
            )
            write(
                args.out / f"pg-append-{size}.txt",
                "\n".join(
                    [f"# regimes append of {args.records} records into PostgreSQL", header, text]
                ),
            )
    finally:
        if not args.store_url:
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)
    return 0


def write(path: Path, text: str) -> None:
    path.write_text(text + "\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())

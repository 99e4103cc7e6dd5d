"""How large a SQLite store is against its input, before and after a replay (issue 23).

    python benchmarks/store_size.py --records 100000 --workdir /tmp/store-size

Generates the synthetic history of `--records` records (`generate.py`, seed 1; or takes
`--history FILE`), appends it with `regimes --store NEW.db append` (which builds the view by
replay, as any large append does), then runs `regimes replay` on it. After each step it
prints the history's JSON Lines bytes, the store's bytes (the file with its write-ahead log,
and its live pages: all pages but the free ones), their ratios to the input, and where the
pages go, table by table and index by index (SQLite's `dbstat`). With `--wide`, it then
appends one measure naming every element and every country but its issuer, and ten
amendments of it, one append each, and prints what each step added to the store and took.

The code measured is the working tree's (`--at REVISION` measures a commit instead, exported
as `bench.py` does); `regimes` runs in processes of its own. `--json FILE` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from revisions import PYTHON, Code, pin, working_tree  # noqa: E402

#: The tables of the log (the library's events, their key, the hash chain); the rest is
#: the view and the store's small tables.
LOG_TABLES = ("stored_events", "sqlite_autoindex_stored_events_1", "log_chain")


def run(code: Code, store: Path, *args: str) -> float:
    """Seconds one `regimes --store STORE ARGS` process took; fails loudly."""
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-m", "cli.main", "--store", str(store), *args],
        env=code.env(),
        capture_output=True,
        text=True,
        cwd="/",  # `-m` puts the working directory first on the path
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"regimes {' '.join(args)} failed: {done.stderr[-800:]}")
    return elapsed


def measure(store: Path) -> dict[str, Any]:
    """The store's bytes, pages and per-table sizes."""
    wal = store.with_name(store.name + "-wal")
    with closing(sqlite3.connect(store)) as connection:

        def pragma(name: str) -> int:
            return int(connection.execute(f"PRAGMA {name}").fetchone()[0])

        page_size, count, free = pragma("page_size"), pragma("page_count"), pragma("freelist_count")
        tables = {
            name: int(size)
            for name, size in connection.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            )
        }
        auto_vacuum = pragma("auto_vacuum")
    return {
        "file": store.stat().st_size + (wal.stat().st_size if wal.exists() else 0),
        "live": (count - free) * page_size,
        "pages": count,
        "free_pages": free,
        "auto_vacuum": ("none", "full", "incremental")[auto_vacuum],
        "log": sum(tables.get(name, 0) for name in LOG_TABLES),
        "tables": tables,
    }


def mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def show(label: str, figures: dict[str, Any], jsonl: int, seconds: float) -> None:
    print(f"\n{label} ({seconds:.1f} s)")
    print(
        f"  file {mb(figures['file'])} ({figures['file'] / jsonl:.1f}x the input), live pages "
        f"{mb(figures['live'])} ({figures['live'] / jsonl:.1f}x), free pages "
        f"{figures['free_pages']:,}, auto_vacuum {figures['auto_vacuum']}"
    )
    view = figures["live"] - figures["log"]
    print(f"  the log {mb(figures['log'])}; the view and the rest {mb(view)}")
    for name, size in figures["tables"].items():
        if size >= 0.005 * figures["live"]:
            print(f"    {name:40s} {mb(size):>12s}")


def wide_records() -> list[dict[str, Any]]:
    """One measure naming every element and every country but its issuer, then ten
    amendments of it, each taking one more country out of its destinations."""
    import pycountry

    from domain.vocabulary import ELEMENTS

    countries = sorted(
        country.alpha_2 for country in pycountry.countries if country.alpha_2 != "US"
    )
    source = [{"title": "wide", "url": "https://example.org/wide", "published_on": "2030-01-01"}]
    records: list[dict[str, Any]] = [
        {
            "type": "measure_imposed",
            "measure": "us-wide-2030",
            "issuer": "US",
            "kind": "licence_requirement",
            "items": list(ELEMENTS),
            "destinations": countries,
            "announced_on": "2030-01-01",
            "effective_on": "2030-02-01",
            "sources": source,
        }
    ]
    for number in range(1, 11):
        records.append(
            {
                "type": "measure_amended",
                "measure": "us-wide-2030",
                "effective_on": f"2030-{number + 2:02d}-01",
                "destinations": countries[number:],
                "sources": source,
            }
        )
    return records


def wide(code: Code, store: Path, folder: Path) -> list[dict[str, Any]]:
    """`wide_records`, each its own `regimes append` process: what each added to the store,
    and its seconds."""
    steps = []
    for number, record in enumerate(wide_records()):
        path = folder / f"wide-{number}.jsonl"
        path.write_text(json.dumps(record) + "\n")
        before = measure(store)["live"]
        seconds = run(code, store, "append", str(path))
        after = measure(store)["live"]
        steps.append({"record": record["type"], "seconds": seconds, "added": after - before})
        print(f"  {record['type']:16s} +{mb(after - before):>10s} in {seconds:.2f} s")
    return steps


def worker_wide(store: str) -> dict[str, Any]:
    """`wide_records` appended in one process through `regimes.Store`, one append each (log
    and projections), as a program using the package would: the seconds of the eleven
    appends, and what they added to the store's live pages (SQLite) or relations
    (PostgreSQL)."""
    import regimes

    sized = postgres_bytes if store.startswith(("postgresql:", "postgres:")) else _sqlite_live
    records = wide_records()
    steps: list[dict[str, Any]] = []
    with regimes.Store(store) as opened:
        opened.as_of("2030-01-01", items=["Dy"], exporter="US", importer="JP")  # caught up
        before = sized(store)
        started = time.perf_counter()
        for record in records:
            step = time.perf_counter()
            report = opened.append([record])
            assert report.appended == 1, report
            steps.append({"record": record["type"], "seconds": time.perf_counter() - step})
        seconds = time.perf_counter() - started
    added = sized(store) - before
    return {"seconds": seconds, "added_bytes": added, "records": len(records), "steps": steps}


def _sqlite_live(store: str) -> int:
    return int(measure(Path(store))["live"])


def postgres_bytes(url: str) -> int:
    """The bytes of every table of the store's database, with their indexes and TOAST."""
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--history", type=Path, help="a JSON Lines history to use instead")
    parser.add_argument("--workdir", type=Path, help="where the history and store go")
    parser.add_argument("--at", help="measure this commit instead of the working tree")
    parser.add_argument("--wide", action="store_true", help="also the every-element measure")
    parser.add_argument("--json", type=Path, help="write the figures here")
    options = parser.parse_args()
    folder = options.workdir or Path(tempfile.mkdtemp(prefix="store-size-"))
    folder.mkdir(parents=True, exist_ok=True)
    code = pin(options.at, folder / "code") if options.at else working_tree()
    history = options.history
    if history is None:
        history = folder / f"history-{options.records}.jsonl"
        if not history.exists():
            generate = [PYTHON, str(HERE / "generate.py"), "--records", str(options.records)]
            subprocess.run(
                [*generate, "--seed", "1", "--out", str(history)], env=code.env(), check=True
            )
    store = folder / "store.db"
    for stale in folder.glob("store.db*"):
        stale.unlink()
    jsonl = history.stat().st_size
    print(f"code {code.label}; {platform.node()}, {platform.processor() or platform.machine()}")
    print(f"history {history}: {mb(jsonl)} of JSON Lines")
    appended = run(code, store, "append", str(history))
    after_append = measure(store)
    show("after the append", after_append, jsonl, appended)
    replayed = run(code, store, "replay")
    after_replay = measure(store)
    show("after one replay", after_replay, jsonl, replayed)
    results: dict[str, Any] = {
        "code": code.state,
        "history": str(history),
        "jsonl_bytes": jsonl,
        "append": {"seconds": appended, **after_append},
        "replay": {"seconds": replayed, **after_replay},
    }
    if options.wide:
        print("\nevery element and every country but the issuer, then ten amendments:")
        results["wide"] = wide(code, store, folder)
    if options.json:
        options.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()

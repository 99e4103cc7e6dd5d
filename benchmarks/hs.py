"""Asking by HS code at scale (issue 20): as-of with `--hs` beside the plain as-of.

    python benchmarks/hs.py --store /tmp/groups-1m.db --out results.json

On a store of the generated history (built as `benchmarks/groups.py` builds it when missing;
some of its impositions carry an HS code), it draws flows that a measure with a code stands on
(item, exporter, importer, a day it stands) and asks each twice, each first in turn: with
`--hs` set to the heading (first four digits) of that code, and without. Target: the p50 with
`--hs` at most 2x the plain p50.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import groups  # noqa: E402

from projections.flows import FlowQuery  # noqa: E402
from projections.queries import RegimeReader  # noqa: E402
from store.locations import parse_store  # noqa: E402
from store.log import open_application  # noqa: E402


def sample_flows(
    reader: RegimeReader, rng: random.Random, count: int
) -> list[tuple[str, str, str, date, str]]:
    """Flows some measure with HS codes stands on: (item, exporter, importer, a day it
    stands, the heading of its code), drawn from the view's table of codes."""
    generation, _ = reader.view.standing()
    sql = reader.view.sql(generation)
    with reader.view.transaction(commit=False) as c:
        c.execute(f"SELECT code, measure FROM {sql.codes} ORDER BY code, measure, position")
        coded = [(row["code"], row["measure"]) for row in c.fetchall()]
    flows = []
    while len(flows) < count:
        code, measure = rng.choice(coded)
        with reader.view.transaction(commit=False) as c:
            c.execute(
                f"SELECT item, exporter, importer, valid_from FROM {sql.rows} "
                f"WHERE measure = {reader.view.p} LIMIT 1",
                (measure,),
            )
            row = c.fetchone()
        if row is None or "*" in (row["exporter"], row["importer"], row["item"]):
            continue
        day = date.fromisoformat(row["valid_from"])
        flows.append((row["item"], row["exporter"], row["importer"], day, code[:4]))
    return flows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="history size to build")
    parser.add_argument("--store", type=Path, required=True, help="SQLite store (built if missing)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=400, help="as-of questions of each kind")
    parser.add_argument("--out", type=Path, help="JSON file for the figures")
    args = parser.parse_args(argv)
    if not args.store.exists():
        groups.build(args.store, args.records, args.seed)
    app = open_application(parse_store(str(args.store)))
    reader = RegimeReader(app)  # a store of an earlier layout is replayed here, not timed
    reader.catch_up()
    rng = random.Random(args.seed)
    flows = sample_flows(reader, rng, args.queries + 20)
    times: dict[str, list[float]] = {"hs": [], "plain": []}
    listed = {"hs": 0, "plain": 0}
    for index, (item, exporter, importer, day, code) in enumerate(flows):
        pair = [
            ("hs", FlowQuery((item,), exporter, importer, hs=code)),
            ("plain", FlowQuery((item,), exporter, importer)),
        ]
        for kind, query in pair if index % 2 else reversed(pair):  # in turn first
            started = time.perf_counter()
            answer = reader.as_of(day, query)
            if index >= 20:
                times[kind].append((time.perf_counter() - started) * 1000)
                listed[kind] += sum(len(flow.listed()) for flow in answer.flows)
    found: dict[str, Any] = {
        kind: groups._latency(spent, listed[kind] / args.queries) for kind, spent in times.items()
    }
    results = {
        "records": app.last_position(),
        "store": str(args.store),
        "asof": {**found, "ratio": found["hs"]["p50_ms"] / found["plain"]["p50_ms"]},
        "target": "as-of --hs p50 <= 2x plain as-of",
        "command": " ".join(["python benchmarks/hs.py", *(argv or sys.argv[1:])]),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    reader.close()
    app.close()
    asof = results["asof"]
    print(
        f"store: {results['records']} records\n"
        f"as-of p50 (p95), ms: --hs {asof['hs']['p50_ms']:.2f} ({asof['hs']['p95_ms']:.2f}), "
        f"plain {asof['plain']['p50_ms']:.2f} ({asof['plain']['p95_ms']:.2f}); "
        f"ratio {asof['ratio']:.2f} (target <= 2)"
    )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Named parties at scale (issue 19): as-of for a named party beside the plain as-of, and
finding a party by name, on a large store with 10,000 parties.

    python benchmarks/parties.py --store /tmp/groups-1m.db --out results.json

On a store of the generated history (built as `benchmarks/groups.py` builds it when missing),
it appends once 10,000 `party_identified` records and 100 entity lists (export bans from CN,
each on three of the history's most used items, to the forty countries the parties are in,
naming 100 parties each). Then, in one process and interleaved:

- `as-of` on a flow (item, CN, country, day) asked for a party one of the lists on that item
  names, beside the same question without a party; target: p50 with the party at most 2x;
- finding a party by its name (`RegimeReader.party_named`): the first time in a reader (it
  reads every party's records), and again; target: at most 5 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import generate  # noqa: E402
import groups  # noqa: E402

from projections.flows import FlowQuery  # noqa: E402
from projections.queries import RegimeReader  # noqa: E402
from store.locations import parse_store  # noqa: E402
from store.log import open_application  # noqa: E402

PARTIES = 10_000
LISTS = 100
PER_LIST = 100


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.store.exists():
        groups.build(args.store, args.records, args.seed)
    app = open_application(parse_store(str(args.store)))
    reader = RegimeReader(app)
    reader.catch_up()
    rng = random.Random(args.seed)
    listed = scenario(app, reader, rng, args.seed)
    results = {
        "records": app.last_position(),
        "store": str(args.store),
        "asof": asof_side_by_side(reader, rng, listed, args.queries),
        "lookup": lookups(app, rng, args.lookups),
        "command": " ".join(["python benchmarks/parties.py", *(argv or sys.argv[1:])]),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    reader.close()
    app.close()
    print(report(results))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="history size to build")
    parser.add_argument("--store", type=Path, required=True, help="SQLite store (built if missing)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=400, help="as-of questions of each kind")
    parser.add_argument("--lookups", type=int, default=200, help="name lookups")
    parser.add_argument("--out", type=Path, help="JSON file for the figures")
    return parser


def party(n: int) -> str:
    return f"bench-party-{n:05d}"


def name(n: int) -> str:
    return f"Benchmark Party {n:05d} Co., Ltd."


def scenario(app: Any, reader: RegimeReader, rng: random.Random, seed: int) -> list[dict[str, Any]]:
    """The parties and the lists naming them (appended once): each list's item, countries and
    parties."""
    countries = sorted(
        rng.sample([c for c in generate.Generator(1, seed).countries if c != "CN"], 40)
    )
    items = sorted(generate.CRITICAL)
    lists = [
        {
            "measure": f"bench-list-{n:03d}",
            "items": sorted(rng.sample(items, 3)),
            "parties": sorted(rng.sample(range(PARTIES), PER_LIST)),
            "day": date(2010, 1, 1) + timedelta(days=rng.randint(0, 5000)),
        }
        for n in range(LISTS)
    ]
    generation, _ = reader.view.standing()
    if not reader.view.positions_of(generation, f"party:{party(0)}"):
        records: list[dict[str, Any]] = [
            {
                "type": "party_identified",
                "party": party(n),
                "name": name(n),
                "aliases": [f"BP{n:05d}"],
                "country": countries[n % len(countries)],
                "sources": [groups.SOURCE],
            }
            for n in range(PARTIES)
        ]
        records += [
            {
                "type": "measure_imposed",
                "measure": entry["measure"],
                "issuer": "CN",
                "kind": "export_ban",
                "items": entry["items"],
                "destinations": countries,
                "parties": [party(n) for n in entry["parties"]],
                "announced_on": entry["day"].isoformat(),
                "effective_on": entry["day"].isoformat(),
                "sources": [groups.SOURCE],
            }
            for entry in lists
        ]
        started = time.perf_counter()
        groups.append(app, records)
        reader.catch_up()
        print(f"appended {len(records)} records in {time.perf_counter() - started:.1f} s")
    for entry in lists:
        entry["countries"] = countries
    return lists


def asof_side_by_side(
    reader: RegimeReader, rng: random.Random, lists: list[dict[str, Any]], queries: int
) -> dict[str, Any]:
    times: dict[str, list[float]] = {"party": [], "plain": []}
    levels = {"party": 0, "plain": 0}
    for index in range(queries + 20):
        entry = rng.choice(lists)
        day = entry["day"] + timedelta(days=rng.randint(0, 3000))
        item, country = rng.choice(entry["items"]), rng.choice(entry["countries"])
        asked = party(rng.choice(entry["parties"]))
        asked_both = [
            ("party", FlowQuery((item,), "CN", country, party=asked)),
            ("plain", FlowQuery((item,), "CN", country)),
        ]
        # in turn first: the second of two questions on one flow finds its pages cached
        for kind, query in asked_both if index % 2 else reversed(asked_both):
            started = time.perf_counter()
            answer = reader.as_of(day, query)
            elapsed = time.perf_counter() - started
            if index >= 20:
                times[kind].append(elapsed * 1000)
                levels[kind] += sum(int(flow.level) for flow in answer.flows)
    found = {kind: groups._latency(spent) for kind, spent in times.items()}
    return {
        **found,
        "ratio": found["party"]["p50_ms"] / found["plain"]["p50_ms"],
        "mean_level": {kind: total / queries for kind, total in levels.items()},
        "target": "as-of --party p50 <= 2x plain as-of",
    }


def lookups(app: Any, rng: random.Random, count: int) -> dict[str, Any]:
    fresh = RegimeReader(app)
    started = time.perf_counter()
    first = fresh.party_named(name(0))
    cold = (time.perf_counter() - started) * 1000
    assert first == party(0)
    warm = []
    for _ in range(count):
        n = rng.randrange(PARTIES)
        started = time.perf_counter()
        found = fresh.party_named(name(n).upper())
        warm.append((time.perf_counter() - started) * 1000)
        assert found == party(n)
    fresh.close()
    return {
        "first_in_a_reader_ms": cold,
        "again": groups._latency(warm),
        "target": "name lookup <= 5 ms",
    }


def report(results: dict[str, Any]) -> str:
    asof, lookup = results["asof"], results["lookup"]
    return "\n".join(
        [
            f"store: {results['records']} records ({results['store']})",
            "as-of p50 (p95), ms:",
            *(
                f"  {kind:<6} {asof[kind]['p50_ms']:.2f} ({asof[kind]['p95_ms']:.2f})"
                for kind in ("party", "plain")
            ),
            f"  ratio {asof['ratio']:.2f} (target <= 2)",
            f"name lookup: first in a reader {lookup['first_in_a_reader_ms']:.1f} ms, "
            f"then p50 {lookup['again']['p50_ms']:.3f} ms (target <= 5 ms)",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())

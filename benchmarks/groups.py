"""Country groups at scale (issue 18): as-of on flows whose measures name a group beside flows
whose measures do not, and a membership change beside one ordinary record.

    python benchmarks/groups.py --records 1000000 --store /tmp/groups-1m.db --out results.json

On a store of the generated history (built and kept at `--store` when missing: generated,
appended, its view replayed, as the main benchmark builds its stores; `--records` is then
ignored), it appends once a group `@bench-g` (30 countries, 24 changes over the years
bringing 10 more in and out) and, on 17 of the history's most used items, a measure to the
group and one to every destination except it; on 17 others, the same two measures naming
the group's first 30 members one by one. Then, in one process and interleaved so that both
see the same moments of a noisy machine:

- `as-of` on flows asked of one of those 30 countries whose item carries the group measures
  ("with groups"), beside the same flow on the item whose measures name the countries
  ("without"); target: the p50 with groups at most 2x the p50 without;
- one `group_changed` appended and the view caught up ("membership change"), beside one
  `measure_imposed` appended and caught up ("ordinary record"); target: the median at most 2x.

Prints the figures and the two ratios, and writes them to `--out`.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import generate  # noqa: E402

from domain.application import Regimes  # noqa: E402
from domain.batch import Batch  # noqa: E402
from projections.flows import FlowQuery  # noqa: E402
from projections.queries import RegimeReader  # noqa: E402
from regimes.reading import read_into  # noqa: E402
from store.locations import parse_store  # noqa: E402
from store.log import open_application  # noqa: E402

GROUP = "bench-g"
SOURCE = {"title": "Benchmark gazette", "url": "https://example.org/gazette"}
EXPORTERS = ("CN", "US")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    store = args.store or Path(tempfile.mkdtemp(prefix="regimes-groups-")) / "store.db"
    if not store.exists():
        build(store, args.records, args.seed)
    app = open_application(parse_store(str(store)))
    reader = RegimeReader(app)
    reader.catch_up()
    rng = random.Random(args.seed)
    members, items, others = scenario(app, reader, rng, args.seed)
    results = {
        "records": app.last_position(),
        "store": str(store),
        "asof": asof_side_by_side(reader, rng, members, items, others, args.queries),
        "append": appends_side_by_side(app, reader, rng, members, args.rounds),
        "command": " ".join(["python benchmarks/groups.py", *(argv or sys.argv[1:])]),
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
    parser.add_argument("--store", type=Path, help="SQLite store to use (built here if missing)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=400, help="as-of queries of each kind")
    parser.add_argument("--rounds", type=int, default=20, help="appends of each kind")
    parser.add_argument("--out", type=Path, help="JSON file for the figures")
    return parser


def build(store: Path, records: int, seed: int) -> None:
    """The generated history appended to a new store and its view replayed."""
    history = store.with_suffix(".jsonl")
    generate.main(["--records", str(records), "--seed", str(seed), "--out", str(history)])
    app = open_application(parse_store(str(store)))
    batch = Batch()
    with history.open("rb") as stream:
        read_into(batch, stream)
    started = time.perf_counter()
    app.append(batch, datetime.now(UTC))
    print(f"appended {records} records in {time.perf_counter() - started:.0f} s", flush=True)
    reader = RegimeReader(app)
    started = time.perf_counter()
    reader.replay()
    print(f"replayed in {time.perf_counter() - started:.0f} s", flush=True)
    reader.close()
    app.close()
    history.unlink()


def append(app: Regimes, records: list[dict[str, Any]]) -> None:
    batch = Batch()
    read_into(batch, io.BytesIO(b"".join(json.dumps(r).encode() + b"\n" for r in records)))
    app.append(batch, datetime.now(UTC))


def scenario(
    app: Regimes, reader: RegimeReader, rng: random.Random, seed: int
) -> tuple[list[str], list[str], list[str]]:
    """The group and the measures naming it (appended once): its members, the items carrying
    group measures, and other items of the history."""
    countries = generate.Generator(1, seed).countries  # the hundred the history uses
    members = sorted(rng.sample([c for c in countries if c not in EXPORTERS], 40))
    items = sorted(generate.CRITICAL)  # the items the history uses most, alike in load
    chosen = sorted(rng.sample(items, 17))
    others = [item for item in items if item not in chosen][:17]
    generation, _ = reader.view.standing()
    if not reader.view.positions_of(generation, f"group:{GROUP}"):
        records = group_records(rng, members)
        # on each chosen item two measures naming the group; on another item the same two
        # naming its first 30 members one by one
        listed = members[:30]
        for n, (grouped, named) in enumerate(zip(chosen, others, strict=False)):
            for kind, exporter, item, places in (
                ("to", "CN", grouped, {"destinations": [f"@{GROUP}"]}),
                ("except", "US", grouped, {"destinations": ["*"], "except": [f"@{GROUP}"]}),
                ("to-countries", "CN", named, {"destinations": listed}),
                ("except-countries", "US", named, {"destinations": ["*"], "except": listed}),
            ):
                records.append(
                    {
                        "type": "measure_imposed",
                        "measure": f"bench-g-{kind}-{n}",
                        "issuer": exporter,
                        "kind": "licence_requirement",
                        "items": [item],
                        "announced_on": "2012-01-01",
                        "effective_on": "2012-01-01",
                        "sources": [SOURCE],
                        **places,
                    }
                )
        append(app, records)
        reader.catch_up()
    return members, chosen, others


def group_records(rng: random.Random, members: list[str]) -> list[dict[str, Any]]:
    """`@bench-g`: 30 of `members` from 2010, then 24 changes bringing the other 10 in and
    out."""
    records: list[dict[str, Any]] = [
        {
            "type": "group_defined",
            "group": GROUP,
            "title": "Benchmark group",
            "members": members[:30],
            "effective_on": "2010-01-01",
            "sources": [SOURCE],
        }
    ]
    day = date(2011, 1, 1)
    for n in range(24):
        day += timedelta(days=rng.randint(60, 200))
        change = (
            {"added": [members[30 + n % 10]]}
            if n % 2 == 0
            else {"removed": [members[30 + (n - 1) % 10]]}
        )
        records.append(
            {
                "type": "group_changed",
                "group": GROUP,
                "effective_on": day.isoformat(),
                "sources": [SOURCE],
                **change,
            }
        )
    return records


def asof_side_by_side(
    reader: RegimeReader,
    rng: random.Random,
    members: list[str],
    items: list[str],
    others: list[str],
    queries: int,
) -> dict[str, Any]:
    times: dict[str, list[float]] = {"with_groups": [], "without": []}
    listed = {"with_groups": 0, "without": 0}
    for index in range(queries + 20):
        day = date(2012, 1, 1) + timedelta(days=rng.randint(0, 5000))
        exporter, importer = rng.choice(EXPORTERS), rng.choice(members[:30])
        pick = rng.randrange(len(items))
        pair = [("with_groups", items[pick]), ("without", others[pick])]
        for kind, item in pair if index % 2 else reversed(pair):  # in turn first
            query = FlowQuery((item,), exporter, importer)
            started = time.perf_counter()
            answer = reader.as_of(day, query)
            elapsed = time.perf_counter() - started
            if index >= 20:  # warm-up
                times[kind].append(elapsed * 1000)
                listed[kind] += sum(len(f.listed()) + len(f.exempt) for f in answer.flows)
    found = {kind: _latency(spent, listed[kind] / queries) for kind, spent in times.items()}
    return {
        **found,
        "ratio": found["with_groups"]["p50_ms"] / found["without"]["p50_ms"],
        "target": "with_groups p50 <= 2x without",
    }


def appends_side_by_side(
    app: Regimes, reader: RegimeReader, rng: random.Random, members: list[str], rounds: int
) -> dict[str, Any]:
    times: dict[str, list[float]] = {"membership_change": [], "ordinary_record": []}
    run = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    # a group of this run's own, as large as the scenario's (its 25 records), so that runs on
    # one store measure the same thing
    group = f"{GROUP}-{run}"
    append(app, [{**record, "group": group} for record in group_records(rng, members)])
    reader.catch_up()
    first = date(2030, 1, 1)
    for n in range(rounds + rounds % 2):  # even: each removal is followed by its re-admission
        country = members[n % 30]
        records = {
            "membership_change": {
                "type": "group_changed",
                "group": group,
                "effective_on": (first + timedelta(days=n)).isoformat(),
                "sources": [SOURCE],
                # removed, then added back the next round: each change is a real one
                **({"removed": [country]} if n % 2 == 0 else {"added": [members[(n - 1) % 30]]}),
            },
            "ordinary_record": {
                "type": "measure_imposed",
                "measure": f"bench-ordinary-{run}-{n}",
                "issuer": "CN",
                "kind": "licence_requirement",
                "items": [rng.choice(sorted(generate.CRITICAL))],
                "destinations": [rng.choice(members)],
                "announced_on": "2026-01-01",
                "effective_on": "2026-01-01",
                "sources": [SOURCE],
            },
        }
        order = list(records) if n % 2 == 0 else list(reversed(records))
        for kind in order:
            started = time.perf_counter()
            append(app, [records[kind]])
            reader.catch_up()
            times[kind].append((time.perf_counter() - started) * 1000)
    found = {kind: _latency(spent) for kind, spent in times.items()}
    return {
        **found,
        "ratio": found["membership_change"]["p50_ms"] / found["ordinary_record"]["p50_ms"],
        "target": "membership change (append + catch-up) median <= 2x one ordinary record",
    }


def _latency(times_ms: list[float], listed: float | None = None) -> dict[str, Any]:
    ordered = sorted(times_ms)
    found: dict[str, Any] = {
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "n": len(ordered),
    }
    if listed is not None:
        found["measures_listed_mean"] = listed
    return found


def report(results: dict[str, Any]) -> str:
    asof, appended = results["asof"], results["append"]
    return "\n".join(
        [
            f"store: {results['records']} records ({results['store']})",
            "as-of p50 (p95), ms:",
            *(
                f"  {kind:<12} {asof[kind]['p50_ms']:.2f} ({asof[kind]['p95_ms']:.2f}), "
                f"{asof[kind]['measures_listed_mean']:.1f} measures listed on average"
                for kind in ("with_groups", "without")
            ),
            f"  ratio {asof['ratio']:.2f} (target <= 2)",
            "append + catch-up median (p95), ms:",
            f"  membership change {appended['membership_change']['p50_ms']:.1f}"
            f" ({appended['membership_change']['p95_ms']:.1f})",
            f"  ordinary record   {appended['ordinary_record']['p50_ms']:.1f}"
            f" ({appended['ordinary_record']['p95_ms']:.1f})",
            f"  ratio {appended['ratio']:.2f} (target <= 2)",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())

"""The inputs of a run: the generated history of each size, and the queries planned on it."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
from revisions import PYTHON

HERE = Path(__file__).resolve().parent


def generated(size: int, seed: int, data: Path, say: Callable[[str], None]) -> Path:
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


def asof_question(flow: dict[str, Any]) -> list[str]:
    """The `regimes` arguments asking a planned flow's question (after `--store URL`)."""
    return [
        "as-of",
        flow["day"],
        "-e",
        flow["item"],
        "--from",
        flow["exporter"],
        "--to",
        flow["importer"],
    ]

"""The README's first question on a new machine, with the bundled history of two revisions
side by side (issue 21: the second edition answers in under 2x the time the first took).

    python benchmarks/bundled.py --baseline 146612c --rounds 15 --out results-bundled.json

Each round runs, in fresh processes and in alternating order, `regimes as-of 2026-01-08
--element Dy --from CN --to JP` with an empty data directory (the default store is created
and the bundled history loaded, as on a fresh machine), then the same question again on the
store it left (every later run). The baseline is a revision exported to a snapshot
(`revisions.pin`; default 146612c, version 0.5.0 with the first edition); the other is the
working tree. Prints the medians and their ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from revisions import PYTHON, Code, pin, working_tree  # noqa: E402

QUESTION = ["as-of", "2026-01-08", "--element", "Dy", "--from", "CN", "--to", "JP"]


def ask(code: Code, data_home: Path) -> float:
    """Seconds one `regimes` process takes to answer the question with this data home."""
    env = code.env() | {"XDG_DATA_HOME": str(data_home), "COLUMNS": "200"}
    started = time.perf_counter()
    done = subprocess.run(  # run elsewhere: `-m` puts the working directory first on the path
        [PYTHON, "-m", "cli.main", *QUESTION], env=env, capture_output=True, text=True, cwd="/"
    )
    elapsed = time.perf_counter() - started
    if done.returncode or "Dy" not in done.stdout:
        raise SystemExit(f"{code.label} failed: {done.stderr[-500:]}")
    return elapsed


def records_loaded(code: Code, data_home: Path) -> int:
    env = code.env() | {"XDG_DATA_HOME": str(data_home)}
    done = subprocess.run(
        [PYTHON, "-m", "cli.main", "log", "--format", "jsonl"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    return len(done.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="146612c", help="the revision to compare with")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="regimes-bundled-") as scratch:
        root = Path(scratch)
        codes = {"baseline": pin(args.baseline, root / "baseline"), "current": working_tree()}
        fresh: dict[str, list[float]] = {name: [] for name in codes}
        again: dict[str, list[float]] = {name: [] for name in codes}
        records: dict[str, int] = {}
        for round_ in range(args.rounds):
            order = list(codes) if round_ % 2 == 0 else list(reversed(codes))
            for name in order:
                home = root / f"home-{name}-{round_}"
                fresh[name].append(ask(codes[name], home))
                again[name].append(ask(codes[name], home))
                records.setdefault(name, records_loaded(codes[name], home))

    def median_ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 1)

    figures: dict[str, Any] = {
        "question": " ".join(["regimes", *QUESTION]),
        "rounds": args.rounds,
        "codes": {name: code.state for name, code in codes.items()},
        "records": records,
        "fresh_store_ms": {name: median_ms(values) for name, values in fresh.items()},
        "existing_store_ms": {name: median_ms(values) for name, values in again.items()},
    }
    figures["fresh_ratio"] = round(
        figures["fresh_store_ms"]["current"] / figures["fresh_store_ms"]["baseline"], 2
    )
    figures["existing_ratio"] = round(
        figures["existing_store_ms"]["current"] / figures["existing_store_ms"]["baseline"], 2
    )
    print(f"{figures['question']}, median of {args.rounds} rounds each, alternating order")
    print(f"{'':>10} {'records':>8} {'new store':>10} {'existing':>9}")
    for name, code in codes.items():
        print(
            f"{name:>10} {records[name]:>8} {figures['fresh_store_ms'][name]:>8} ms"
            f" {figures['existing_store_ms'][name]:>6} ms   ({code.label})"
        )
    print(
        f"ratio current/baseline: new store {figures['fresh_ratio']}x (target < 2), "
        f"existing store {figures['existing_ratio']}x"
    )
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()

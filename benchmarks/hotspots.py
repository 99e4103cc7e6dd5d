"""Profiles append, replay and the catch-up query under cProfile; lists the project's hot spots.

    python benchmarks/hotspots.py --records 100000 --seed 1 --out benchmarks/profiles

For each step it writes `<step>-<records>.txt` in `--out`: the project's own functions
(domain/, store/, projections/, cli/, regimes/) by cumulative time, then the whole profile's
top entries by cumulative and by internal time. cProfile slows pure-Python calls more than C
calls (pydantic, sqlite3, orjson), so read the shares, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CODE = "code: the working tree"
#: The profiled packages, and where they live: the working tree, or the --at snapshot.
PACKAGES: tuple[str, ...] = ()
SOURCE = ROOT


def profiled(step: Callable[[], object]) -> pstats.Stats:
    profile = cProfile.Profile()
    profile.enable()
    step()
    profile.disable()
    return pstats.Stats(profile)


def report(stats: pstats.Stats, title: str, top: int) -> str:
    """The project's functions by cumulative time, then the overall top entries."""
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max(cumulative for _, _, _, cumulative, _ in entries.values())
    project = tuple(f"{SOURCE / package}/" for package in PACKAGES)
    own = sorted(
        (
            (cumulative, internal, calls, key)
            for key, (_, calls, internal, cumulative, _) in entries.items()
            if key[0].startswith(project)
        ),
        reverse=True,
    )
    lines = [
        f"# {title}",
        CODE,
        f"total profiled time: {total:.2f} s",
        "",
        "## project functions by cumulative time",
        f"{'cumulative s':>12} {'share':>6} {'internal s':>10} {'calls':>9}  function",
    ]
    for cumulative, internal, calls, (path, line, name) in own[:top]:
        where = f"{Path(path).relative_to(SOURCE)}:{line}({name})"
        lines.append(
            f"{cumulative:12.2f} {cumulative / total:6.1%} {internal:10.2f} {calls:9d}  {where}"
        )
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats.stream = stream  # type: ignore[attr-defined]
        stats.sort_stats(order).print_stats(top)
        body = stream.getvalue()
        lines += ["", f"## whole profile by {order}", body[body.find("   ncalls") :].rstrip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "profiles")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "regimes-bench-data"
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--catchup-rounds", type=int, default=50)
    parser.add_argument(
        "--at",
        metavar="REVISION",
        help="profile the project's code at this git revision, not the working tree",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    # the benchmark's own workers, profiled in this process
    import layout
    from histories import generated, plan_queries
    from revisions import pin, working_tree
    from workers import worker_catchup

    work = Path(tempfile.mkdtemp(prefix="regimes-hotspots-"))
    global CODE, SOURCE, PACKAGES
    code = pin(args.at, work / "code") if args.at else working_tree()
    code.use_here()
    SOURCE, PACKAGES = code.path or ROOT, code.packages
    CODE = f"code: {code.state}"

    args.out.mkdir(parents=True, exist_ok=True)
    args.data.mkdir(parents=True, exist_ok=True)
    history = generated(args.records, args.seed, args.data, lambda text: print(text))
    store = str(work / "store.db")
    size = f"{args.records // 1000}k"
    try:
        app = layout.open_application(store)

        def append() -> None:
            batch = layout.new_batch()
            with history.open("rb") as stream:
                layout.read_into(batch, stream)
            layout.append(app, batch, datetime.now(UTC))

        write(
            args.out / f"append-{size}.txt",
            report(
                profiled(append),
                f"append of {args.records} records (read + validate + write), cProfile",
                args.top,
            ),
        )
        app.close()

        from projections.queries import RegimeReader

        app = layout.open_application(store)
        reader = RegimeReader(app)
        write(
            args.out / f"replay-{size}.txt",
            report(
                profiled(reader.replay),
                f"replay of {args.records} events into fresh projections, cProfile",
                args.top,
            ),
        )
        reader.close()
        app.close()

        flows = work / "flows.json"
        plan = plan_queries(history, args.seed, 100, args.catchup_rounds)
        flows.write_text(json.dumps(plan))
        write(
            args.out / f"catchup-{size}.txt",
            report(
                profiled(lambda: worker_catchup(store, str(flows), args.catchup_rounds)),
                f"{args.catchup_rounds} rounds of: 3 caught-up queries, append one "
                "record, first query (catch-up), cProfile",
                args.top,
            ),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def write(path: Path, text: str) -> None:
    path.write_text(text)
    print(f"wrote {path}", file=sys.stderr)
    print("\n".join(text.splitlines()[:22]), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

"""The tables a run prints: its figures beside their baselines, the targets judged, two
revisions' target ratios side by side, and the append's two write paths."""

from __future__ import annotations

from typing import Any

from revisions import label
from targets import REFERENCE_SIZE, WORSE_LIMIT, Sizes, commit, replay_ratio
from write_path import KEEP_BYPASS_ABOVE


def table(results: dict[str, Any]) -> str:
    """The figures, their baselines and ratios, then the targets; with a baseline revision,
    its figures and the comparison; then the write paths, if measured."""
    lines = figures(results["sizes"])
    lines += ["", "targets:", *judged(results.get("targets", []))]
    baseline = results.get("baseline")
    if baseline:
        lines += ["", f"at the baseline revision, {baseline['code']['commit']}:"]
        lines += figures(baseline["sizes"])
        lines += ["", *side_by_side(results)]
    if any("write_path" in r for r in results["sizes"].values()):
        lines += ["", *write_paths(results["sizes"])]
    if results.get("postgresql", {}).get("sizes"):
        from pg_bench import table as postgres_table

        lines += ["", "on PostgreSQL (bench.py --postgres):", postgres_table(results["postgresql"])]
    return "\n".join(lines)


def figures(sizes: Sizes) -> list[str]:
    """Every figure of every size, beside its baseline, with their ratio and commit."""
    lines = [f"{'size':>9}  {'what':<34} {'figure':>18} {'baseline':>18} {'ratio':>7}  code"]
    for size in sorted(sizes, key=int):
        r = sizes[size]
        rows: list[tuple[str, str, str, str, str]] = []
        if "append" in r:
            rows.append(
                (
                    "append (read+validate+write)",
                    f"{r['append']['records_per_second']:,.0f} rec/s",
                    f"{r['save_baseline']['events_per_second']:,.0f} ev/s",
                    f"{r['append']['ratio_to_baseline']:.3f}",
                    commit(r, "append"),
                )
            )
            if "cpu_seconds" in r["append"] and "cpu_seconds" in r["save_baseline"]:
                rows.append(
                    (
                        "  the same in CPU time",
                        f"{r['append']['cpu_seconds']:.2f} s",
                        f"{r['save_baseline']['cpu_seconds']:.2f} s",
                        f"{r['save_baseline']['cpu_seconds'] / r['append']['cpu_seconds']:.3f}",
                        commit(r, "append"),
                    )
                )
        if "cli_append" in r:
            rows.append(
                (
                    "regimes append (process)",
                    f"{r['cli_append']['seconds']:.2f} s",
                    f"{r['cli_append']['records_per_second']:,.0f} rec/s",
                    "",
                    commit(r, "cli_append"),
                )
            )
            if "peak_rss_bytes" in r["cli_append"]:
                rows.append(
                    (
                        "  its peak memory",
                        f"{r['cli_append']['peak_rss_bytes'] / 2**20:,.0f} MiB",
                        "",
                        "",
                        commit(r, "cli_append"),
                    )
                )
        if "replay" in r:
            for section, what in (
                ("raw_baseline", "replay vs raw (bare table)"),
                ("raw_indexed_baseline", "  raw with indexes during load"),
                ("raw_deferred_baseline", "  raw with indexes after load"),
            ):
                if section in r:
                    rows.append(
                        (
                            what,
                            f"{r['replay']['events_per_second']:,.0f} ev/s",
                            f"{r[section]['events_per_second']:,.0f} ev/s",
                            f"{replay_ratio(r, section):.3f}",
                            f"{commit(r, 'replay')}/{commit(r, section)}",
                        )
                    )
            raw = r.get("raw_baseline", {})
            if "cpu_seconds" in r["replay"] and "cpu_seconds" in raw:
                rows.append(
                    (
                        "  in CPU time (with its helpers)",
                        f"{r['replay']['cpu_seconds']:.2f} s",
                        f"{raw['cpu_seconds']:.2f} s",
                        f"{raw['cpu_seconds'] / r['replay']['cpu_seconds']:.3f}",
                        f"{commit(r, 'replay')}/{commit(r, 'raw_baseline')}",
                    )
                )
            if "replay_over_full_view" in r:
                rows.append(
                    (
                        "  replay replacing a full view",
                        f"{r['replay_over_full_view']['events_per_second']:,.0f} ev/s",
                        "",
                        "",
                        commit(r, "replay"),
                    )
                )
            rows.append(
                (
                    "replay peak RSS / rows written",
                    f"{r['replay']['peak_rss_bytes'] / 2**20:,.0f} MiB",
                    f"{r['replay']['rows']:,} rows",
                    "",
                    commit(r, "replay"),
                )
            )
        if "asof" in r:
            rows.append(
                (
                    "as-of in process p50 / p95",
                    f"{r['asof']['p50_ms']:.2f} ms",
                    f"p95 {r['asof']['p95_ms']:.2f} ms",
                    "",
                    commit(r, "asof"),
                )
            )
            if "reference" in r["asof"]:
                rows.append(
                    (
                        f"  p50 beside the {REFERENCE_SIZE:,} store",
                        f"{r['asof']['p50_ms']:.2f} ms",
                        f"{r['asof']['reference']['p50_ms']:.2f} ms",
                        f"{r['asof']['ratio_to_reference']:.2f}",
                        commit(r, "asof"),
                    )
                )
        if "cli_asof" in r:
            rows.append(
                (
                    "regimes as-of (process)",
                    f"{r['cli_asof']['seconds'] * 1000:.0f} ms",
                    f"{r['cli_asof']['baseline_seconds'] * 1000:.0f} ms",
                    f"{r['cli_asof']['ratio']:.2f}",
                    commit(r, "cli_asof"),
                )
            )
        if "catchup" in r:
            rows.append(
                (
                    "first query after regimes append",
                    f"{r['catchup']['first_p50_ms']:.2f} ms",
                    f"{r['catchup']['steady_p50_ms']:.2f} ms",
                    f"{r['catchup']['ratio']:.2f}",
                    commit(r, "catchup"),
                )
            )
            if "catching_up_p50_ms" in r["catchup"]:
                rows.append(
                    (
                        "  query catching up 1 event itself",
                        f"{r['catchup']['catching_up_p50_ms']:.2f} ms",
                        f"{r['catchup']['steady_p50_ms']:.2f} ms",
                        f"{r['catchup']['catching_up_ratio']:.2f}",
                        commit(r, "catchup"),
                    )
                )
                rows.append(
                    (
                        "  append's own projection update",
                        f"{r['catchup']['updating_p50_ms']:.2f} ms",
                        "",
                        "",
                        commit(r, "catchup"),
                    )
                )
        if "store_size" in r:
            sized = r["store_size"]
            rows.append(
                (
                    "store after regimes append",
                    f"{sized['append']['file'] / 1e6:,.1f} MB",
                    f"JSON Lines {sized['jsonl_bytes'] / 1e6:,.1f} MB",
                    f"{sized['ratio']:.2f}",
                    commit(r, "store_size"),
                )
            )
            rows.append(
                (
                    "  after regimes replay",
                    f"{sized['replay']['file'] / 1e6:,.1f} MB",
                    f"before {sized['append']['file'] / 1e6:,.1f} MB",
                    f"{sized['replay_ratio']:.2f}",
                    commit(r, "store_size"),
                )
            )
        if "wide" in r:
            rows.append(
                (
                    "every-element measure + 10 amends",
                    f"{r['wide']['seconds']:.2f} s",
                    f"+{r['wide']['added_bytes'] / 1e6:,.2f} MB",
                    "",
                    commit(r, "wide"),
                )
            )
        for what, figure, baseline, ratio, code in rows:
            lines.append(
                f"{int(size):>9,}  {what:<34} {figure:>18} {baseline:>18} {ratio:>7}  {code}"
            )
    return lines


def judged(found: list[dict[str, Any]]) -> list[str]:
    """One line per target: met, missed or not measured, with its value and figures."""
    lines = []
    for target in found:
        value = target["value"]
        mark = "MET " if target["met"] else "MISS" if value is not None else "N/M "
        where = f"at {target['size']:,}"
        if target["provisional"]:
            where += f" (target at {target['wanted_size']:,})"
        shown = f"{value:.3f}" if value is not None else "-"
        lines.append(
            f"  {mark} {target['target']:<52} {shown} "
            f"(limit {target['limit']}) {where}: {target['text']}"
            f" [{target.get('code', '')}]"
        )
    return lines


def side_by_side(results: dict[str, Any]) -> list[str]:
    """Each target's value at the measured revision and at the baseline revision, measured
    in the same run, and the change; WORSE marks a change beyond the limit in the target's
    bad direction."""
    ours, theirs = label(results["code"]), label(results["baseline"]["code"])
    lines = [
        f"side by side: {ours} against {theirs}, every pair measured in one run "
        f"(WORSE: more than {WORSE_LIMIT:.0%} worse than at {theirs})",
        f"  {'target':<56} {'size':>9} {ours:>9} {theirs:>9} {'change':>8}",
    ]
    for row in results.get("comparison", []):
        value, base, change = row["value"], row["baseline"], row["change"]
        shown = "-" if change is None else f"{change:+.1%}"
        mark = "WORSE" if row["worse"] else "" if change is not None else row["text"]
        lines.append(
            f"  {row['target']:<56} {row['size']:>9,} {_number(value):>9} "
            f"{_number(base):>9} {shown:>8}  {mark}".rstrip()
        )
    flagged = [row for row in results.get("comparison", []) if row["worse"]]
    lines.append(
        f"  {len(flagged)} of {len(results.get('comparison', []))} worse by more than "
        f"{WORSE_LIMIT:.0%}" + (": " + "; ".join(_named(row) for row in flagged) if flagged else "")
    )
    return lines


def _named(row: dict[str, Any]) -> str:
    return f"{row['target']} at {row['size']:,} ({row['change']:+.1%})"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def write_paths(sizes: Sizes) -> list[str]:
    """The product's append through `Application.save()` against the bypass, per size."""
    lines = [
        "write path: Regimes.append (through Application.save() from d72ee46) against the "
        "bypass (map + recorder.insert_events), same history, alternating runs",
        f"{'size':>9}  {'what':<34} {'append':>14} {'bypass':>14} {'bypass/save':>12}  code",
    ]
    for size in sorted(sizes, key=int):
        found = sizes[size].get("write_path")
        if not found:
            continue
        save, bypass = found["save"], found["bypass"]
        rows = [
            (
                "append (read+validate+write)",
                f"{save['records_per_second']:,.0f} rec/s",
                f"{bypass['records_per_second']:,.0f} rec/s",
                f"{found['bypass_over_save']:.3f}",
            ),
            (
                "  the append call (plan+write)",
                f"{save['append_seconds']:.2f} s",
                f"{bypass['append_seconds']:.2f} s",
                f"{save['append_seconds'] / bypass['append_seconds']:.3f}",
            ),
            (
                "  its write alone (after plan)",
                f"{save['write_seconds']:.2f} s",
                f"{bypass['write_seconds']:.2f} s",
                f"{save['write_seconds'] / bypass['write_seconds']:.3f}",
            ),
            (
                "  its plan (check against the log)",
                f"{save['plan_seconds']:.2f} s",
                f"{bypass['plan_seconds']:.2f} s",
                "",
            ),
            (
                "  CPU time of the whole append",
                f"{save['cpu_seconds']:.2f} s",
                f"{bypass['cpu_seconds']:.2f} s",
                f"{found['cpu_bypass_over_save']:.3f}",
            ),
            (
                "  CPU time of the append call",
                f"{save['append_cpu_seconds']:.2f} s",
                f"{bypass['append_cpu_seconds']:.2f} s",
                f"{save['append_cpu_seconds'] / bypass['append_cpu_seconds']:.3f}",
            ),
            (
                "  peak RSS",
                f"{save['peak_rss_bytes'] / 2**20:,.0f} MiB",
                f"{bypass['peak_rss_bytes'] / 2**20:,.0f} MiB",
                f"{bypass['peak_rss_bytes'] / save['peak_rss_bytes']:.3f}",
            ),
        ]
        for what, first, second, ratio in rows:
            lines.append(
                f"{int(size):>9,}  {what:<34} {first:>14} {second:>14} {ratio:>12}  "
                f"{found.get('commit', '')}"
            )
        gain = found["bypass_over_save"] - 1
        verdict = "keep the bypass" if gain > KEEP_BYPASS_ABOVE else "save() stays"
        paired = ", ".join(f"{ratio:.3f}" for ratio in found.get("paired_ratios", []))
        lines += [
            f"{'':>9}  bypass/save run by run (each pair back to back): {paired}",
            f"{'':>9}  the bypass is worth {gain:+.1%} of append throughput "
            f"(rule: > {KEEP_BYPASS_ABOVE:.0%} to keep it): {verdict}",
        ]
        if "bypass_over_save_from_writes" in found:
            lines.append(
                f"{'':>9}  from the writes alone (read and plan pooled over both paths): "
                f"{found['bypass_over_save_from_writes'] - 1:+.1%}"
            )
    return lines

"""The issue's targets: each a ratio (or a figure) with its limit and the size it names,
judged from the figures of one run; and two revisions' target ratios side by side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GiB = 1024**3
#: The size the as-of latency and the throughput of larger stores are compared with.
REFERENCE_SIZE = 10_000
#: A target ratio worse than the baseline revision's by more than this is flagged.
WORSE_LIMIT = 0.10

Sizes = dict[str, dict[str, Any]]
#: From one size's results (and every size's, for growth): the value and what it compares.
Check = Callable[[dict[str, Any], Sizes], tuple[float, str]]


class NotTogether(Exception):
    """Figures a target compares were not measured in the same run."""


@dataclass(frozen=True)
class Target:
    """One target: `name` says its direction (">=" or "<="), `limit` its bound at `size`."""

    name: str
    limit: float
    size: int  # the size the issue names (sizes above `above` show the trend)
    section: str  # measured at a size when that size's results have this section
    check: Check
    above: int = 0  # judged only at sizes above this one
    every_size: bool = False  # judged at every size measured, not only at `size`

    @property
    def higher_is_better(self) -> bool:
        return ">=" in self.name

    def met(self, value: float | None) -> bool:
        """Whether a value keeps the limit (never, when it was not measured)."""
        if value is None:
            return False
        return value >= self.limit if self.higher_is_better else value <= self.limit

    def value(self, sizes: Sizes, size: int) -> tuple[float | None, str]:
        """The target's value at `size`, or None and why it was not measured."""
        result = sizes.get(str(size), {})
        if self.section not in result:
            return None, f"not measured: no {self.section}"
        try:
            return self.check(result, sizes)
        except KeyError as missing:  # measured without what the target compares with
            return None, f"not measured: no {missing}"
        except NotTogether as apart:
            return None, str(apart)


def _together(*sections: dict[str, Any]) -> None:
    """Raises NotTogether unless every section carries the same run id."""
    runs = {section.get("run") for section in sections}
    if len(runs) != 1 or None in runs:
        raise NotTogether("not measured in the same run")


def replay_ratio(result: dict[str, Any], section: str) -> float:
    """Replay throughput over one of its raw baselines' (the targets also require that both
    were measured in the same run)."""
    return float(result["replay"]["events_per_second"] / result[section]["events_per_second"])


def commit(result: dict[str, Any], section: str) -> str:
    """The code a section of a size's results was measured on."""
    return str(result[section].get("commit") or result.get("code", {}).get("commit", ""))


def _append(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    _together(r["append"], r["save_baseline"])
    return (
        r["append"]["ratio_to_baseline"],
        f"{r['append']['records_per_second']:,.0f} rec/s vs "
        f"{r['save_baseline']['events_per_second']:,.0f} ev/s",
    )


def _replay(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    _together(r["replay"], r["raw_baseline"])
    return (
        replay_ratio(r, "raw_baseline"),
        f"{r['replay']['events_per_second']:,.0f} ev/s vs "
        f"{r['raw_baseline']['events_per_second']:,.0f} ev/s",
    )


def _replay_memory(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    return (
        r["replay"]["peak_rss_bytes"] / GiB,
        f"{r['replay']['peak_rss_bytes'] / 2**20:,.0f} MiB",
    )


def _whole_append(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    """The whole `regimes append FILE` process (log and projections) against the library's
    save of as many minimal events (issue 23)."""
    process, save = r["cli_append"], r["save_baseline"]
    _together(process, save)
    return (
        process["records_per_second"] / save["events_per_second"],
        f"{process['records_per_second']:,.0f} rec/s ({process['seconds']:.1f} s) vs "
        f"{save['events_per_second']:,.0f} ev/s",
    )


def _append_memory(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    process = r["cli_append"]
    if "peak_rss_bytes" not in process:  # measured before the process's memory was
        raise KeyError("peak_rss_bytes of regimes append")
    return (
        process["peak_rss_bytes"] / GiB,
        f"{process['peak_rss_bytes'] / 2**20:,.0f} MiB (Regimes.append in process: "
        f"{r['append']['peak_rss_bytes'] / 2**20:,.0f} MiB)"
        if "append" in r
        else f"{process['peak_rss_bytes'] / 2**20:,.0f} MiB",
    )


def _store_size(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    sized = r["store_size"]
    return (
        sized["ratio"],
        f"{sized['append']['file'] / 1e6:,.1f} MB vs {sized['jsonl_bytes'] / 1e6:,.1f} MB "
        f"of JSON Lines (live pages {sized['append']['live'] / sized['jsonl_bytes']:.1f}x, "
        f"the log {sized['append']['log'] / 1e6:,.1f} MB)",
    )


def _replayed_size(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    sized = r["store_size"]
    return (
        sized["replay_ratio"],
        f"{sized['replay']['file'] / 1e6:,.1f} MB after replay vs "
        f"{sized['append']['file'] / 1e6:,.1f} MB before",
    )


def _wide_bytes(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    wide = r["wide"]
    return wide["added_bytes"] / 1e6, f"{wide['records']} appends, one process"


def _wide_seconds(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    wide = r["wide"]
    slowest = max(step["seconds"] for step in wide["steps"])
    return wide["seconds"], f"{wide['records']} appends, one process; slowest {slowest:.3f} s"


def _asof_growth(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    # Only beside the reference store, which sizes above it are measured with.
    return (
        r["asof"]["ratio_to_reference"],
        f"{r['asof']['p50_ms']:.2f} ms vs {r['asof']['reference']['p50_ms']:.2f} ms at "
        f"{REFERENCE_SIZE:,}, side by side",
    )


def _asof_p50(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    return r["asof"]["p50_ms"], f"p95 {r['asof']['p95_ms']:.2f} ms"


def _asof_known(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    known = r["asof_known"]
    return (
        known["ratio_to_plain"],
        f"{known['p50_ms']:.2f} ms vs {known['plain']['p50_ms']:.2f} ms plain, side by side",
    )


def _cli_asof(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    return (
        r["cli_asof"]["ratio"],
        f"{r['cli_asof']['seconds'] * 1000:.0f} ms vs "
        f"{r['cli_asof']['baseline_seconds'] * 1000:.0f} ms",
    )


def _catchup(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
    return (
        r["catchup"]["ratio"],
        f"{r['catchup']['first_p50_ms']:.2f} ms vs {r['catchup']['steady_p50_ms']:.2f} ms",
    )


def _growth(key: str, rate: str) -> Check:
    def growth(r: dict[str, Any], sizes: Sizes) -> tuple[float, str]:
        base = sizes.get(str(REFERENCE_SIZE), {})
        if key not in base:
            raise KeyError(f"{key} at {REFERENCE_SIZE:,}")
        _together(r[key], base[key])
        return (
            r[key][rate] / base[key][rate],
            f"{r[key][rate]:,.0f} vs {base[key][rate]:,.0f} /s at 10k ({commit(base, key)})",
        )

    return growth


TARGETS = (
    Target("append >= 0.5x save(*aggregates)", 0.5, 100_000, "append", _append),
    Target("replay >= 0.4x raw sqlite3 (bare table)", 0.4, 1_000_000, "replay", _replay),
    Target("replay peak memory <= 1 GiB", 1.0, 1_000_000, "replay", _replay_memory),
    Target(
        "whole regimes append FILE >= 0.5x save(*aggregates)",
        0.5,
        100_000,
        "cli_append",
        _whole_append,
    ),
    Target("regimes append peak memory <= 1 GiB", 1.0, 1_000_000, "cli_append", _append_memory),
    Target("store after regimes append <= 4x JSON Lines", 4.0, 100_000, "store_size", _store_size),
    Target(
        "store after regimes replay <= 1x before it",
        1.0,
        100_000,
        "store_size",
        _replayed_size,
        every_size=True,
    ),
    Target(
        "every-element measure + 10 amendments adds <= 5 MB",
        5.0,
        100_000,
        "wide",
        _wide_bytes,
        every_size=True,
    ),
    Target(
        "every-element measure + 10 amendments <= 1 s",
        1.0,
        100_000,
        "wide",
        _wide_seconds,
        every_size=True,
    ),
    Target(
        "as-of p50 <= 1.5x p50 at 10k",
        1.5,
        1_000_000,
        "asof",
        _asof_growth,
        above=REFERENCE_SIZE,
    ),
    Target("as-of p50 <= 5 ms", 5.0, 10_000, "asof", _asof_p50, every_size=True),
    Target(
        "as-of --known-at p50 <= 2x plain as-of p50",
        2.0,
        1_000_000,
        "asof_known",
        _asof_known,
    ),
    Target("regimes as-of process <= 2x import baseline", 2.0, 1_000_000, "cli_asof", _cli_asof),
    Target(
        "first query after regimes append <= 2x caught-up query",
        2.0,
        1_000_000,
        "catchup",
        _catchup,
    ),
    Target(
        "append growth: throughput >= 0.75x of 10k",
        0.75,
        1_000_000,
        "append",
        _growth("append", "records_per_second"),
        above=REFERENCE_SIZE,
    ),
    Target(
        "replay growth: throughput >= 0.75x of 10k",
        0.75,
        1_000_000,
        "replay",
        _growth("replay", "events_per_second"),
        above=REFERENCE_SIZE,
    ),
)


def targets(sizes: Sizes) -> list[dict[str, Any]]:
    """Each target of the issue, judged at its size (or the largest measured, said so).

    A target whose figures are missing, or whose two sides come from different runs, is
    listed as not measured (value None), and not met.
    """
    measured = sorted(int(size) for size in sizes)
    found: list[dict[str, Any]] = []
    for target in TARGETS:
        have = [
            size for size in measured if target.section in sizes[str(size)] and size > target.above
        ]
        if target.every_size:
            wanted = have or [target.size]
        else:
            wanted = [target.size if target.size in have or not have else max(have)]
        for size in wanted:
            if size in have:
                value, text = target.value(sizes, size)
            else:
                value = None
                text = f"not measured: no {target.section}" + (
                    f" above {target.above:,}" if target.above else ""
                )
            result = sizes.get(str(size), {})
            found.append(
                {
                    "target": target.name,
                    "size": size,
                    "wanted_size": size if target.every_size else target.size,
                    "value": value,
                    "limit": target.limit,
                    "text": text,
                    "met": target.met(value),
                    "provisional": not target.every_size and size != target.size,
                    "code": commit(result, target.section) if target.section in result else "",
                }
            )
    return found


def comparison(sizes: Sizes, baseline: Sizes) -> list[dict[str, Any]]:
    """Every target's value at every size both revisions were measured at, the change from
    the baseline revision's, and whether it is worse by more than `WORSE_LIMIT` (in the
    target's own direction). Values measured in different runs are not compared."""
    rows: list[dict[str, Any]] = []
    common = sorted(int(size) for size in sizes if size in baseline)
    for target in TARGETS:
        for size in common:
            measured = (sizes[str(size)], baseline[str(size)])
            if size <= target.above or all(target.section not in r for r in measured):
                continue  # the target does not apply, or its part was not measured here
            value, text = target.value(sizes, size)
            base, base_text = target.value(baseline, size)
            change: float | None = None
            if value is not None and base is not None:
                ours, theirs = (r[target.section] for r in measured)
                if ours.get("run") and ours.get("run") == theirs.get("run"):
                    change = value / base - 1
                else:
                    text = "not measured in the same run as the baseline's"
            worse = change is not None and (
                change < -WORSE_LIMIT if target.higher_is_better else change > WORSE_LIMIT
            )
            rows.append(
                {
                    "target": target.name,
                    "size": size,
                    "value": value,
                    "baseline": base,
                    "change": change,
                    "worse": worse,
                    "text": text,
                    "baseline_text": base_text,
                    "higher_is_better": target.higher_is_better,
                }
            )
    return rows

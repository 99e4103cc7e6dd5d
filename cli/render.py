"""How answers look: tables for people, JSON and CSV for programs. Data goes to stdout.

Every text that comes from the store passes through `visible` on its way into a table or a
CSV cell: an older store may hold control characters that input now refuses (ESC sequences
that clear a screen or set the clipboard), and they must show as escapes, never reach a
terminal. JSON escapes them itself.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson

from domain.controls import visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from domain.application import AppendReport, LoggedRecord
    from projections.flows import Flow
    from projections.queries import Answer, Change, FlowDifference
    from projections.replay import ReplayReport

_LEVEL_STYLES = {
    "none": "dim", "monitoring": "cyan", "duty": "blue", "licence_required": "yellow",
    "tightened_review": "dark_orange", "end_user_ban": "red", "ban": "bold red",
}


def console() -> Console:
    """A console on stdout; wide and plain when stdout is not a terminal."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console()
    return Console(width=200, no_color=True, highlight=False, soft_wrap=False)


def emit_json(data: Any) -> None:
    """Writes JSON to stdout, one document, indented for reading (by orjson: a large answer
    takes the standard encoder, pure Python when indenting, seconds)."""
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def _level(name: str) -> Text:
    from rich.text import Text

    return Text(name, style=_LEVEL_STYLES.get(name, ""))


def _text(value: str) -> Text:
    from rich.text import Text

    return Text(visible(value))


def _table(title: str, columns: Iterable[str], *, show_lines: bool = False) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=show_lines)
    for column in columns:
        table.add_column(column)
    return table


def _measure_line(summary: dict[str, Any]) -> str:
    document = f" — {summary['document']}" if summary.get("document") else ""
    scope = f" [{summary['end_users']} end users]" if summary.get("end_users") else ""
    status = summary["status"]
    if status == "in_force":
        return f"{summary['measure']} ({summary['kind']}{scope}){document}"
    if status == "suspended":
        until = summary.get("suspended_until") or "further notice"
        return f"SUSPENDED until {until}: {summary['measure']} ({summary['kind']}){document}"
    prefix = ("REPORTED" if status == "reported"
              else f"ANNOUNCED, effective {summary['effective_on']}")
    return f"{prefix}: {summary['measure']} ({summary['kind']}{scope}){document}"


def _measures_cell(flow: Flow) -> Text:
    from rich.text import Text

    return Text("\n".join(visible(_measure_line(summary)) for summary in
                          (*flow.in_force, *flow.suspended, *flow.pending)) or "—")


def render_answer(answer: Answer, output_format: str) -> None:
    """An as-of answer in the chosen format."""
    if output_format == "json":
        emit_json(answer.to_json())
        return
    if output_format == "csv":
        _answer_csv(answer)
        return
    known = f", as known at {answer.to_json()['known_at']}" if answer.known_at else ""
    table = _table(f"Regimes as of {answer.as_of}{known} (log position {answer.position})",
                   ["level", "item", "flow", "measures (in force, then suspended and pending)"],
                   show_lines=True)
    for flow in answer.flows:
        table.add_row(_level(flow.level.name), _text(flow.item),
                      _text(f"{flow.exporter} → {flow.importer}"), _measures_cell(flow))
    out = console()
    if answer.flows:
        out.print(table)
    else:
        out.print(f"No measures on the matching flows on {answer.as_of} "
                  f"(log position {answer.position}).")


_CSV_COLUMNS = ["as_of", "item", "from", "to", "flow_level", "measure", "status", "kind",
                "measure_level", "effective_on", "until", "end_users", "document"]


def _answer_csv(answer: Answer) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for flow in answer.flows:
        summaries: list[dict[str, Any] | None] = [
            *flow.in_force, *flow.suspended, *flow.pending] or [None]
        for summary in summaries:
            writer.writerow(map(visible, [
                answer.as_of.isoformat(), flow.item, flow.exporter, flow.importer,
                flow.level.name,
                *([summary["measure"], summary["status"], summary["kind"], summary["level"],
                   summary["effective_on"], summary.get("until") or "",
                   summary.get("end_users") or "", summary.get("document") or ""]
                  if summary else [""] * 8),
            ]))


def render_timeline(position: int, changes: list[Change], output_format: str) -> None:
    """The valid-time history of the matching flows."""
    if output_format == "json":
        emit_json({"position": position, "changes": [change.to_json() for change in changes]})
        return
    rows = [tuple(map(visible, (
        c.day.isoformat(), c.item, c.exporter, c.importer, c.level_before.name,
        c.level_after.name, m["measure"], f"{m['before']} → {m['after']}",
        m.get("document") or ""))) for c in changes for m in c.measures]
    columns = ["date", "item", "from", "to", "level_before", "level_after", "measure",
               "change", "document"]
    if output_format == "csv":
        _csv(columns, rows)
        return
    table = _table(f"Timeline (log position {position})", columns)
    for row in rows:
        table.add_row(*map(_lines, row[:4]), _level(row[4]), _level(row[5]),
                      *map(_lines, row[6:]))
    console().print(table if rows else "No changes on the matching flows.")


def render_diff(first: str, second: str, position: int, differences: list[FlowDifference],
                output_format: str) -> None:
    """Flows whose level or measures changed between two dates."""
    if output_format == "json":
        emit_json({"from_date": first, "to_date": second, "position": position,
                   "flows": [difference.to_json() for difference in differences]})
        return
    rows = []
    for difference in differences:
        data = difference.to_json()
        rows.append((*map(visible, (data["item"], data["from"], data["to"])),
                     data["before"]["level"], data["after"]["level"],
                     _listing(data["before"]), _listing(data["after"])))
    columns = ["item", "from", "to", f"level {first}", f"level {second}",
               f"measures {first}", f"measures {second}"]
    if output_format == "csv":
        _csv(columns, rows)
        return
    table = _table(f"Changes from {first} to {second} (log position {position})", columns,
                   show_lines=True)
    for row in rows:
        table.add_row(*map(_lines, row[:3]), _level(row[3]), _level(row[4]),
                      *map(_lines, row[5:]))
    console().print(table if rows else f"No flow changed between {first} and {second}.")


def _listing(standing: dict[str, Any]) -> str:
    parts = [*map(visible, standing["in_force"]),
             *(f"{visible(slug)} (suspended)" for slug in standing["suspended"]),
             *(f"{visible(slug)} (pending)" for slug in standing["pending"])]
    return "\n".join(parts) or "—"


def _lines(value: str) -> Text:
    """A cell whose text was already made visible (it may hold line breaks of its own)."""
    from rich.text import Text

    return Text(value)


def _csv(columns: list[str], rows: Iterable[tuple[str, ...]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)


def render_log(records: Iterable[LoggedRecord], output_format: str) -> None:
    """The raw log: JSON Lines in the append format, or a table."""
    if output_format == "jsonl":
        for logged in records:
            sys.stdout.write(json.dumps(logged.record, ensure_ascii=False) + "\n")
        return
    table = _table("Log", ("position", "recorded at (UTC)", "type", "id", "valid date", "title"))
    for logged in records:
        record = logged.record
        table.add_row(*map(_text, (
            str(logged.position), logged.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
            record["type"], record.get("measure") or record.get("action", ""),
            record.get("effective_on") or record.get("occurred_on") or "",
            record.get("title") or record.get("reason") or "")))
    console().print(table)


def render_history(slug: str, records: list[LoggedRecord], output_format: str) -> None:
    """One measure's or action's whole history."""
    if output_format == "json":
        emit_json({"id": slug, "records": [
            {"position": r.position, "recorded_at": r.recorded_at.isoformat(),
             "record": r.record} for r in records]})
        return
    out = console()
    for logged in records:
        recorded = logged.recorded_at.strftime("%Y-%m-%d %H:%M:%S")
        out.print(f"[bold]#{logged.position}[/bold]  recorded {recorded} UTC  "
                  f"{logged.record['type']}", highlight=False)
        buffer = io.StringIO()
        json.dump({k: v for k, v in logged.record.items() if k != "type"}, buffer, indent=2,
                  ensure_ascii=False)  # escapes C0 controls, but not DEL, C1 or bidi ones
        lines = buffer.getvalue().split("\n")  # the dump's own line breaks, none in strings
        out.print("\n".join(map(visible, lines)), highlight=False, markup=False)


def describe_append(report: AppendReport) -> str:
    """One line on stderr saying what an append did."""
    if report.dry_run:
        return (f"dry run: {report.received} records valid; {report.appended} would be new, "
                f"{report.unchanged} already in the log; nothing written")
    if not report.received:
        return "0 new records: the input holds no records; nothing written"
    if not report.appended:
        return (f"0 new records: all {report.received} were already in the log; "
                "nothing written")
    return (f"appended {report.appended} new records (positions {report.first_position} to "
            f"{report.last_position}); {report.unchanged} already in the log")


def describe_replay(report: ReplayReport) -> str:
    """One line saying what a replay did."""
    verified = " verified against the live view;" if report.verified else ""
    return (f"replayed {report.events} events to position {report.position} in "
            f"{report.seconds:.2f} s ({report.events_per_second:,.0f} events/s);{verified} "
            "fresh projections swapped in")

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
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from domain.controls import json_visible, visible
from projections.answers import AS_OF_COLUMNS

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from domain.application import AppendReport, LoggedRecord
    from projections.answers import Answer, Comparison, Found, Known, Shown, Timeline
    from projections.flows import Flow
    from projections.replay import ReplayReport
    from projections.summaries import MeasureChange, MeasureSummary

_LEVEL_STYLES = {
    "none": "dim",
    "monitoring": "cyan",
    "duty": "blue",
    "licence_required": "yellow",
    "tightened_review": "dark_orange",
    "end_user_ban": "red",
    "ban": "bold red",
}


def console() -> Console:
    """A console on stdout; wide and plain when stdout is not a terminal."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console()
    return Console(width=200, no_color=True, highlight=False, soft_wrap=False)


def warn(known: Known) -> None:
    """An answer's warnings, one line each on stderr."""
    for warning in known.warnings:
        sys.stderr.write(f"regimes: warning: {warning}\n")


def emit_json(data: Any) -> None:
    """Writes JSON to stdout, one document, indented for reading (by orjson: a large answer
    takes the standard encoder, pure Python when indenting, seconds)."""
    sys.stdout.write(json_visible(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()) + "\n")


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


def _measure_line(summary: MeasureSummary) -> str:
    """A measure as a line of an as-of table: its status where not in force, its kind, its
    certainty where not official, whom it covers, and its document."""
    document = f" — {summary.document}" if summary.document else ""
    terms = [summary.kind]
    if summary.end_users:
        terms.append(f"{summary.end_users} end users")
    if summary.certainty not in ("in_force", summary.status):
        terms.append(summary.certainty.replace("_", " "))
    if summary.via:
        side = "origins" if summary.direction == "import" else "destinations"
        terms.append(f"all {side}" if summary.via == "*" else "listed")
    described = f"{summary.measure} ({', '.join(terms)}){document}"
    status = summary.status
    if status == "in_force":
        return described
    if status == "suspended":
        return f"SUSPENDED until {summary.suspended_until or 'further notice'}: {described}"
    prefix = "REPORTED" if status == "reported" else f"ANNOUNCED, effective {summary.effective_on}"
    return f"{prefix}: {described}"


def _measures_cell(flow: Flow) -> Text:
    from rich.text import Text

    return Text("\n".join(visible(_measure_line(summary)) for summary in flow.listed()) or "—")


def render_answer(answer: Answer, output_format: str) -> None:
    """An as-of answer in the chosen format; warnings on stderr."""
    warn(answer.known)
    if output_format == "json":
        emit_json(answer.to_json())
        return
    if output_format == "csv":
        _answer_csv(answer)
        return
    known = f", as known at {answer.to_json()['known_at']}" if answer.known.known_at else ""
    table = _table(
        f"Regimes as of {answer.as_of}{known} (log position {answer.position})",
        ["level", "item", "flow", "measures (in force, then suspended and pending)"],
        show_lines=True,
    )
    for flow in answer.flows:
        table.add_row(
            _level(flow.level.name),
            _text(flow.item),
            _text(f"{flow.exporter} → {flow.importer}"),
            _measures_cell(flow),
        )
    out = console()
    if answer.flows:
        out.print(table)
    else:
        out.print(
            f"No measures on the matching flows on {answer.as_of} (log position {answer.position})."
        )


#: The diff CSV header (docs/output.md §7).
DIFF_CSV = [
    "from_date",
    "to_date",
    "item",
    "from",
    "to",
    "level_before",
    "level_after",
    "measure",
    "before",
    "after",
    "document",
]


def _answer_csv(answer: Answer) -> None:
    """One row per flow and measure, under the fixed header."""
    rows = [[row[column] for column in AS_OF_COLUMNS] for row in answer.rows()]
    _csv(list(AS_OF_COLUMNS), rows)


def render_timeline(answer: Timeline, output_format: str) -> None:
    """The valid-time history of the matching flows, and the actions asked for."""
    warn(answer.known)
    if output_format == "json":
        emit_json(answer.to_json())
        return
    rows = [
        (
            c.day.isoformat(),
            c.item,
            c.exporter,
            c.importer,
            c.level_before.name,
            c.level_after.name,
            m.measure,
            _change_text(m),
            m.document or "",
        )
        for c in answer.changes
        for m in c.measures
    ]
    actions = [
        (
            a["occurred_on"],
            a["action"],
            a["issuer"],
            " ".join(a.get("counterparts") or ()),
            a["kind"],
            a["title"],
        )
        for a in answer.actions
    ]
    columns = [
        "date",
        "item",
        "from",
        "to",
        "level_before",
        "level_after",
        "measure",
        "change",
        "document",
    ]
    if output_format == "csv":  # actions as rows whose change is "action: KIND", in date order
        _csv(
            columns,
            sorted(
                [
                    *rows,
                    *(
                        (day, "", issuer, to, "", "", slug, f"action: {kind}", title)
                        for day, slug, issuer, to, kind, title in actions
                    ),
                ],
                key=lambda row: row[0],
            ),
        )
        return
    table = _table(f"Timeline (log position {answer.position})", columns)
    for row in rows:
        table.add_row(*map(_text, row[:4]), _level(row[4]), _level(row[5]), *map(_text, row[6:]))
    out = console()
    out.print(table if rows else "No changes on the matching flows.")
    if answer.actions:
        context = _table(
            "Actions the measures respond to",
            ["date", "action", "issuer", "counterparts", "kind", "title"],
        )
        for action in actions:
            context.add_row(*map(_text, action))
        out.print(context)


def _change_text(measure: MeasureChange) -> str:
    """A measure's change on a timeline, with its cause where the statuses do not say it."""
    text = f"{measure.before} → {measure.after}"
    cause = measure.cause or "measure"
    if cause in _TOLD_CAUSES or measure.before == measure.after:
        text += f" ({cause.replace('_', ' ')})"
    return text


#: Causes a change of status does not tell by itself.
_TOLD_CAUSES = frozenset({"suspension_ended", "lifted", "expired", "amended", "resumed"})


def render_diff(comparison: Comparison, output_format: str) -> None:
    """Flows whose level or measures changed between two dates."""
    warn(comparison.known)
    if output_format == "json":
        emit_json(comparison.to_json())
        return
    first, second = comparison.first.isoformat(), comparison.second.isoformat()
    rows = []
    for difference in comparison.differences:
        data = difference.to_json()
        rows.append(
            (
                *map(visible, (data["item"], data["from"], data["to"])),
                data["before"]["level"],
                data["after"]["level"],
                _listing(data["before"]),
                _listing(data["after"]),
            )
        )
    columns = [
        "item",
        "from",
        "to",
        f"level {first}",
        f"level {second}",
        f"measures {first}",
        f"measures {second}",
    ]
    if output_format == "csv":
        _csv(
            DIFF_CSV,
            [
                [first, second, *row]
                for difference in comparison.differences
                for row in difference.measure_rows()
            ],
        )
        return
    table = _table(
        f"Changes from {first} to {second} (log position {comparison.position})",
        columns,
        show_lines=True,
    )
    for row in rows:
        table.add_row(*map(_lines, row[:3]), _level(row[3]), _level(row[4]), *map(_lines, row[5:]))
    console().print(table if rows else f"No flow changed between {first} and {second}.")


def _listing(standing: dict[str, Any]) -> str:
    parts = [
        *map(visible, standing["in_force"]),
        *(f"{visible(slug)} (suspended)" for slug in standing["suspended"]),
        *(f"{visible(slug)} (pending)" for slug in standing["pending"]),
    ]
    return "\n".join(parts) or "—"


def _lines(value: str) -> Text:
    """A cell whose text was already made visible (it may hold line breaks of its own)."""
    from rich.text import Text

    return Text(value)


def _csv(columns: list[str], rows: Iterable[Sequence[str]]) -> None:
    """CSV with a fixed header; every cell visible, so none holds a line break or a control
    character (docs/output.md §7)."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([visible(cell) for cell in row] for row in rows)


def render_log(records: Iterable[LoggedRecord], output_format: str) -> None:
    """The raw log: JSON Lines in the append format, or a table."""
    if output_format == "jsonl":
        for logged in records:
            sys.stdout.write(json_visible(json.dumps(logged.record, ensure_ascii=False)) + "\n")
        return
    table = _table("Log", ("position", "recorded at (UTC)", "type", "id", "valid date", "title"))
    for logged in records:
        record = logged.record
        table.add_row(
            *map(
                _text,
                (
                    str(logged.position),
                    logged.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
                    record["type"],
                    record.get("measure") or record.get("action", ""),
                    record.get("effective_on") or record.get("occurred_on") or "",
                    record.get("title") or record.get("reason") or "",
                ),
            )
        )
    console().print(table)


def render_shown(shown: Shown, output_format: str) -> None:
    """The records about one id (or carrying one document), and those responding to it."""

    def listed(records: list[tuple[str, LoggedRecord]]) -> list[dict[str, Any]]:
        return [
            {
                "id": slug,
                "position": r.position,
                "recorded_at": r.recorded_at.isoformat(),
                "record": r.record,
            }
            for slug, r in records
        ]

    if output_format == "json":
        emit_json(
            {
                "id": shown.id,
                "document": shown.document,
                "records": listed(shown.records),
                "responded_to_by": listed(shown.responders),
            }
        )
        return
    out = console()
    if shown.document is not None:
        count = len(shown.records)
        out.print(
            f"{count} record{'s carry' if count != 1 else ' carries'} the document "
            f"{visible(repr(shown.document))}",
            highlight=False,
            markup=False,
        )
    for slug, logged in shown.records:
        recorded = logged.recorded_at.strftime("%Y-%m-%d %H:%M:%S")
        about = f"  {slug}" if shown.document is not None else ""
        out.print(
            f"[bold]#{logged.position}[/bold]  recorded {recorded} UTC  "
            f"{logged.record['type']}{_escape_markup(visible(about))}",
            highlight=False,
        )
        buffer = io.StringIO()
        json.dump(
            {k: v for k, v in logged.record.items() if k != "type"},
            buffer,
            indent=2,
            ensure_ascii=False,
        )  # escapes C0 controls, but not DEL, C1 or bidi ones
        lines = buffer.getvalue().split("\n")  # the dump's own line breaks, none in strings
        out.print("\n".join(map(visible, lines)), highlight=False, markup=False)
    if shown.responders:
        table = _table(
            f"Records that respond to {visible(shown.id or '')}",
            ["position", "id", "type", "date", "document"],
        )
        for slug, logged in shown.responders:
            record = logged.record
            table.add_row(
                *map(
                    _text,
                    (
                        str(logged.position),
                        slug,
                        record["type"],
                        record.get("effective_on") or record.get("occurred_on") or "",
                        record.get("document") or "",
                    ),
                )
            )
        out.print(table)


def _escape_markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)


_FOUND_COLUMNS = [
    "type",
    "id",
    "record",
    "position",
    "date",
    "issuer",
    "kind",
    "status",
    "document",
    "title",
]


def render_found(found: Found, output_format: str) -> None:
    """What a search found: one row per matching record."""
    warn(found.known)
    if output_format == "json":
        emit_json(found.to_json())
        return
    rows = [
        tuple(
            "" if value is None else str(value) for value in map(hit.to_json().get, _FOUND_COLUMNS)
        )
        for hit in found.hits
    ]
    if output_format == "csv":
        _csv(_FOUND_COLUMNS, rows)
        return
    shown = [
        index for index, column in enumerate(_FOUND_COLUMNS) if column not in ("position", "title")
    ]
    table = _table(
        f"Found {len(rows)} (status on {found.on}; log position {found.known.position})",
        [_FOUND_COLUMNS[index] for index in shown],
    )
    for row in rows:
        table.add_row(*(_text(row[index]) for index in shown))
    console().print(table if rows else "Nothing found.")


def describe_append(report: AppendReport) -> str:
    """One line on stderr saying what an append did."""
    if report.dry_run:
        return (
            f"dry run: {report.received} records valid; {report.appended} would be new, "
            f"{report.unchanged} already in the log; nothing written"
        )
    if not report.received:
        return "0 new records: the input holds no records; nothing written"
    if not report.appended:
        return f"0 new records: all {report.received} were already in the log; nothing written"
    return (
        f"appended {report.appended} new records (positions {report.first_position} to "
        f"{report.last_position}); {report.unchanged} already in the log"
    )


def describe_replay(report: ReplayReport) -> str:
    """One line saying what a replay did."""
    verified = " verified against the live view;" if report.verified else ""
    return (
        f"replayed {report.events} events to position {report.position} in "
        f"{report.seconds:.2f} s ({report.events_per_second:,.0f} events/s);{verified} "
        "fresh projections swapped in"
    )

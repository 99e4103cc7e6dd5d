"""The answers about flows: as-of (docs/output.md §2), timeline (§3) and diff (§4), as JSON,
as CSV (§7), or as tables for people."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli.render.output import (
    console,
    emit_json,
    level_cell,
    lines_cell,
    reflected,
    table,
    text_cell,
    warn,
    write_csv,
)
from domain.controls import visible
from projections.answers import AS_OF_COLUMNS

if TYPE_CHECKING:
    from rich.text import Text

    from projections.answers import Answer, Comparison, Timeline
    from projections.flows import Flow
    from projections.summaries import MeasureChange, MeasureSummary


def render_answer(answer: Answer, output_format: str) -> None:
    """An as-of answer in the chosen format; warnings on stderr."""
    warn(answer.known)
    if output_format == "json":
        emit_json(answer.to_json())
        return
    if output_format == "csv":  # one row per flow and measure, under the fixed header
        rows = [[row[column] for column in AS_OF_COLUMNS] for row in answer.rows()]
        write_csv(list(AS_OF_COLUMNS), rows)
        return
    drawn = table(
        f"Regimes as of {answer.as_of} ({reflected(answer.known)})",
        ["level", "item", "flow", "measures (in force, then suspended and pending)"],
        show_lines=True,
    )
    for flow in answer.flows:
        drawn.add_row(
            level_cell(flow.level.name),
            text_cell(flow.item),
            text_cell(f"{flow.exporter} → {flow.importer}"),
            _measures_cell(flow),
        )
    out = console()
    if answer.flows:
        out.print(drawn)
    else:
        out.print(
            f"No measures on the matching flows on {answer.as_of} ({reflected(answer.known)})."
        )


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
        terms.append(
            f"all {side}"
            if summary.via == "*"
            else "listed"
            if summary.via == "listed"
            else f"via {summary.via}{_since(summary)}"
        )
    if summary.hs_match is not None:
        terms.append(f"{summary.hs_match['coverage']} of HS {summary.hs_match['code']}")
    described = f"{summary.measure} ({', '.join(terms)}){document}"
    for change in summary.scheduled:
        by = f" ({change['document']})" if change["document"] else ""
        described += f"; scheduled: {change['type']} from {change['effective_on']}{by}"
    status = summary.status
    if status == "in_force":
        return described
    if status == "suspended":
        return f"SUSPENDED until {summary.suspended_until or 'further notice'}: {described}"
    prefix = "REPORTED" if status == "reported" else f"ANNOUNCED, effective {summary.effective_on}"
    return f"{prefix}: {described}"


def _since(summary: MeasureSummary) -> str:
    """When the flow's country became a member of the group a measure reaches it through (or
    is left out by), and the record that made it one."""
    membership = summary.membership
    if membership is None:
        return ""
    by = f", {membership.document}" if membership.document else ""
    return f": member since {membership.since}{by}"


def _measures_cell(flow: Flow) -> Text:
    lines = [_measure_line(summary) for summary in flow.listed()]
    lines += [
        f"EXEMPT (except {summary.via}{_since(summary)}): {summary.measure} — "
        f"{summary.document or 'no document'}"
        for summary in flow.exempt
    ]
    lines += [
        f"NAMED PARTIES ({len(summary.listed_parties())}, not counted for other buyers): "
        f"{_measure_line(summary)}"
        for summary in flow.named_parties
    ]
    return lines_cell("\n".join(map(visible, lines)) or "—")


#: The columns of a timeline's CSV and table (docs/output.md §7).
TIMELINE_COLUMNS = [
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
    if output_format == "csv":  # actions as rows whose change is "action: KIND", in date order
        write_csv(
            TIMELINE_COLUMNS,
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
    drawn = table(f"Timeline ({reflected(answer.known)})", TIMELINE_COLUMNS)
    for row in rows:
        drawn.add_row(
            *map(text_cell, row[:4]),
            level_cell(row[4]),
            level_cell(row[5]),
            *map(text_cell, row[6:]),
        )
    out = console()
    out.print(drawn if rows else "No changes on the matching flows.")
    if answer.actions:
        context = table(
            "Actions the measures respond to",
            ["date", "action", "issuer", "counterparts", "kind", "title"],
        )
        for action in actions:
            context.add_row(*map(text_cell, action))
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


def render_diff(comparison: Comparison, output_format: str) -> None:
    """Flows whose level or measures changed between two dates."""
    warn(comparison.known)
    if output_format == "json":
        emit_json(comparison.to_json())
        return
    first, second = comparison.first.isoformat(), comparison.second.isoformat()
    if output_format == "csv":
        write_csv(
            DIFF_CSV,
            [
                [first, second, *row]
                for difference in comparison.differences
                for row in difference.measure_rows()
            ],
        )
        return
    drawn = table(
        f"Changes from {first} to {second} ({reflected(comparison.known)})",
        [
            "item",
            "from",
            "to",
            f"level {first}",
            f"level {second}",
            f"measures {first}",
            f"measures {second}",
        ],
        show_lines=True,
    )
    for difference in comparison.differences:
        before, after = difference.before, difference.after
        drawn.add_row(
            *(text_cell(text) for text in (after.item, after.exporter, after.importer)),
            level_cell(before.level.name),
            level_cell(after.level.name),
            lines_cell(_listing(before)),
            lines_cell(_listing(after)),
        )
    out = console()
    out.print(drawn if comparison.differences else f"No flow changed between {first} and {second}.")


def _listing(flow: Flow) -> str:
    """The measures on a flow, one a line, those not in force saying so."""
    parts = [
        *(visible(summary.measure) for summary in flow.in_force),
        *(f"{visible(summary.measure)} (suspended)" for summary in flow.suspended),
        *(f"{visible(summary.measure)} (pending)" for summary in flow.pending),
    ]
    return "\n".join(parts) or "—"

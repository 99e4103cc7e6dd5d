"""The report (docs/cli.md §5): one self-contained HTML page about the asked flows — the
question and today's answer, the timeline chart, the changes with their documents linked to
their sources, the actions the measures respond to, and where it all came from.

Pure: answers in, HTML out. Every text from a record is escaped, and links are only ever
http(s).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from domain.controls import visible
from projections.answers import NO_FILTER, Answer, Knowledge, Known, Timeline
from projections.catchup import utc_text
from projections.summaries import MeasureChange, MeasureSummary
from regimes.chart import chart_html
from regimes.periods import BANDS, Period, level_steps, status_periods
from regimes.report_style import STYLE

#: The record behind each cause of a change (docs/output.md §3), for its sources.
CAUSE_RECORDS = {
    "suspended": "measure_suspended",
    "suspension_ended": "measure_suspended",
    "resumed": "measure_resumed",
    "lifted": "measure_lifted",
    "amended": "measure_amended",
    # a follow-up announced ahead of its effect, found by its announcement date
    "amendment_announced": "measure_amended",
    "suspension_announced": "measure_suspended",
    "resumption_announced": "measure_resumed",
    "lifting_announced": "measure_lifted",
}
#: The causes made by a country group's records, not the measure's (docs/output.md §3).
GROUP_CAUSES = ("joined_group", "left_group")
STATUS_WORDS = {
    "in_force": "in force",
    "suspended": "suspended",
    "announced": "announced",
    "reported": "reported",
    "none": "none",
}


@dataclass(frozen=True)
class Question:
    """The flows a report is about, the dates it shows and the knowledge it asks for."""

    elements: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    exporter: str | None = None
    importer: str | None = None
    since: date | None = None
    until: date | None = None
    knowledge: Knowledge = NO_FILTER
    #: The named party asked about (its slug), if any.
    party: str | None = None
    #: The HS code asked about, if any.
    hs: str | None = None

    def flows(self) -> str:
        """The flows in words: "Dy from CN to JP", "REE to US", "every item"."""
        named = ", ".join((*self.elements, *self.items)) or "every item"
        return (
            named
            + (f" from {self.exporter}" if self.exporter else "")
            + (f" to {self.importer}" if self.importer else "")
            + (f" for {self.party}" if self.party else "")
            + (f" under HS {self.hs}" if self.hs else "")
        )


@dataclass(frozen=True)
class ReportFacts:
    """What a report shows, all at one log position: today's answer, the timeline over all
    valid time (the chart), the changes and actions within the asked dates (the tables), and
    the records of each measure known then (for the sources of each change's document)."""

    question: Question
    today: Answer
    history: Timeline
    changes: Timeline
    records: dict[str, list[dict[str, Any]]]
    #: The records of the country groups those measures name, known then (for the sources
    #: of a change made by a group's membership).
    group_records: list[dict[str, Any]]
    store: str
    generated_at: datetime

    @cached_property
    def periods(self) -> list[Period]:
        """The chart's bars: every status period of every measure on the flows."""
        return status_periods(self.history.changes)

    @property
    def known(self) -> Known:
        """The position the report reflects, with every answer's warnings once."""
        warnings: list[str] = []
        for known in (self.today.known, self.history.known, self.changes.known):
            warnings += [warning for warning in known.warnings if warning not in warnings]
        return Known(
            self.today.position, self.question.knowledge, self.today.known.digest, warnings
        )


def render_page(facts: ReportFacts) -> str:
    """The report as one HTML page that needs no network to open."""
    question = facts.question
    title = f"Export-control regime: {question.flows()}"
    chart = chart_html(
        facts.periods,
        level_steps(facts.history.changes),
        today=facts.today.as_of,
        since=question.since,
        until=question.until,
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_text(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            _header(facts, title),
            _today(facts),
            _timeline(facts, chart),
            _changes(facts),
            _actions(facts),
            _footer(facts),
            "</body>",
            "</html>",
            "",
        ]
    )


def _text(value: object) -> str:
    """Text for the page: controls written as escapes (they could reorder or hide text),
    then HTML-escaped."""
    return html.escape(visible(str(value)))


def _link(url: str | None, label: str) -> str:
    """`label` (already HTML) linked to `url` if it is an http(s) URL, else as it is."""
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return label
    return f'<a href="{_text(url)}" rel="noopener noreferrer">{label}</a>'


def _cite(document: str | None, sources: Sequence[dict[str, Any]] | None) -> str:
    """A document named and linked to its first source, then each source by its title."""
    sources = sources or ()
    first_url = next((source.get("url") for source in sources if source.get("url")), None)
    named = _link(first_url, _text(document)) if document else ""
    listed = [
        _link(source.get("url"), _text(source.get("title") or "source")) for source in sources
    ]
    cited = f'<span class="sources">sources: {"; ".join(listed)}</span>' if listed else ""
    return " ".join(part for part in (named, cited) if part) or "—"


def _status(status: str) -> str:
    band = BANDS.get(status, status)
    return f'<span class="status {_text(band)}">{_text(STATUS_WORDS.get(status, status))}</span>'


def _level(level: str) -> str:
    return f'<span class="level {_text(level)}">{_text(level)}</span>'


def _table(headings: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{heading}</th>" for heading in headings)
    body = "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def _header(facts: ReportFacts, title: str) -> str:
    question = facts.question
    asked = [
        ("items", ", ".join((*question.elements, *question.items)) or "every item"),
        ("from", question.exporter or "any country"),
        ("to", question.importer or "any country"),
        ("changes", _dates(question.since, question.until)),
        ("knowledge", question.knowledge.describe() or "every record"),
    ]
    warnings = "".join(f"<li>{_text(warning)}</li>" for warning in facts.known.warnings)
    return (
        f"<header><h1>{_text(title)}</h1>"
        f'<p class="question">What export-control or trade regime applied to '
        f"{_text(question.flows())}, and which documents say so?</p>"
        '<dl class="asked">'
        + "".join(f"<dt>{_text(name)}</dt><dd>{_text(value)}</dd>" for name, value in asked)
        + "</dl>"
        + (f'<ul class="warnings">{warnings}</ul>' if warnings else "")
        + "</header>"
    )


def _dates(since: date | None, until: date | None) -> str:
    if since and until:
        return f"from {since} to {until}"
    if since:
        return f"from {since}"
    if until:
        return f"until {until}"
    return "all dates"


def _today(facts: ReportFacts) -> str:
    answer = facts.today
    heading = f"<h2>Today, {answer.as_of}</h2>"
    if not any(
        flow.in_force or flow.suspended or flow.pending or flow.named_parties
        for flow in answer.flows
    ):
        return (
            f'<section id="today">{heading}<p class="nothing">Nothing applies today to '
            f"{_text(facts.question.flows())}: no measure is in force, suspended or pending "
            "on these flows.</p></section>"
        )
    rows = []
    for flow in answer.flows:
        measures = [*flow.in_force, *flow.suspended, *flow.pending]
        listed = "".join(f"<li>{_measure_today(summary)}</li>" for summary in measures)
        listed += "".join(  # entity lists: for their parties, not for any buyer
            f"<li>for {len(summary.listed_parties())} named parties only: "
            f"{_measure_today(summary)}</li>"
            for summary in flow.named_parties
        )
        rows.append(
            [
                _text(f"{flow.item} {flow.exporter} → {flow.importer}"),
                _level(flow.level.name),
                f"<ul>{listed}</ul>" if listed else "nothing",
            ]
        )
    return f'<section id="today">{heading}{_table(["flow", "level", "measures"], rows)}</section>'


def _measure_today(summary: MeasureSummary) -> str:
    via = summary.via or ""
    scope = via if via == "listed" or via.startswith("@") else "all destinations"
    if summary.direction == "import" and scope == "all destinations":
        scope = "all origins"
    details = ", ".join(_text(part) for part in (summary.kind, summary.end_users, scope) if part)
    suspended = f" until {_text(summary.suspended_until)}" if summary.suspended_until else ""
    title = f' <span class="title">{_text(summary.title)}</span>' if summary.title else ""
    sources = [dict(source) for source in summary.sources]
    return (
        f"{_status(summary.status)}{suspended} <code>{_text(summary.measure)}</code>"
        f"{title} ({details}) — {_cite(summary.document, sources)}"
    )


def _timeline(facts: ReportFacts, chart: str) -> str:
    heading = "<h2>Timeline</h2>"
    if not chart:
        return (
            f'<section id="timeline">{heading}<p class="nothing">No measure in this store\'s '
            f"records has ever applied to {_text(facts.question.flows())}: there is nothing "
            "to chart.</p></section>"
        )
    note = (
        '<p class="note">One bar per measure and status period; hover over a bar for its '
        "kind, document and dates. The line above is the level of each flow.</p>"
    )
    return f'<section id="timeline">{heading}{note}<div class="chart">{chart}</div></section>'


def _changes(facts: ReportFacts) -> str:
    rows = []
    for change in facts.changes.changes:
        flow = _text(f"{change.item} {change.exporter} → {change.importer}")
        levels = f"{_level(change.level_before.name)} → {_level(change.level_after.name)}"
        for entry in change.measures:
            cause = entry.cause.replace("_", " ")
            sources = (
                _group_sources(facts.group_records, change.day, entry)
                if entry.cause in GROUP_CAUSES
                else _sources_of(facts.records.get(entry.measure, []), change.day, entry)
            )
            rows.append(
                [
                    _text(change.day),
                    flow,
                    levels,
                    f"<code>{_text(entry.measure)}</code> ({_text(entry.kind)})",
                    f"{_status(entry.before)} → {_status(entry.after)} ({_text(cause)})",
                    _cite(entry.document, sources),
                ]
            )
    heading = f"<h2>Changes ({_dates(facts.question.since, facts.question.until)})</h2>"
    if not rows:
        return f'<section id="changes">{heading}<p class="nothing">No change.</p></section>'
    headings = ["date", "flow", "level", "measure", "change", "document"]
    return f'<section id="changes">{heading}{_table(headings, rows)}</section>'


def _sources_of(records: list[dict[str, Any]], day: date, entry: MeasureChange) -> list[Any]:
    """The sources of the record behind a change (docs/output.md §3): the follow-up of the
    cause's type taking effect (or, for a suspension ending, running out) that day, else the
    measure's own record as corrected."""
    imposed: dict[str, Any] = {}
    behind: dict[str, Any] | None = None
    wanted = CAUSE_RECORDS.get(entry.cause)
    dated = (
        "until"
        if entry.cause == "suspension_ended"
        else "announced_on"
        if entry.cause.endswith("_announced")
        else "effective_on"
    )
    for record in records:
        if record["type"] == "measure_imposed":
            imposed = dict(record)
        elif record["type"] == "measure_corrected":
            imposed.update(record["fields"])
        elif record["type"] == wanted and record.get(dated) == day.isoformat():
            behind = record
    return list((behind or imposed).get("sources") or [])


def _group_sources(records: list[dict[str, Any]], day: date, entry: MeasureChange) -> list[Any]:
    """The sources of the group record that made the flow's country join or leave a group
    the measure names on `day` (the one carrying the change's document)."""
    for record in records:
        if record["effective_on"] == day.isoformat() and record.get("document") == entry.document:
            return list(record["sources"])
    return []


def _actions(facts: ReportFacts) -> str:
    heading = "<h2>Actions the measures respond to</h2>"
    rows = [
        [
            _text(action["occurred_on"]),
            f"<code>{_text(action['action'])}</code>",
            _text(action["issuer"])
            + (
                f" → {_text(', '.join(action['counterparts']))}"
                if action.get("counterparts")
                else ""
            ),
            _text(action["kind"]),
            _cite(action["title"], action.get("sources")),
        ]
        for action in facts.changes.actions
    ]
    if not rows:
        return f'<section id="actions">{heading}<p class="nothing">None recorded.</p></section>'
    headings = ["date", "action", "issuer", "kind", "title"]
    return f'<section id="actions">{heading}{_table(headings, rows)}</section>'


def _footer(facts: ReportFacts) -> str:
    from importlib.metadata import version

    known = facts.known
    question = facts.question
    provenance = [
        ("store", facts.store),
        ("log position", str(known.position)),
        ("digest", known.digest or "none (nothing recorded)"),
        ("knowledge", question.knowledge.describe() or "every record"),
        ("changes shown", _dates(question.since, question.until)),
        ("generated", utc_text(facts.generated_at)),
        ("by", f"regimes {version('regimes')}"),
    ]
    return (
        '<footer id="provenance"><h2>Provenance</h2><dl>'
        + "".join(f"<dt>{_text(name)}</dt><dd>{_text(value)}</dd>" for name, value in provenance)
        + "</dl></footer>"
    )


@dataclass(frozen=True)
class Report:
    """A report page and the facts it shows."""

    facts: ReportFacts
    html: str

    @property
    def known(self) -> Known:
        return self.facts.known

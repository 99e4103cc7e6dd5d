"""The report's timeline chart, drawn by Plotly: one bar per measure and status period on a
shared date axis, coloured by status, under each flow's level over time. The page carries
Plotly's JavaScript itself, from the installed plotly, so it opens offline."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from domain.controls import visible
from domain.errors import RegimesError
from domain.vocabulary import Level
from regimes.periods import FlowKey, Period

#: Colours a reader tells apart, colour-blind or not: in force red, suspended blue, pending
#: amber.
COLOURS = {"in_force": "#b2182b", "suspended": "#4575b4", "pending": "#e08214"}
LEGEND = {
    "in_force": "in force",
    "suspended": "suspended",
    "pending": "pending (announced or reported)",
}
#: Pixels per chart row, and for the level panel and the margins around the plots: a chart
#: of 25 rows is as readable as one of 2.
ROW_HEIGHT = 26
LEVEL_HEIGHT = 150
MARGINS = 170

_DAY_MS = 86_400_000


class ReportNeedsPlotly(RegimesError):
    """The report's chart library is not installed."""

    def __init__(self) -> None:
        super().__init__("the report needs plotly: pip install 'regimes[report]'")


def require_plotly() -> None:
    """Raises `ReportNeedsPlotly` unless Plotly can be imported."""
    try:
        import plotly.graph_objects  # noqa: F401
    except ImportError:
        raise ReportNeedsPlotly from None


def shown(text: str | None) -> str:
    """Stored text as a chart label shows it: escaped, so that Plotly's own markup in a
    label (`<b>`, `<a href>`) reads as text, and controls written as escapes."""
    return html.escape(visible(text), quote=False) if text else "—"


def flow_label(flow: FlowKey) -> str:
    item, exporter, importer = flow
    return f"{item} {exporter}→{importer}"


def chart_html(
    periods: Sequence[Period],
    levels: dict[FlowKey, list[tuple[date, Level]]],
    *,
    today: date,
    since: date | None = None,
    until: date | None = None,
) -> str:
    """The chart as an HTML fragment holding Plotly's JavaScript, or "" with no period: a
    row per flow and measure with a period within the dates shown."""
    require_plotly()
    from plotly.subplots import make_subplots

    if not periods:
        return ""
    first, last = _window(periods, today, since, until)
    one_flow = len({period.flow for period in periods}) == 1
    drawn = [
        period
        for period in periods
        if period.start < last and (period.end is None or period.end > first)
    ]
    rows: dict[tuple[FlowKey, str], str] = {}
    for period in sorted(drawn, key=lambda period: (period.flow, period.start, period.measure)):
        rows.setdefault(
            (period.flow, period.measure),
            period.measure if one_flow else f"{flow_label(period.flow)} · {period.measure}",
        )
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.03 if len(rows) > 8 else 0.08,
        row_heights=[LEVEL_HEIGHT, ROW_HEIGHT * max(len(rows), 2)],
    )
    for line in _level_lines(levels, first, last, one_flow):
        figure.add_trace(line, row=1, col=1)
    bars: dict[str, list[Period]] = defaultdict(list)
    for period in drawn:
        bars[period.band].append(period)
    for band in COLOURS:
        if bars[band]:
            figure.add_trace(_bars(band, bars[band], rows, first, last, one_flow), row=2, col=1)
    _lay_out(figure, rows, first, last, today)
    chart = figure.to_html(
        include_plotlyjs=True,
        full_html=False,
        div_id="timeline-chart",
        config={"displaylogo": False, "responsive": True},
    )
    return str(chart)


def _window(
    periods: Sequence[Period], today: date, since: date | None, until: date | None
) -> tuple[date, date]:
    """The dates the axis spans: every period and today, with a margin, within the bounds."""
    dates = [period.start for period in periods] + [
        period.end for period in periods if period.end is not None
    ]
    low, high = min(dates), max(*dates, today)
    margin = max((high - low) / 25, timedelta(days=30))
    first, last = since or low - margin, until + timedelta(days=1) if until else high + margin
    return first, max(last, first + timedelta(days=1))


def _bars(
    band: str,
    periods: list[Period],
    rows: dict[tuple[FlowKey, str], str],
    first: date,
    last: date,
    one_flow: bool,
) -> Any:
    """One bar per period, drawn within the window; the hover tells its true dates."""
    import plotly.graph_objects as go

    starts = [max(period.start, first) for period in periods]
    ends = [min(period.end or last, last) for period in periods]
    return go.Bar(
        name=LEGEND[band],
        orientation="h",
        y=[rows[(period.flow, period.measure)] for period in periods],
        base=[start.isoformat() for start in starts],
        x=[(end - start).days * _DAY_MS for start, end in zip(starts, ends, strict=True)],
        marker={"color": COLOURS[band], "line": {"width": 0}},
        customdata=[_hover(period, one_flow) for period in periods],
        hovertemplate=(
            "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}"
            "<br>kind: %{customdata[3]}<br>document: %{customdata[4]}<extra></extra>"
        ),
    )


def _hover(period: Period, one_flow: bool) -> list[str]:
    until = f"until {period.end.isoformat()}" if period.end else "with no end yet"
    status = period.status.replace("_", " ")
    cause = period.cause.replace("_", " ")
    return [
        period.measure,
        f"{status} from {period.start.isoformat()}, {until}"
        + ("" if one_flow else f" on {flow_label(period.flow)}"),
        f"since: {cause}",
        period.kind,
        shown(period.document),
    ]


def _level_lines(
    levels: dict[FlowKey, list[tuple[date, Level]]], first: date, last: date, one_flow: bool
) -> list[Any]:
    """A step line per level history, the flows sharing one history on one line."""
    import plotly.graph_objects as go

    sharing: dict[tuple[tuple[date, Level], ...], list[FlowKey]] = defaultdict(list)
    for flow, flow_steps in sorted(levels.items()):
        sharing[tuple(flow_steps)].append(flow)
    lines = []
    for steps, flows in sharing.items():
        name = "level" if one_flow else ", ".join(flow_label(flow) for flow in flows)
        days = [first] + [day for day, _ in steps if first < day < last] + [last]
        standing = [_level_on(steps, day) for day in days]
        lines.append(
            go.Scatter(
                x=[day.isoformat() for day in days],
                y=[int(level) for level in standing],
                mode="lines",
                line={"shape": "hv", "width": 2},
                name=name,
                showlegend=False,
                customdata=[level.name for level in standing],
                hovertemplate=f"{html.escape(name)}<br>level: %{{customdata}} from %{{x}}"
                "<extra></extra>",
            )
        )
    return lines


def _level_on(steps: Sequence[tuple[date, Level]], day: date) -> Level:
    level = Level.none
    for start, after in steps:
        if start <= day:
            level = after
    return level


#: The range selector's buttons: the latest years (histories run from 2010), or everything.
_ZOOMS = [
    {"count": 1, "label": "1 year", "step": "year", "stepmode": "backward"},
    {"count": 3, "label": "3 years", "step": "year", "stepmode": "backward"},
    {"label": "all", "step": "all"},
]


def _lay_out(
    figure: Any, rows: dict[tuple[FlowKey, str], str], first: date, last: date, today: date
) -> None:
    figure.update_layout(
        height=MARGINS + LEVEL_HEIGHT + ROW_HEIGHT * max(len(rows), 2),
        barmode="overlay",
        bargap=0.3,
        hovermode="closest",
        hoverlabel={"align": "left"},
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": 1, "yanchor": "bottom"},
        margin={"l": 10, "r": 20, "t": 40, "b": 40},
        plot_bgcolor="#ffffff",
        template="plotly_white",
    )
    figure.update_xaxes(type="date", range=[first.isoformat(), last.isoformat()], showgrid=True)
    figure.update_xaxes(rangeselector={"buttons": _ZOOMS, "x": 0, "y": 1}, row=1, col=1)
    figure.update_yaxes(
        title_text="level",
        tickvals=[int(level) for level in Level],
        ticktext=[level.name for level in Level],
        range=[-0.5, len(Level) - 0.5],
        fixedrange=True,
        row=1,
        col=1,
    )
    figure.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=list(rows.values()),
        autorange="reversed",
        automargin=True,
        fixedrange=True,
        row=2,
        col=1,
    )
    if first <= today <= last:
        figure.add_vline(x=today.isoformat(), line={"dash": "dot", "width": 1, "color": "#555"})
        figure.add_annotation(
            x=today.isoformat(),
            y=1,
            yref="paper",
            text=f"today {today.isoformat()} ",
            showarrow=False,
            xanchor="right",
            yanchor="top",
            font={"size": 11, "color": "#555"},
        )

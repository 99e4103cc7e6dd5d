"""`regimes report`: the HTML report on some flows, written to a file (docs/cli.md §5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cli.options import check_range, date_range, flow_options, party_and_hs_options, reported
from cli.session import Session
from projections.answers import RecordTime


@click.command()
@flow_options
@party_and_hs_options
@date_range
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    metavar="FILE.html",
    help="Where to write the page (replaced whole, or left as it was on an error).",
)
@click.pass_obj
def report(
    session: Session,
    elements: tuple[str, ...],
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    party: str | None,
    hs: str | None,
    since: date | None,
    until: date | None,
    known_at: date | None,
    recorded_at: RecordTime | None,
    out: Path,
) -> None:
    """Write one self-contained HTML page on the matching flows: today's answer, a timeline
    chart, the changes with their documents' sources, and the actions behind them.

    Example: regimes report -e Dy --from CN --to JP --out dy-cn-jp.html
    """
    from cli.render.output import warn
    from domain.controls import visible

    check_range(since, until)
    with reported():
        page = session.report(
            elements=elements,
            items=items,
            exporter=exporter,
            importer=importer,
            party=party,
            hs=hs,
            known_at=known_at,
            recorded_at=recorded_at,
            since=since,
            until=until,
            out=out,
        )
    warn(page.known)
    bars = len(page.facts.periods)
    click.echo(
        f"regimes: wrote {visible(str(out))} ({bars} status period{'s' * (bars != 1)} "
        f"charted, log position {page.known.position})",
        err=True,
    )

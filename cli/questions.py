"""The questions: `as-of`, `timeline`, `diff`, `show` and `search`. Each parses, asks the
session one question, and renders the answer.

Each command imports what it renders when it runs: `regimes as-of` should not pay for the
append models, nor `append` for the tables.
"""

from __future__ import annotations

from datetime import date

import click

from cli.options import (
    check_range,
    date_range,
    flow_filters,
    knowledge_options,
    party_and_hs_options,
    pass_session,
    reported,
)
from cli.params import DATE, GROUP, HS, KIND, ONE_COUNTRY, PLACE
from cli.session import Session
from projections.answers import RecordTime
from regimes.asking import SEARCH_TYPES


@click.command("as-of")
@click.argument("day", metavar="DATE", type=DATE)
@flow_filters
@party_and_hs_options
@pass_session
def as_of(
    session: Session,
    day: date,
    elements: tuple[str, ...],
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    party: str | None,
    hs: str | None,
    known_at: date | None,
    recorded_at: RecordTime | None,
    output_format: str,
) -> None:
    """The regime of each matching flow on DATE: level, measures, documents.

    Example: regimes as-of 2026-01-08 -e Dy --from CN --to JP --format json
    """
    from cli import render

    with reported():
        answer = session.as_of(
            day,
            elements=elements,
            items=items,
            exporter=exporter,
            importer=importer,
            party=party,
            hs=hs,
            known_at=known_at,
            recorded_at=recorded_at,
        )
    render.render_answer(answer, output_format)


@click.command()
@flow_filters
@party_and_hs_options
@date_range
@click.option(
    "--actions",
    is_flag=True,
    help="Also list the actions that the measures on these flows respond to.",
)
@pass_session
def timeline(
    session: Session,
    elements: tuple[str, ...],
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    party: str | None,
    hs: str | None,
    known_at: date | None,
    recorded_at: RecordTime | None,
    output_format: str,
    since: date | None,
    until: date | None,
    actions: bool,
) -> None:
    """Each date on which a matching flow's level or measures changed.

    Example: regimes timeline -e Ho --from CN --to US --actions
    """
    from cli import render

    check_range(since, until)
    with reported():
        answer = session.timeline(
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
            actions=actions,
        )
    render.render_timeline(answer, output_format)


@click.command()
@click.argument("first", metavar="DATE1", type=DATE)
@click.argument("second", metavar="DATE2", type=DATE)
@flow_filters
@party_and_hs_options
@pass_session
def diff(
    session: Session,
    first: date,
    second: date,
    elements: tuple[str, ...],
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    party: str | None,
    hs: str | None,
    known_at: date | None,
    recorded_at: RecordTime | None,
    output_format: str,
) -> None:
    """Flows whose level or measures differ between DATE1 and DATE2.

    Example: regimes diff 2025-10-01 2025-12-01 -e REE --from CN --to US
    """
    from cli import render

    with reported():
        comparison = session.diff(
            first,
            second,
            elements=elements,
            items=items,
            exporter=exporter,
            importer=importer,
            party=party,
            hs=hs,
            known_at=known_at,
            recorded_at=recorded_at,
        )
    render.render_diff(comparison, output_format)


@click.command()
@click.argument("group", metavar="[@GROUP]", required=False, type=GROUP)
@click.option("--member", type=ONE_COUNTRY, help="The groups this country belongs to instead.")
@click.option("--on", "day", type=DATE, help="The date asked about (default: today).")
@knowledge_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@pass_session
def group(
    session: Session,
    group: str | None,
    member: str | None,
    day: date | None,
    known_at: date | None,
    recorded_at: RecordTime | None,
    output_format: str,
) -> None:
    """The members of a country group on a date, each with the record that made it a
    member; or, with --member, the groups a country belongs to.

    Example: regimes group @jp-group-a --on 2020-06-01
    """
    from cli import render

    if (group is None) == (member is None):
        raise click.UsageError("give one group (@slug) or --member CC, not both or neither")
    with reported():
        answer = session.group(
            group, member=member, on=day, known_at=known_at, recorded_at=recorded_at
        )
    render.render_group(answer, output_format)


@click.command()
@click.argument("wanted", metavar="ID|DOCUMENT")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@pass_session
def show(session: Session, wanted: str, output_format: str) -> None:
    """A measure's, action's or group's (@slug) whole history, or every record of one
    document, with positions and record times, and the records that respond to it.

    Example: regimes show "No. 70 of 2025"
    """
    from cli import render

    with reported():
        shown = session.show(wanted)
    render.render_shown(shown, output_format)


@click.command()
@click.argument("text", required=False)
@click.option("--issuer", type=PLACE, help="Only records issued by this country or group (@G).")
@click.option(
    "--kind",
    "kinds",
    type=KIND,
    multiple=True,
    help="Only measures or actions of this kind; repeatable.",
)
@click.option(
    "--type",
    "types",
    type=click.Choice(SEARCH_TYPES),
    multiple=True,
    help="Only measures, actions, country groups or named parties; repeatable.",
)
@click.option(
    "--hs", type=HS, help="Only measures whose HS codes match this one (either is a prefix)."
)
@click.option("--on", "day", type=DATE, help="The date statuses are shown for (default today).")
@flow_filters
@pass_session
def search(
    session: Session,
    text: str | None,
    issuer: str | None,
    kinds: tuple[str, ...],
    types: tuple[str, ...],
    hs: str | None,
    day: date | None,
    elements: tuple[str, ...],
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    known_at: date | None,
    recorded_at: RecordTime | None,
    output_format: str,
) -> None:
    """Find measures, actions and country groups by text in their ids, titles, documents,
    notes and sources.

    Example: regimes search "No. 70" --issuer CN
    """
    from cli import render

    with reported():
        found = session.search(
            text,
            on=day,
            issuer=issuer,
            kinds=kinds,
            types=types,
            hs=hs,
            elements=elements,
            items=items,
            exporter=exporter,
            importer=importer,
            known_at=known_at,
            recorded_at=recorded_at,
        )
    render.render_found(found, output_format)

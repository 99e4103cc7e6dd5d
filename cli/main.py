"""The `regimes` commands. Each one parses, calls one function of the library, and renders."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli.params import (
    COUNTRY,
    DATE,
    DIGEST,
    ELEMENT,
    ITEM,
    KIND,
    MAX_POSITION,
    MOMENT,
    POSITION_OR_MOMENT,
)
from cli.report import report
from cli.session import Session
from domain.controls import visible
from domain.errors import BatchRejected, RegimesError, StoreUrlError

if TYPE_CHECKING:
    from store.chain import Digest

# Each command imports what it renders and queries when it runs: `regimes as-of` should not
# pay for building the append models, nor `append` for the tables.

F = TypeVar("F", bound=Callable[..., Any])
pass_session = click.make_pass_decorator(Session)


class Rejected(click.ClickException):
    """Data or domain errors: exit status 1, one line per problem on stderr."""

    exit_code = 1


class StoreRefused(click.ClickException):
    """A store name or URL that is malformed or refused: a usage error (exit status 2), in
    one line (click's usage block would add lines around it)."""

    exit_code = 2


@contextmanager
def _reported() -> Iterator[None]:
    try:
        yield
    except BatchRejected as error:
        for problem in error.errors:
            click.echo(visible(str(problem)), err=True)
        raise Rejected(f"rejected: {error}") from None
    except RegimesError as error:  # messages may quote stored text: never raw on a terminal
        raise Rejected(visible(str(error))) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    envvar="REGIMES_STORE",
    metavar="URL",
    help="PATH or sqlite:///PATH, postgresql://user[:pass]@host[:port]/db"
    "[?schema=NAME], or memory:. Default: the embedded store in your data "
    "directory (env REGIMES_STORE).",
)
@click.version_option(package_name="regimes")
@click.pass_context
def main(ctx: click.Context, store: str | None) -> None:
    """Export-control regimes on any date, from an event-sourced log of trade actions.

    Example: regimes as-of 2026-01-08 --element Dy --from CN --to JP
    """
    if store is None and os.environ.get("REGIMES_STORE") == "":
        store = ""  # click reads an empty variable as unset; an empty store name is refused
    try:
        session = Session(store)
    except StoreUrlError as error:
        raise StoreRefused(str(error)) from None
    except RegimesError as error:
        raise Rejected(str(error)) from None
    ctx.obj = session
    ctx.call_on_close(session.close)


def flow_filters(command: F) -> F:
    """The options that pick flows: elements, items, exporter, importer, record time, format."""
    options = [
        click.option(
            "-e",
            "--element",
            "elements",
            type=ELEMENT,
            multiple=True,
            help="Element symbol or group (REE); repeatable.",
        ),
        click.option(
            "--item",
            "items",
            type=ITEM,
            multiple=True,
            help="Product slug (or symbol); repeatable.",
        ),
        click.option("--from", "exporter", type=COUNTRY, help="Exporting country (ISO alpha-2)."),
        click.option("--to", "importer", type=COUNTRY, help="Importing country (ISO alpha-2)."),
        click.option(
            "--known-at",
            type=MOMENT,
            help="Answer as the store knew it then (UTC; a date means its end).",
        ),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(["table", "json", "csv"]),
            default="table",
            show_default=True,
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command("as-of")
@click.argument("day", metavar="DATE", type=DATE)
@flow_filters
@pass_session
def as_of(
    session: Session,
    day: date,
    elements: tuple[str, ...],
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    known_at: datetime | None,
    output_format: str,
) -> None:
    """The regime of each matching flow on DATE: level, measures, documents.

    Example: regimes as-of 2026-01-08 -e Dy --from CN --to JP --format json
    """
    from cli import render

    with _reported():
        answer = session.as_of(
            day,
            elements=elements,
            items=items,
            exporter=exporter,
            importer=importer,
            known_at=known_at,
        )
    render.render_answer(answer, output_format)


@main.command()
@flow_filters
@click.option("--since", type=DATE, help="Only changes on or after this date.")
@click.option("--until", type=DATE, help="Only changes on or before this date.")
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
    known_at: datetime | None,
    output_format: str,
    since: date | None,
    until: date | None,
    actions: bool,
) -> None:
    """Each date on which a matching flow's level or measures changed.

    Example: regimes timeline -e Ho --from CN --to US --actions
    """
    from cli import render

    if since is not None and until is not None and since > until:
        raise click.BadParameter(f"--since {since} is after --until {until}", param_hint="--since")
    with _reported():
        answer = session.timeline(
            elements=elements,
            items=items,
            exporter=exporter,
            importer=importer,
            known_at=known_at,
            since=since,
            until=until,
            actions=actions,
        )
    render.render_timeline(answer, output_format)


@main.command()
@click.argument("first", metavar="DATE1", type=DATE)
@click.argument("second", metavar="DATE2", type=DATE)
@flow_filters
@pass_session
def diff(
    session: Session,
    first: date,
    second: date,
    elements: tuple[str, ...],
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    known_at: datetime | None,
    output_format: str,
) -> None:
    """Flows whose level or measures differ between DATE1 and DATE2.

    Example: regimes diff 2025-10-01 2025-12-01 -e REE --from CN --to US
    """
    from cli import render

    with _reported():
        comparison = session.diff(
            first,
            second,
            elements=elements,
            items=items,
            exporter=exporter,
            importer=importer,
            known_at=known_at,
        )
    render.render_diff(comparison, output_format)


@main.command()
@click.argument("files", nargs=-1, type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@pass_session
def append(session: Session, files: tuple[Any, ...], dry_run: bool) -> None:
    """Validate records (JSON Lines, JSON array or YAML; - for stdin) and append them at once.

    Example: regimes append measures.jsonl
    """
    from cli import render
    from cli.progress import progress_bar
    from domain.batch import Batch
    from regimes.reading import read_into

    streams: tuple[Any, ...] = files or (sys.stdin.buffer,)
    batch = Batch()
    with progress_bar("reading records", None) as advance:
        for stream in streams:
            read_into(
                batch, stream, getattr(stream, "name", None) if len(streams) > 1 else None, advance
            )
    with _reported():
        report = session.append_batch(batch, dry_run=dry_run, update=False)
    click.echo(render.describe_append(report), err=True)
    if report.appended and not dry_run:
        session.update_projections()


@main.command()
@click.option("--since", type=click.IntRange(1, MAX_POSITION), help="First position to print.")
@click.option("--until", type=click.IntRange(1, MAX_POSITION), help="Last position to print.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "table"]),
    default="table",
    show_default=True,
)
@pass_session
def log(session: Session, since: int | None, until: int | None, output_format: str) -> None:
    """The raw log in record order; jsonl prints the append format (export → append).

    Example: regimes log --format jsonl > history.jsonl
    """
    from cli import render

    with _reported():
        render.render_log(session.log(since, until), output_format)


@main.command()
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
    """A measure's or action's whole history, or every record of one document, with
    positions and record times, and the records that respond to it.

    Example: regimes show "No. 70 of 2025"
    """
    from cli import render

    with _reported():
        shown = session.show(wanted)
    render.render_shown(shown, output_format)


@main.command()
@click.argument("text", required=False)
@click.option("--issuer", type=COUNTRY, help="Only records issued by this country.")
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
    type=click.Choice(["measure", "action"]),
    multiple=True,
    help="Only measures or only actions; repeatable.",
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
    day: date | None,
    elements: tuple[str, ...],
    items: tuple[str, ...],
    exporter: str | None,
    importer: str | None,
    known_at: datetime | None,
    output_format: str,
) -> None:
    """Find measures and actions by text in their ids, titles, documents, notes and sources.

    Example: regimes search "No. 70" --issuer CN
    """
    from cli import render

    with _reported():
        found = session.search(
            text,
            on=day,
            issuer=issuer,
            kinds=kinds,
            types=types,
            elements=elements,
            items=items,
            exporter=exporter,
            importer=importer,
            known_at=known_at,
        )
    render.render_found(found, output_format)


@main.command()
@click.option(
    "--until", type=POSITION_OR_MOMENT, help="Stop at this log position or record time (UTC)."
)
@click.option("--verify", is_flag=True, help="Fail if the fresh view differs from the live one.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    metavar="N",
    help="Processes that load a SQLite store's fresh tables. Default: one per core (at most "
    "4) from 20,000 records, else 1; other stores load in one.",
)
@pass_session
def replay(session: Session, until: int | datetime | None, verify: bool, jobs: int | None) -> None:
    """Rebuild every projection from position 1 into fresh tables and swap them in.

    Example: regimes replay --verify
    """
    from cli import render
    from cli.progress import progress_bar

    with _reported(), progress_bar("replaying", session.app().last_position()) as advance:
        report = session.replay(until=until, verify=verify, progress=advance, jobs=jobs)
    click.echo(render.describe_replay(report), err=True)


@main.command()
@click.option(
    "--content",
    is_flag=True,
    help="The chain over the records alone (no record times): equal for any two "
    "stores holding the same records in the same order.",
)
@pass_session
def digest(session: Session, content: bool) -> None:
    """Print the log's fingerprint, HASH@POSITION: the head of its hash chain.

    With --content, content:HASH@N, the chain over the first N records in the append format.

    Example: regimes digest --content
    """
    with _reported():
        head = session.digest(content=content)
    click.echo(str(head) if head else "the log is empty")


@main.command()
@click.option(
    "--digest",
    "expected",
    type=DIGEST,
    metavar="[content:]HASH@N",
    help="Also require the log to still extend this digest (from `regimes digest` "
    "or `regimes digest --content`, of this store or another copy).",
)
@pass_session
def verify(session: Session, expected: Digest | None) -> None:
    """Recompute the hash chain from the stored events and check the projections.

    Fails, naming the first bad position, if a stored event was altered, deleted, inserted
    or reordered; fails, saying where the histories part, if the log does not extend the
    digest given.

    Example: regimes verify --digest content:3f2a…@60
    """
    with _reported():
        head = session.verify(expected)
    click.echo(
        f"verified: the log's chain holds up to {head or 'an empty log'}"
        + (f" and extends {expected}" if expected else "")
        + "; the projections equal a fresh replay",
        err=True,
    )


@main.command()
@click.option("--empty", is_flag=True, help="Create the store without the bundled history.")
@pass_session
def init(session: Session, empty: bool) -> None:
    """Create a store; unless --empty, load the bundled history of real events.

    Example: regimes --store team.db init
    """
    with _reported():
        session.app(create=True, bundled=False)
        loaded = 0 if empty else session.load_history()
    click.echo(
        f"store ready at {session.location.display}"
        + ("" if empty else f" ({loaded} new records from the bundled history)"),
        err=True,
    )


main.add_command(report)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

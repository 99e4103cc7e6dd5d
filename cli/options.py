"""What every command shares: the session, the flow filters, and how errors are reported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

import click

from cli.params import DATE, ELEMENT, HS, ITEM, KNOWN_DAY, PLACE, RECORD_TIME
from cli.session import Session
from domain.controls import visible
from domain.errors import BatchRejected, QuestionError, RegimesError

F = TypeVar("F", bound=Callable[..., Any])
pass_session = click.make_pass_decorator(Session)


class Rejected(click.ClickException):
    """Data or domain errors: exit status 1, one line per problem on stderr."""

    exit_code = 1


class UsageRefused(click.ClickException):
    """A question that cannot be answered as asked (an ambiguous name): exit status 2, in one
    line, listing what it could mean."""

    exit_code = 2


class StoreRefused(click.ClickException):
    """A store name or URL that is malformed or refused: a usage error (exit status 2), in
    one line (click's usage block would add lines around it)."""

    exit_code = 2


@contextmanager
def reported() -> Iterator[None]:
    """Domain and store errors as click's: one line each on stderr, exit status 1; stored
    text in them shown with its control characters escaped."""
    try:
        yield
    except BatchRejected as error:
        for problem in error.errors:
            click.echo(visible(str(problem)), err=True)
        raise Rejected(f"rejected: {error}") from None
    except QuestionError as error:  # the question needs rewording: a usage error
        raise UsageRefused(visible(str(error))) from None
    except RegimesError as error:  # messages may quote stored text: never raw on a terminal
        raise Rejected(visible(str(error))) from None


def flow_options(command: F) -> F:
    """The options that pick flows: elements, items, exporter, importer, record time."""
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
        click.option(
            "--from",
            "exporter",
            type=PLACE,
            help="Exporting country (ISO alpha-2; groups resolved onto it), or a group @G.",
        ),
        click.option(
            "--to",
            "importer",
            type=PLACE,
            help="Importing country (ISO alpha-2; groups resolved onto it), or a group @G.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return knowledge_options(command)


def party_and_hs_options(command: F) -> F:
    """`--party`: the named buyer (or seller) asked about (docs/time.md §6); `--hs`: the HS
    code the measures asked about must match."""
    command = click.option(
        "--hs",
        type=HS,
        help="Only measures whose HS codes match this code either way (2 to 10 digits).",
    )(command)
    return click.option(
        "--party",
        help="A named party (slug, name or alias): the measures listing it count for it; "
        "without it they are listed apart (named_parties).",
    )(command)


def knowledge_options(command: F) -> F:
    """`--known-at` and `--recorded-at`: the two knowledge filters (docs/time.md §2)."""
    command = click.option(
        "--recorded-at",
        type=RECORD_TIME,
        help="Only records this store held then: a UTC date-time, a date (its end), or #N "
        "for log position N.",
    )(command)
    return click.option(
        "--known-at",
        type=KNOWN_DAY,
        help="Only records published by the end of this day: what the world knew then.",
    )(command)


def flow_filters(command: F) -> F:
    """The flow options and the output format (table, JSON or CSV)."""
    command = click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json", "csv"]),
        default="table",
        show_default=True,
    )(command)
    return flow_options(command)


def date_range(command: F) -> F:
    """`--since` and `--until`: the changes on those dates and between them."""
    command = click.option("--until", type=DATE, help="Only changes on or before this date.")(
        command
    )
    return click.option("--since", type=DATE, help="Only changes on or after this date.")(command)


#: What `--since` and `--until` bound: dates, or log positions.
Bound = TypeVar("Bound", date, int)


def check_range(since: Bound | None, until: Bound | None) -> None:
    """A usage error (exit 2) when `--since` is after `--until` (dates, or log positions)."""
    if since is not None and until is not None and since > until:
        raise click.BadParameter(f"--since {since} is after --until {until}", param_hint="--since")

"""The store's own commands: `init`, `append`, `log`, `replay`, `digest` and `verify`."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from cli.options import check_range, pass_session, reported
from cli.params import DIGEST, MAX_POSITION, POSITION_OR_MOMENT
from cli.session import Session

if TYPE_CHECKING:
    from store.chain import Digest


@click.command()
@click.argument("files", nargs=-1, type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@pass_session
def append(session: Session, files: tuple[Any, ...], dry_run: bool) -> None:
    """Validate records (JSON Lines, JSON array or YAML; - for stdin) and append them at once.

    Example: regimes append measures.jsonl
    """
    from cli import render
    from cli.progress import progress_bar

    streams: tuple[Any, ...] = files or (sys.stdin.buffer,)
    named = len(streams) > 1
    inputs = [(stream, getattr(stream, "name", None) if named else None) for stream in streams]
    with reported(), progress_bar("reading records", None) as advance:
        report = session.append_inputs(inputs, dry_run=dry_run, update=False, progress=advance)
    click.echo(render.describe_append(report), err=True)
    if report.appended and not dry_run:
        _update_projections(session, "the records are appended")


def _update_projections(session: Session, done: str) -> None:
    """Brings the projections up to what a command just wrote (`done`, which an interrupt
    is told: the records are in, whatever click's bare "Aborted!" would suggest)."""
    try:
        session.update_projections()
    except KeyboardInterrupt:
        click.echo(
            f"regimes: interrupted while updating the projections; {done}, and the next "
            "query brings the projections up to date",
            err=True,
        )
        sys.exit(130)


@click.command()
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

    check_range(since, until)
    with reported():
        render.render_log(session.log(since, until), output_format)


@click.command()
@click.option(
    "--until", type=POSITION_OR_MOMENT, help="Stop at this log position or record time (UTC)."
)
@click.option("--verify", is_flag=True, help="Fail if the fresh view differs from the live one.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    metavar="N",
    help="Processes that load the fresh tables. Default: one per core (at most 4) from "
    "20,000 records, else 1; a store in memory loads in one.",
)
@pass_session
def replay(session: Session, until: int | datetime | None, verify: bool, jobs: int | None) -> None:
    """Rebuild every projection from position 1 into fresh tables and swap them in.

    Example: regimes replay --verify
    """
    from cli import render
    from cli.progress import progress_bar

    with reported(), progress_bar("replaying", session.app().last_position()) as advance:
        report = session.replay(
            until=until, verify=verify, progress=advance, jobs=jobs, compact=True
        )
    click.echo(render.describe_replay(report), err=True)


@click.command()
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
    with reported():
        head = session.digest(content=content)
    click.echo(str(head) if head else "the log is empty")


@click.command()
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
    with reported():
        head = session.verify(expected)
    click.echo(
        f"verified: the log's chain holds up to {head or 'an empty log'}"
        + (f" and extends {expected}" if expected else "")
        + "; the projections equal a fresh replay",
        err=True,
    )


@click.command()
@click.option("--empty", is_flag=True, help="Create the store without the bundled history.")
@pass_session
def init(session: Session, empty: bool) -> None:
    """Create a store; unless --empty, load the bundled history of real events.

    Example: regimes --store team.db init
    """
    with reported():
        session.app(create=True, bundled=False)
        loaded = 0 if empty else session.load_history()
    # the projections' tables and rows too: a first query then writes nothing (no table to
    # create while another process holds the write lock, no records to catch up)
    _update_projections(session, "the store is ready")
    click.echo(
        f"store ready at {session.location.display}"
        + ("" if empty else f" ({loaded} new records from the bundled history)"),
        err=True,
    )

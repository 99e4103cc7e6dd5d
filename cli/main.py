"""The `regimes` command: the group, its `--store`, and every command on it.

Each command parses, calls one method of `regimes.Store` (the session), and renders:
questions in `cli.questions`, the store's own commands in `cli.upkeep`, the HTML report in
`cli.report`.
"""

from __future__ import annotations

import os
import sys

import click

from cli import questions, upkeep
from cli.options import Rejected, StoreRefused
from cli.report import report
from cli.session import Session
from domain.errors import RegimesError, StoreUrlError


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


for command in (
    questions.as_of,
    questions.timeline,
    questions.diff,
    questions.show,
    questions.search,
    questions.group,
    upkeep.init,
    upkeep.append,
    upkeep.log,
    upkeep.replay,
    upkeep.digest,
    upkeep.verify,
    report,
):
    main.add_command(command)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

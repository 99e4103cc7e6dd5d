"""The one service object of a command: the store it names (`regimes.Store`), saying on
stderr what the library notices, with progress bars for long work on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from regimes.store import Store

if TYPE_CHECKING:
    from projections.catchup import Progress


def _say(message: str) -> None:
    click.echo(message, err=True)


class Session(Store):
    """A store for one command: its notices go to stderr."""

    def __init__(self, store_url: str | None) -> None:
        super().__init__(store_url, notify=_say)

    def update_projections(self, progress: Progress | None = None) -> None:
        """As the library does, with a progress bar on a terminal."""
        from cli.progress import progress_bar

        with progress_bar("updating projections", None) as advance:
            super().update_projections(progress or advance)

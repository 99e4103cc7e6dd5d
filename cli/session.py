"""The one service object of a command: the store it names, opened on first use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from domain.errors import RegimesError, StoreError
from domain.stores import Store, parse_store, patiently

if TYPE_CHECKING:
    from domain.application import Regimes
    from projections.queries import RegimeReader


def now() -> datetime:
    """Record time for what this command appends (only the CLI reads the clock)."""
    return datetime.now(UTC)


class Session:
    """Opens the store lazily: queries need an existing store, writes may create one."""

    def __init__(self, store_url: str | None) -> None:
        self.store: Store = parse_store(store_url)
        self._app: Regimes | None = None
        self._reader: RegimeReader | None = None

    def app(self, *, create: bool = False, bundled: bool = True) -> Regimes:
        """The event store; a new default store gets the bundled history unless `bundled` is off."""
        if self._app is None:
            fresh = not self.store.exists()
            if fresh and not (create or self.store.is_default):
                raise StoreError(
                    f"no store at {self.store.display}: create it with "
                    f"'regimes --store {self.store.display} init' or append to it"
                )
            from domain.application import open_application

            self._app = open_application(self.store)
            if fresh and self.store.is_default and bundled:
                self.load_history(announce=True)
        return self._app

    def load_history(self, *, announce: bool = False) -> int:
        """Loads the bundled history into the store; returns how many records were new."""
        from domain.bundled import load_bundled_history

        report = load_bundled_history(self.app(create=True, bundled=False), now())
        if announce:
            click.echo(
                f"regimes: created the default store at {self.store.display} with the "
                f"bundled history ({report.appended} records)",
                err=True,
            )
        return report.appended

    def reader(self) -> RegimeReader:
        """The query side over the same store."""
        if self._reader is None:
            from projections.queries import RegimeReader

            app = self.app()
            with self.store.opening():
                self._reader = patiently(lambda: RegimeReader(app))
        return self._reader

    def update_projections(self) -> None:
        """Applies what this command appended to the projections, so the next query has
        nothing to catch up. The records are already safe in the log: if this fails, the
        next query applies them instead, and the command still succeeds."""
        import sqlite3

        from eventsourcing.persistence import PersistenceError

        from cli.progress import progress_bar

        try:
            with progress_bar("updating projections", None) as advance:
                self.reader().update(progress=advance)
        except (RegimesError, PersistenceError, sqlite3.Error) as error:
            click.echo(
                f"regimes: the projections were not updated ({error}); the next query "
                "will apply the new records",
                err=True,
            )

    def close(self) -> None:
        if self._reader is not None:
            if self._reader.lagging:
                click.echo(f"regimes: {self._reader.lagging}", err=True)
            self._reader.close()
        if self._app is not None:
            self._app.close()

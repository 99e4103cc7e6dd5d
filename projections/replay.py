"""Replay: every projection rebuilt from the log into fresh tables, then swapped in.

The fresh generation is loaded in bulk, a measure at a time (`projections.bulk_load`), and
its indexes are built after the load. With a large log the load is split by measure id over
processes (`projections.shards`); a small log, or a store in memory, is loaded by this
process alone.

One replay of a store runs at a time (`projections.serial`), and its generation goes live only
if the switch finds it complete; whatever stops a replay, the fresh generation is dropped and
the live one answers as before.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.persistence import PersistenceError

from domain.errors import StoreBusy, StoreError
from projections.bulk_load import load_shard
from projections.catchup import Progress
from projections.collector import collection_paused
from projections.serial import REPLAY_WAIT, replay_lock
from projections.shards import SHARDED_FROM, cores, load_sharded
from projections.tables import GENERATIONS
from projections.verification import ViewMismatch as ViewMismatch
from projections.verification import verify_against
from projections.view import BitemporalView
from store.failures import DiskFull, first_line, is_disk_full

if TYPE_CHECKING:
    from domain.application import Regimes


@dataclass(frozen=True)
class ReplayReport:
    """What a replay did."""

    events: int
    seconds: float
    position: int
    verified: bool | None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def replay(
    app: Regimes,
    view: BitemporalView,
    *,
    until: int | None = None,
    verify: bool = False,
    progress: Progress | None = None,
    shards: int | None = None,
    wait: float = REPLAY_WAIT,
    needed: Callable[[], bool] | None = None,
    compact: Callable[[str], None] | None = None,
) -> ReplayReport:
    """Rebuilds the view from position 1 into fresh tables, then swaps them in atomically.

    With `verify`, the fresh view must equal the live one (caught up to the same position)
    or `ViewMismatch` is raised and the live view is kept. `shards` overrides how many
    processes load the fresh tables (by default one per core for a large log on SQLite).
    One replay of a store runs at a time: this one waits up to `wait` seconds for another to
    finish, or raises `ReplayBusy`. Whatever stops it, the live view is kept as it was. With
    `needed`, asked once the lock is held, a replay that another process made unneeded
    meanwhile does nothing.

    The dropped generation's space goes back to the file system (`ViewStore.reclaim`). A
    SQLite file created before regimes set it up for that keeps it for the next replay to
    reuse; with `compact` (a way to say so), that file is rewritten once instead
    (`ViewStore.compact`), after the switch: the replay stands whether or not it can be.
    """
    with replay_lock(view, wait), _failures_explained():
        if needed is not None and not needed():
            return ReplayReport(0, 0.0, view.standing()[1], None)
        started = time.perf_counter()  # the replay's own time, not its wait for the lock
        live = view.live_generation()
        fresh = next(generation for generation in GENERATIONS if generation != live)
        try:
            view.reset_generation(fresh)
            last = app.recorder.max_notification_id() or 0
            position = last if until is None else min(until, last)
            events = load(app, view, fresh, position, progress, shards)
            verified = None
            if verify:
                verify_against(app, view, live, fresh, position)
                verified = True
            view.index_generation(fresh)
            view.switch_to(fresh, position=position, events=events)
        except BaseException:
            with contextlib.suppress(Exception):  # space for the next try; a full disk may refuse
                view.discard_generation(fresh)
                view.store.reclaim()
            raise
        # After the switch, in steps of their own: queries already read the fresh generation.
        with contextlib.suppress(Exception):  # the replay stands; the next one tries again
            view.store.reclaim()
        if compact is not None and view.store.compactable():
            _compact(view, compact)
    return ReplayReport(events, time.perf_counter() - started, position, verified)


def _compact(view: BitemporalView, notify: Callable[[str], None]) -> None:
    """Rewrites a store that keeps the space replays free (made before regimes set it up
    to return it), saying so; a failure leaves the store as it was and is said too."""
    notify(
        "compacting the store once, so that replays return the space they free (this "
        "rewrites the file and needs free disk about its size)"
    )
    try:
        view.store.compact()
    except (sqlite3.Error, OSError) as error:
        why = "the disk is full" if is_disk_full(error) else first_line(error)
        notify(
            f"the store could not be compacted ({why}); it is as it was, and the next "
            "replay reuses the space this one freed"
        )


@contextlib.contextmanager
def _failures_explained() -> Iterator[None]:
    """A replay's storage errors as one line saying what happened."""
    kept = "the previous projections are kept and still answer"
    try:
        yield
    except (PersistenceError, sqlite3.Error, OSError) as error:
        if is_disk_full(error):
            raise DiskFull(
                f"the disk holding the store is full ({first_line(error)}): the "
                f"fresh projections could not be written; {kept}; free some space "
                "and try again"
            ) from None
        if "locked" in str(error):
            raise StoreBusy(
                f"the store was busy ({first_line(error)}); {kept}; try again"
            ) from None
        raise StoreError(f"the replay failed ({first_line(error)}); {kept}") from None


# -- the bulk load ---------------------------------------------------------------------------


def load(
    app: Regimes,
    view: BitemporalView,
    generation: str,
    position: int,
    progress: Progress | None = None,
    shards: int | None = None,
) -> int:
    """Loads an empty generation with the log up to `position`; returns the events read.

    `shards` processes share the load (by default one per core when the log reaches
    `SHARDED_FROM`); a store in memory is loaded by this process.
    """
    if shards is None:
        shards = cores() if position >= SHARDED_FROM else 1

    into_view = view.loader(generation)
    store = view.store
    with collection_paused():
        if shards > 1 and store.shardable:
            read = load_sharded(app, store, generation, position, shards, into_view, progress)
        else:
            read = load_shard(app, into_view, position, (None, None), progress)
    view.load(generation, [], {}, [], [], position)  # complete: the tracking, last
    return read

"""Replay: every projection rebuilt from the log into fresh tables, then swapped in.

The fresh generation is loaded in bulk, a measure at a time: the log is read through its
primary key, each aggregate's events together in version order, so every row is written once
with both of its record-time bounds, nothing is read back or updated, and the indexes are
built after the load. On a SQLite file with a large log the aggregates are split by id into
one shard per core: this process loads the first shard into the fresh generation while helper
processes load the others into scratch files beside the store, which it then copies in.

One replay of a store runs at a time (`projections.serial`), and its generation goes live only
if the switch finds it complete; whatever stops a replay, the fresh generation is dropped and
the live one answers as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import Notification, PersistenceError

from domain.errors import RegimesError, StoreBusy, StoreError
from projections.backends import SQLiteViewStore
from projections.catchup import Progress, logged
from projections.collector import collection_paused
from projections.history import MeasureHistory
from projections.pieces import Piece, revise
from projections.scratch import remove_leftovers, scratch_folder
from projections.serial import REPLAY_WAIT, replay_lock
from projections.tables import GENERATIONS, OPEN_POSITION, LoggedPosition, Row, ViewSQL, insert_rows
from projections.verification import ViewMismatch as ViewMismatch
from projections.verification import verify_against
from projections.view import BitemporalView
from store.failures import DiskFull, first_line, is_disk_full

if TYPE_CHECKING:
    from domain.application import Regimes
    from domain.events import RecordedEvent
    from domain.measure import Measure


class ByOriginator(Protocol):
    """A log that reads its events aggregate by aggregate (the store's recorders): what a
    replay's shards read."""

    def events_by_originator(
        self, stop: int, lower: UUID | None = None, upper: UUID | None = None, page: int = 5000
    ) -> Iterator[Notification]: ...


#: Rows gathered before they are written, in one transaction.
_LOAD_ROWS = 50_000
#: Logs shorter than this are loaded by this process alone (helpers take ~0.3 s to start).
SHARDED_FROM = 20_000
_MAX_SHARDS = 4
#: This process's share of the load against a helper's (measured at 1M on 2 cores).
_OWN_WEIGHT = 0.9

#: Writes one chunk of a load: rows with both record bounds, summaries, log positions.
Write = Callable[[list[tuple[Any, ...]], dict[str, bytes], list[LoggedPosition]], None]


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
) -> ReplayReport:
    """Rebuilds the view from position 1 into fresh tables, then swaps them in atomically.

    With `verify`, the fresh view must equal the live one (caught up to the same position)
    or `ViewMismatch` is raised and the live view is kept. `shards` overrides how many
    processes load the fresh tables (by default one per core for a large log on SQLite).
    One replay of a store runs at a time: this one waits up to `wait` seconds for another to
    finish, or raises `ReplayBusy`. Whatever stops it, the live view is kept as it was.
    """
    with replay_lock(view, wait), _failures_explained():
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
            raise
    return ReplayReport(events, time.perf_counter() - started, position, verified)


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
    """Loads an empty generation with the log up to `position`; returns the events read."""
    if shards is None:
        shards = _cores() if position >= SHARDED_FROM else 1

    def into_view(
        rows: list[tuple[Any, ...]], states: dict[str, bytes], positions: list[LoggedPosition]
    ) -> None:
        view.load(generation, rows, states, positions)

    with collection_paused():
        store = view.store
        if shards > 1 and isinstance(store, SQLiteViewStore) and not store.in_memory:
            read = _load_sharded(app, store, generation, position, shards, into_view, progress)
        else:  # PostgreSQL and in-memory views load in this process
            read = load_shard(app, into_view, position, _bounds(0, 1), progress)
    view.load(generation, [], {}, [], position)  # complete: the tracking, last
    return read


def _cores() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, _MAX_SHARDS))


def _bounds(shard: int, shards: int) -> tuple[UUID | None, UUID | None]:
    """The ids [lower, upper) of one shard's aggregates (ids are uniform: uuid5).

    Shard 0, this process's, is a little smaller: it writes into the store itself (WAL),
    slower than a helper into its scratch file (at 1M the helpers then finish together).
    """
    weights = [_OWN_WEIGHT] + [1.0] * (shards - 1)
    total = sum(weights)

    def cut(index: int) -> UUID | None:
        if index in (0, shards):
            return None
        return UUID(int=int(2**128 * sum(weights[:index]) / total))

    return cut(shard), cut(shard + 1)


def load_shard(
    app: Regimes,
    write: Write,
    position: int,
    bounds: tuple[UUID | None, UUID | None],
    progress: Progress | None = None,
) -> int:
    """Loads the aggregates with ids within `bounds`, up to `position`, through `write`;
    returns the events read."""
    mapper, recorder = app.mapper, cast("ByOriginator", app.recorder)
    rows: list[tuple[Any, ...]] = []
    states: dict[str, bytes] = {}
    positions: list[LoggedPosition] = []
    read = 0
    measure: str | None = None
    history: MeasureHistory | None = None
    pieces: list[Piece] = []
    believed: dict[Row, int] = {}  # the measure's open rows, with the position they opened
    # The keys of the measure's summaries written so far: a summary names its measure, so
    # keys never repeat across measures, and the load writes each one once.
    summarised: set[str] = set()

    def close_measure() -> None:
        rows.extend((measure, *row, since, OPEN_POSITION) for row, since in believed.items())
        believed.clear()
        summarised.clear()

    for notification in recorder.events_by_originator(position, *bounds):
        event = cast("RecordedEvent", mapper.to_domain_event(notification))
        at = notification.id
        positions.append(logged(at, event))
        if event.record_type.startswith("measure_"):
            facts = cast("Measure.Event", event)
            if facts.record_type == "measure_imposed":
                close_measure()
                measure, pieces = facts.measure, []
                history = MeasureHistory.begin(cast("Measure.Imposed", facts))
            else:
                assert history is not None, "a measure's events start with its imposition"
                history.apply(facts)
            pieces, change = revise(history, at, pieces)
            for row in change.closed:
                rows.append((measure, *row, believed.pop(row), at))
            for row in change.opened:
                believed[row] = at
            for key, summary in change.states.items():
                if key not in summarised:
                    summarised.add(key)
                    states[key] = summary
        read += 1
        if len(rows) >= _LOAD_ROWS:
            write(rows, states, positions)
            rows, positions, states = [], [], {}
            if progress:
                progress(read)
    close_measure()
    write(rows, states, positions)
    if progress:
        progress(read)
    return read


# -- shards in helper processes --------------------------------------------------------------


def _load_sharded(
    app: Regimes,
    view: SQLiteViewStore,
    generation: str,
    position: int,
    shards: int,
    into_view: Write,
    progress: Progress | None,
) -> int:
    """This process loads shard 0 into the view while helpers load the others into scratch
    files; then the scratch rows are copied into the view."""
    store = Path(view.db_name)
    remove_leftovers(store)  # of a replay that was killed: this one holds the replay lock
    helpers: list[_Helper] = []
    with scratch_folder(store) as scratch:
        try:
            for shard in range(1, shards):
                helpers.append(
                    _Helper.start(
                        dict(app.env),
                        generation,
                        position,
                        _bounds(shard, shards),
                        scratch / f"{shard}.sqlite",
                    )
                )

            def overall(read: int) -> None:
                helpers_read = sum(helper.progress() for helper in helpers)  # drains pipes
                if progress:
                    progress(read + helpers_read)

            read = load_shard(app, into_view, position, _bounds(0, shards), overall)
            read += sum(helper.finish() for helper in helpers)
            view.copy_in(ViewSQL(generation), [helper.path for helper in helpers])
            if progress:
                progress(read)
            return read
        finally:
            for helper in helpers:  # before their folder goes: they may still be writing
                helper.stop()


@dataclass
class _Helper:
    """A `python -P -m projections.replay` process loading one shard into a scratch file; it
    prints how many events it has read after each chunk (a line each), the total last, and
    its errors into a log file beside its scratch file.

    `-P` keeps the working directory (and the script's folder) off the helper's import path:
    a `projections` package there must never be what runs.
    """

    process: subprocess.Popen[bytes]
    path: Path
    read: int = 0
    pending: bytes = b""  # a line not yet complete

    @classmethod
    def start(
        cls,
        env: dict[str, str],
        generation: str,
        position: int,
        bounds: tuple[UUID | None, UUID | None],
        path: Path,
    ) -> _Helper:
        task = {
            "env": env,
            "generation": generation,
            "position": position,
            "bounds": [str(bound) if bound else None for bound in bounds],
            "path": str(path),
            "parent": os.getpid(),
        }
        with path.with_suffix(".log").open("wb") as errors:
            process = subprocess.Popen(
                [sys.executable, "-P", "-m", "projections.replay"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(json.dumps(task).encode())
        process.stdin.close()
        process.stdin = None  # given: `communicate` has nothing more to send
        os.set_blocking(process.stdout.fileno(), False)
        return cls(process, path)

    def progress(self) -> int:
        """Events read so far, as last reported."""
        assert self.process.stdout is not None
        with contextlib.suppress(BlockingIOError):
            self._note(self.process.stdout.read() or b"")
        return self.read

    def finish(self) -> int:
        """Waits for the helper; its events read, or a `RegimesError` saying why it failed."""
        assert self.process.stdout is not None
        os.set_blocking(self.process.stdout.fileno(), True)
        out, _ = self.process.communicate()
        self._note(out)
        if self.process.returncode != 0:
            errors = self.path.with_suffix(".log").read_text(errors="replace")
            lines = errors.strip().splitlines() or ["no message"]
            if is_disk_full(RegimesError(lines[-1])):
                raise DiskFull(
                    f"the disk holding the store is full: a replay helper could not "
                    f"write its scratch file ({lines[-1]}); the previous "
                    "projections are kept and still answer; free some space and "
                    "try again"
                )
            raise RegimesError(f"a replay helper failed: {lines[-1]}")
        return self.read

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _note(self, output: bytes) -> None:
        lines = (self.pending + output).split(b"\n")
        self.pending = lines.pop()  # what follows the last newline: not a whole count yet
        counts = [line for line in lines if line.strip()]
        if counts:
            self.read = int(counts[-1])


def _helper_main() -> None:
    """A helper process: the task on stdin; events read on stdout."""
    task = json.loads(sys.stdin.read())
    parent = task["parent"]
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the replay
    bounds = tuple(UUID(bound) if bound else None for bound in task["bounds"])

    def report(read: int) -> None:
        if os.getppid() != parent:
            raise RegimesError("the replay this helper worked for has stopped")
        print(read, flush=True)

    load_into_scratch(
        task["env"],
        task["generation"],
        task["position"],
        cast("tuple[UUID | None, UUID | None]", bounds),
        task["path"],
        report,
    )


def load_into_scratch(
    env: dict[str, str],
    generation: str,
    position: int,
    bounds: tuple[UUID | None, UUID | None],
    path: str,
    progress: Progress | None = None,
) -> int:
    """Loads one shard into a scratch SQLite file with the view's tables."""
    from domain.application import Regimes
    from store.locations import patiently

    # The parent is writing the fresh generation meanwhile: opening the store (its table
    # creation writes a seed row) may meet its write lock, and is then tried again.
    app = patiently(lambda: Regimes(env=env))
    sql = ViewSQL(generation)
    scratch = sqlite3.connect(path, isolation_level=None)
    scratch.execute("PRAGMA journal_mode=OFF")  # scratch: lost with the replay if it fails
    scratch.execute("PRAGMA synchronous=OFF")
    for statement in sql.create_for_loading():
        scratch.execute(statement)

    def write(
        rows: list[tuple[Any, ...]], states: dict[str, bytes], positions: list[LoggedPosition]
    ) -> None:
        scratch.execute("BEGIN")
        insert_rows(scratch, sql, rows, states, positions, known_states=False)
        scratch.execute("COMMIT")

    try:
        with collection_paused():
            return load_shard(app, write, position, bounds, progress)
    finally:
        scratch.close()
        app.close()


if __name__ == "__main__":
    _helper_main()

"""A replay's load split by measure id over processes, for a large log in a SQLite file or a
PostgreSQL schema.

This process loads the first shard into the fresh generation while helper processes (a
`concurrent.futures.ProcessPoolExecutor`, spawned: fresh interpreters) load the others: on
PostgreSQL into the fresh generation's tables themselves, each on its own connection (the
server takes several `COPY`s into one table at once); on SQLite, where one writer at a time
holds the file, into scratch files beside the store, which this process then copies in.
Helpers start bare: their working directory (the user's: anything may be there) is never on
their import path, so a `projections` or `multiprocessing` package there never runs, and the
main script of this process is not run again in them. A helper ends with the replay that
started it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sqlite3
import sys
import threading
import time
import types
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from domain.errors import RegimesError
from projections.bulk_load import Write, load_shard
from projections.catchup import Progress
from projections.collector import collection_paused
from projections.scratch import remove_leftovers, scratch_folder
from projections.tables import LoggedPosition, Scope, ViewSQL, insert_rows
from store.failures import DiskFull, first_line, is_disk_full
from store.locations import without_table_creation

if TYPE_CHECKING:
    from domain.application import Regimes
    from projections.backends import SQLiteViewStore, ViewStore

#: Logs shorter than this are loaded by this process alone (helpers take ~0.3 s to start).
SHARDED_FROM = 20_000
_MAX_SHARDS = 4
#: This process's share of the load against a helper's, when helpers write scratch files
#: (measured at 1M on 2 cores): it writes into the store itself, and copies their rows in.
_OWN_WEIGHT = 0.9

Bounds = tuple[UUID | None, UUID | None]


def cores() -> int:
    """How many shards a large log is split into by default: the cores this process may run
    on, at most four."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    return max(1, min(count, _MAX_SHARDS))


def bounds(shard: int, shards: int, own_weight: float = _OWN_WEIGHT) -> Bounds:
    """The ids [lower, upper) of one shard's aggregates (ids are uniform: uuid5).

    Shard 0, this process's, weighs `own_weight` against a helper's shard: on SQLite it is a
    little smaller, since this process writes into the store itself (WAL), slower than a
    helper into its scratch file (at 1M the helpers then finish together).
    """
    weights = [own_weight] + [1.0] * (shards - 1)
    total = sum(weights)

    def cut(index: int) -> UUID | None:
        if index in (0, shards):
            return None
        return UUID(int=int(2**128 * sum(weights[:index]) / total))

    return cut(shard), cut(shard + 1)


def load_sharded(
    app: Regimes,
    store: ViewStore,
    generation: str,
    position: int,
    shards: int,
    into_view: Write,
    progress: Progress | None,
) -> int:
    """This process loads shard 0 into the view while helpers load the others (into the
    view's tables, or into scratch files whose rows are then copied in). Returns the events
    read."""
    env = helper_env(app.env, app.name)
    if store.loads_concurrently:
        own = 1.0
        tasks = [
            ShardTask(env, generation, position, bounds(shard, shards, own), "", shard)
            for shard in range(1, shards)
        ]
        return _load_with_helpers(app, tasks, into_view, position, bounds(0, shards, own), progress)
    sqlite_store = cast("SQLiteViewStore", store)  # the only kind that needs scratch files
    path = Path(sqlite_store.db_name)
    remove_leftovers(path)  # of a replay that was killed: this one holds the lock
    with scratch_folder(path) as scratch:
        files = [scratch / f"{shard}.sqlite" for shard in range(1, shards)]
        tasks = [
            ShardTask(env, generation, position, bounds(shard, shards), str(file), shard)
            for shard, file in enumerate(files, start=1)
        ]
        read = _load_with_helpers(app, tasks, into_view, position, bounds(0, shards), progress)
        sqlite_store.copy_in(ViewSQL(generation), files)
        return read


def helper_env(env: Mapping[str, str], name: str) -> dict[str, str]:
    """How a helper opens the store of application `name`: as this process did, but
    without creating any table. The replay's store has its tables; and on PostgreSQL the
    library's table creation replaces a database function, which two helpers doing it at
    once fail on ("tuple concurrently updated"), as on a store created by the same command
    (a first large append into a new store replays). Said under both keys the library
    reads, the application's own first (`REGIMES_CREATE_TABLE`, which a process's
    environment may hold)."""
    return without_table_creation(env, name)


def _load_with_helpers(
    app: Regimes,
    tasks: Sequence[ShardTask],
    into_view: Write,
    position: int,
    own: Bounds,
    progress: Progress | None,
) -> int:
    """This process's shard (`own`) loaded through `into_view` while helpers do `tasks`;
    the events read by all. Leaving it stops the helpers and waits for them."""
    with ShardHelpers(tasks) as helpers:

        def overall(read: int) -> None:
            if progress:
                progress(read + helpers.read())

        read = load_shard(app, into_view, position, own, overall)
        read += sum(helpers.finish(job) for job in helpers.jobs)
    if progress:
        progress(read)
    return read


@dataclass(frozen=True)
class ShardTask:
    """One helper's work: the aggregates within `bounds`, up to `position`, read from the
    store `env` opens, into the tables of `generation`: in a scratch file at `path`, or
    (`path` empty) in that store."""

    env: dict[str, str]
    generation: str
    position: int
    bounds: Bounds
    path: str
    shard: int  # its place among the shards (1 and up: 0 is the replay's own)


class HelperFailed(Exception):
    """A helper's error, told across the process boundary as one line, and whether it says
    the disk is full."""

    def __init__(self, message: str, disk_full: bool) -> None:
        super().__init__(message, disk_full)
        self.message, self.disk_full = message, disk_full


class HelperStopped(Exception):
    """The replay a helper works for asked it to stop."""


class ShardHelpers:
    """One process per task, each loading its shard into its scratch file (`jobs`, in the
    order of the tasks). The events each has read so far, and whether they are to stop,
    are kept in memory shared with this process. Leaving the block stops the helpers still
    at work (after their current chunk) and waits for them.

    Helpers are never killed from here: one killed while it holds a lock of the pool's
    queues would leave the others, and the pool's shutdown, waiting for it forever.
    """

    def __init__(self, tasks: Sequence[ShardTask]) -> None:
        shards = 1 + max((task.shard for task in tasks), default=0)
        context = multiprocessing.get_context("spawn")
        self.counts: Any = context.Array("q", shards, lock=False)  # events read, by shard
        self.stopping: Any = context.Value("b", 0, lock=False)
        # The pool starts its processes (and multiprocessing its resource tracker) as it is
        # made and given tasks, in this thread: all of them bare.
        with _bare_starts():
            self.executor = ProcessPoolExecutor(
                max(1, len(tasks)),
                mp_context=context,
                initializer=_helper_started,
                initargs=(os.getpid(), self.counts, self.stopping),
            )
            try:
                self.jobs = [self.executor.submit(load_into_scratch, task) for task in tasks]
            except BaseException:
                self.stop()
                raise

    def __enter__(self) -> ShardHelpers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def read(self) -> int:
        """Events the helpers have read so far."""
        return sum(self.counts)

    def finish(self, job: Future[int]) -> int:
        """Waits for a helper; its events read, or a `RegimesError` saying why it failed."""
        try:
            return job.result()
        except HelperFailed as failure:
            if failure.disk_full:
                raise DiskFull(
                    f"the disk holding the store is full: a replay helper could not write its "
                    f"scratch file ({failure.message}); the previous projections are kept and "
                    "still answer; free some space and try again"
                ) from None
            raise RegimesError(f"a replay helper failed: {failure.message}") from None
        except BrokenProcessPool as error:
            raise RegimesError(f"a replay helper failed: {first_line(error)}") from None

    def stop(self) -> None:
        """Asks the helpers still at work to stop, and waits until every helper has ended
        (none writes into its scratch file any more)."""
        self.stopping.value = 1
        self.executor.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _bare_starts() -> Iterator[None]:
    """Interpreters started in the block (by this thread) start bare: with safe paths, and
    without this process's main script.

    A spawned helper starts as `python -c ...` in this process's working directory, which
    would put that directory first on its import path while it imports `multiprocessing`,
    before it takes this process's path: `PYTHONSAFEPATH` keeps it off, and the environment
    is the only way to give a spawned interpreter the flag.

    Spawning also runs this process's main script again in each child (as `__mp_main__`),
    for what it defines; helpers need nothing from it (their task is in this module), and a
    user's script that calls `regimes` without an `if __name__ == "__main__":` guard would
    append or replay again in every helper. So the main module is out of `sys.modules`
    while processes start.
    """
    safe_path = os.environ.get("PYTHONSAFEPATH")
    main = sys.modules["__main__"]
    os.environ["PYTHONSAFEPATH"] = "1"
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
        if safe_path is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = safe_path


# -- in a helper process ---------------------------------------------------------------------

#: What `_helper_started` was given: the counts of events read, and the stop flag.
_shared: tuple[Any, Any] = (None, None)


def _helper_started(parent: int, counts: Any, stopping: Any) -> None:
    """First thing in a helper: it ends with the replay, leaves interrupts (Ctrl-C) to the
    replay, which stops it, and keeps what it shares with the replay."""
    global _shared
    _end_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _shared = (counts, stopping)


def _end_with(parent: int) -> None:
    """Ends this helper when the replay that started it ends, however that ends (a helper
    left waiting for tasks would wait forever): on Linux at once, by the kernel's
    parent-death signal; elsewhere within a second, by a thread that watches."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the replay ended before the signal was asked for
        _die()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    _die()


def _die() -> None:
    """Ends this helper as the parent-death signal does: nothing of a helper's is worth
    keeping without its replay."""
    os.kill(os.getpid(), signal.SIGKILL)


def load_into_scratch(task: ShardTask) -> int:
    """A helper's task: loads one shard into a scratch SQLite file with the view's tables;
    returns the events read, or raises `HelperFailed`."""
    counts, stopping = _shared

    def report(read: int) -> None:
        if stopping is not None and stopping.value:
            raise HelperStopped("stopped by the replay")
        if counts is not None:
            counts[task.shard] = read

    try:
        report(0)
        return _load(task, report)
    except Exception as error:
        message = f"{type(error).__name__}: {first_line(error)}"
        raise HelperFailed(message, is_disk_full(error)) from None


def _load(task: ShardTask, progress: Progress) -> int:
    from domain.application import Regimes
    from store.locations import patiently

    # Opening creates no table (`helper_env`), but the replay is writing the fresh
    # generation meanwhile: an opening that meets its write lock is tried again.
    app = patiently(lambda: Regimes(env=task.env))
    if not task.path:
        return _load_into_store(app, task, progress)
    sql = ViewSQL(task.generation)
    scratch = sqlite3.connect(task.path, isolation_level=None)
    scratch.execute("PRAGMA journal_mode=OFF")  # scratch: lost with the replay if it fails
    scratch.execute("PRAGMA synchronous=OFF")
    for statement in sql.create_for_loading():
        scratch.execute(statement)

    def write(
        rows: list[tuple[Any, ...]],
        states: dict[str, bytes],
        positions: list[LoggedPosition],
        codes: list[tuple[str, str, int, str]],
        scopes: dict[str, Scope],
        spans: dict[str, tuple[str, str]],
    ) -> None:
        scratch.execute("BEGIN")
        insert_rows(scratch, sql, rows, states, positions, codes, scopes, spans, known_states=False)
        scratch.execute("COMMIT")

    try:
        with collection_paused():
            return load_shard(app, write, task.position, task.bounds, progress)
    finally:
        scratch.close()
        app.close()


def _load_into_store(app: Regimes, task: ShardTask, progress: Progress) -> int:
    """Loads one shard into the fresh generation's tables of the store itself."""
    from projections.backends import open_view

    view = open_view(app)
    write = view.loader(task.generation)
    try:
        with collection_paused():
            return load_shard(app, write, task.position, task.bounds, progress)
    finally:
        view.close()
        app.close()

"""One replay at a time per store.

Replays, verifications and the rebuild a large append turns into all build the generation
that is not live and then switch to it: two at once would load the same fresh tables
together, and one of them could switch in what the other had only half loaded. Each holds the
store's replay lock from the moment it empties the fresh generation until the switch: on a
SQLite file an OS lock on a file beside the store (never the store's own file: closing a
descriptor on it would drop the locks of this process's SQLite connections), on PostgreSQL an
advisory lock keyed by the store's schema. Both go with the process that holds them, however
it ends.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from projections.backends import SQLiteViewStore
from projections.failures import ReplayBusy
from projections.view import BitemporalView
from store.failures import first_line

if TYPE_CHECKING:
    from projections.postgres_view import PostgresViewStore

#: How long a replay waits for another one of the same store to finish (a 1M-record replay
#: takes about two minutes on two cores).
REPLAY_WAIT = 300.0
_POLL = 0.1
#: The first key of regimes' replay locks among PostgreSQL's advisory locks ("RGRP").
_ADVISORY_NAMESPACE = 0x52475250


def lock_path(db_name: str) -> Path:
    """The file beside a SQLite store whose lock replays take."""
    return Path(f"{db_name}-regimes-replay.lock")


def replay_lock(view: BitemporalView, wait: float = REPLAY_WAIT) -> Any:
    """Holds the replay lock of the view's store, waiting up to `wait` seconds for it, or
    raises `ReplayBusy`. A view in memory belongs to this process alone: nothing to lock."""
    store = view.store
    if isinstance(store, SQLiteViewStore):
        return nullcontext() if store.in_memory else _file_lock(lock_path(store.db_name), wait)
    return _advisory_lock(cast("PostgresViewStore", store), wait)  # the only other kind


def _busy(waited: float) -> ReplayBusy:
    if not waited:
        return ReplayBusy("another replay of this store is running")
    return ReplayBusy(
        f"another replay of this store was still running after {waited:.0f} s; "
        "try again when it has finished"
    )


def _until(wait: float) -> float:
    return time.monotonic() + wait


@contextmanager
def _file_lock(path: Path, wait: float) -> Iterator[None]:
    try:
        # Never through a symbolic link: the lock file is only ever one this store made.
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        raise ReplayBusy(f"cannot take the replay lock {path}: {first_line(error)}") from None
    try:
        deadline = _until(wait)
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(wait) from None
                time.sleep(_POLL)
        yield  # the lock goes with the descriptor, closed below or by the end of the process
    finally:
        os.close(descriptor)


@contextmanager
def _advisory_lock(store: PostgresViewStore, wait: float) -> Iterator[None]:
    key = (_ADVISORY_NAMESPACE, store.schema)
    # A session lock on a connection of its own, kept for the whole replay: it is released
    # below, or by the server when this process's connection goes.
    with store.connection() as connection:
        deadline = _until(wait)
        while not _taken(connection, key):
            if time.monotonic() >= deadline:
                raise _busy(wait)
            time.sleep(_POLL)
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)


def _taken(connection: Any, key: tuple[int, str]) -> bool:
    """Whether this session took the advisory lock `key` (not waiting for it)."""
    row = connection.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s)) AS held", key)
    return bool(row.fetchone()["held"])


def replay_running(view: BitemporalView) -> bool:
    """Whether another process holds the store's replay lock now (asked without waiting)."""
    try:
        with replay_lock(view, wait=0):
            return False
    except ReplayBusy:
        return True

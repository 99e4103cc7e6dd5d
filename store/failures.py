"""Store failures told apart: a full disk is neither a busy store nor a damaged view, and
saying so is what lets a user act on it."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.persistence import PersistenceError

from domain.errors import StoreError

#: What SQLite and PostgreSQL say when the disk (or SQLite's page limit) is full.
_FULL_MESSAGES = ("database or disk is full", "no space left on device", "could not extend file")
#: PostgreSQL's SQLSTATE for a full disk (class 53, insufficient resources).
_DISK_FULL_STATE = "53100"


class DiskFull(StoreError):
    """The disk holding the store (or a replay's scratch files) has no room left."""


def is_disk_full(error: BaseException) -> bool:
    """True when `error`, or an error it wraps, says the disk is full. PostgreSQL's SQLSTATE,
    when some error of the chain has one, decides alone: its messages are no reliable guide
    (a lock timeout can say "could not extend file")."""
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    states = [getattr(each, "sqlstate", None) for each in chain]
    if any(state is not None for state in states):
        return _DISK_FULL_STATE in states
    for each in chain:
        if getattr(each, "sqlite_errorname", None) == "SQLITE_FULL":
            return True
        if isinstance(each, OSError) and each.errno == errno.ENOSPC:
            return True
        if any(message in str(each).lower() for message in _FULL_MESSAGES):
            return True
    return False


def first_line(error: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@contextmanager
def full_disk_told() -> Iterator[None]:
    """Turns a write that ran out of disk into `DiskFull`, which says nothing was written:
    not a busy store, and no use trying again as it is."""
    try:
        yield
    except PersistenceError as error:
        if is_disk_full(error):
            raise DiskFull(
                f"the disk holding the store is full ({first_line(error)}); nothing was written"
            ) from None
        raise

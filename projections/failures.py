"""Why writing the projections failed, told apart: a full disk is neither a busy store nor a
damaged view, and saying so is what lets a user act on it."""

from __future__ import annotations

import errno

from domain.errors import StoreError

#: What SQLite and PostgreSQL say when the disk (or SQLite's page limit) is full.
_FULL_MESSAGES = ("database or disk is full", "no space left on device", "could not extend file")
#: PostgreSQL's SQLSTATE for a full disk (class 53, insufficient resources).
_DISK_FULL_STATE = "53100"


class DiskFull(StoreError):
    """The disk holding the store (or a replay's scratch files) has no room left."""


class ReplayBusy(StoreError):
    """Another replay of the same store is running."""


class ProjectionsDamaged(StoreError):
    """The projections' tables do not hold what they should; `regimes replay` rebuilds them."""


def is_disk_full(error: BaseException) -> bool:
    """True when `error`, or the error it wraps, says the disk is full."""
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlite_errorname", None) == "SQLITE_FULL":
            return True
        if getattr(seen, "sqlstate", None) == _DISK_FULL_STATE:
            return True
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if any(message in str(seen).lower() for message in _FULL_MESSAGES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def first_line(error: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

"""Writing a file all or nothing: checked before the work that makes it, then written beside
its place and moved into it, so a failure leaves nothing behind (and an older file whole)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from domain.errors import RegimesError


class NotWritten(RegimesError):
    """An output file cannot be written where asked."""


def check_writable(path: str | Path) -> Path:
    """`path` if a file can be written there; else raises `NotWritten` saying why."""
    target = Path(path)
    parent = target.parent
    if target.is_dir():
        raise NotWritten(f"cannot write {target}: it is a directory")
    if not parent.is_dir():
        why = "is not a directory" if parent.exists() else "does not exist"
        raise NotWritten(f"cannot write {target}: {parent} {why}")
    if not os.access(parent, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        raise NotWritten(f"cannot write {target}: permission denied")
    return target


def write_atomically(path: str | Path, text: str) -> None:
    """Writes `text` (UTF-8) to `path` whole, or raises `NotWritten` and writes nothing."""
    target = check_writable(path)
    try:
        handle, scratch = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:
        raise NotWritten(f"cannot write {target}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(scratch, 0o644)
        os.replace(scratch, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise NotWritten(f"cannot write {target}: {error.strerror or error}") from None

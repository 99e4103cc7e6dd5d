"""A run's scratch files: SQLite stores (with their WAL and shared-memory files) made fresh,
copied, moved into place and removed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def fresh_store(work: Path, name: str) -> Path:
    """`work / name`, with no store there."""
    path = work / name
    remove_store(path)
    return path


def remove_store(path: Path) -> None:
    """Removes a store's files, if there."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_store(source: Path, target: Path) -> None:
    """Copies a store over `target` (its database and write-ahead log)."""
    remove_store(target)
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def move_store(source: Path, target: Path) -> None:
    """Moves a store over `target`."""
    remove_store(target)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            os.replace(f"{source}{suffix}", f"{target}{suffix}")

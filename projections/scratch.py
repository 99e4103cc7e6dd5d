"""The scratch folders of a sharded replay, beside the store: made fresh under a name no user
would choose, and removed only when provably made by a replay of this store.

A folder is ours when it has the scratch name of this store, carries the mark a replay
writes into it first, naming this store, and holds nothing but what helpers write. A replay
that was killed leaves its folder behind; the next replay of the store (holding the replay
lock, so no other replay is using one) removes it. Anything else at any other path, or a
folder that also holds a file we did not write, is left as it is.
"""

from __future__ import annotations

import contextlib
import glob
import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Between the store's file name and mkdtemp's random suffix.
_INFIX = ".regimes-replay-scratch-"
_MARK = "made-by-regimes-replay.json"
#: What helpers write into a scratch folder: a shard's file, its journal, its error log.
_HELPER_FILE = re.compile(r"\d+\.(sqlite|sqlite-journal|log)")


@contextmanager
def scratch_folder(store: Path) -> Iterator[Path]:
    """A new scratch folder beside `store`, removed afterwards with what helpers wrote."""
    folder = Path(tempfile.mkdtemp(prefix=f"{store.name}{_INFIX}", dir=store.parent))
    (folder / _MARK).write_text(json.dumps({"store": _identity(store)}))
    try:
        yield folder
    finally:
        _remove(folder)


def remove_leftovers(store: Path) -> None:
    """Removes the scratch folders of this store's replays that were killed; call it only
    while holding the store's replay lock."""
    for candidate in store.parent.glob(f"{glob.escape(store.name)}{_INFIX}*"):
        if _made_for(candidate, store):
            _remove(candidate)


def _identity(store: Path) -> str:
    return str(store.resolve())


def _made_for(folder: Path, store: Path) -> bool:
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        mark = json.loads((folder / _MARK).read_text())
        names = [entry.name for entry in folder.iterdir()]
    except (OSError, ValueError):
        return False
    return (
        isinstance(mark, dict)
        and mark.get("store") == _identity(store)
        and all(name == _MARK or _HELPER_FILE.fullmatch(name) for name in names)
    )


def _remove(folder: Path) -> None:
    """Deletes what a replay writes into `folder`, then the folder if that emptied it."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if (entry.name == _MARK or _HELPER_FILE.fullmatch(entry.name)) and entry.is_file():
                entry.unlink()
        folder.rmdir()

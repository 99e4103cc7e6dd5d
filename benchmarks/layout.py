"""The project's API as the benchmarks reach it, in either layout of its modules: the one
place that knows where things moved (issue 16, commit d72ee46).

The benchmark's own files are the working tree's, while `--at REVISION` and
`--baseline-at REVISION` put that revision's packages first on the import path. The layout is
read from the code imported (the tree holding the `domain` package has `store/log.py`, or
not), never guessed from which import succeeds: at an old revision, `import store.log` would
succeed all the same, through the editable install of the working tree, and mix its modules
with the revision's.

What moved (before d72ee46 → from d72ee46):

- opening a store: `domain.application.open_application`, `domain.stores.parse_store` →
  `store.log.open_application`, `store.locations.parse_store`;
- a batch: `domain.reading.Batch`, `batch.read(stream)` → `domain.batch.Batch`,
  `regimes.reading.read_into(batch, stream)`;
- the GC pause: `domain.collector`, inside `Regimes.append` → `projections.collector`,
  around it (`regimes.Store.append_batch`);
- digests: `app.digest()`, `app.verify()` → `store.log.digest(app)`, `store.log.verify(app)`.

From the chunked append (issue 23, `domain/outline.py`), `regimes append FILE` no longer reads
a `Batch` first: it hands `Regimes.append_records` a reading of the file (`append_file`).
"""

from __future__ import annotations

import importlib.util
from contextlib import AbstractContextManager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any


@cache
def code_root() -> Path:
    """The folder the project's packages are imported from (a snapshot or the working tree)."""
    spec = importlib.util.find_spec("domain")
    if spec is None or spec.origin is None:
        raise SystemExit("the project's packages are not importable (pip install -e .)")
    return Path(spec.origin).parent.parent


@cache
def stores_moved() -> bool:
    """Whether the code imported has the `store/` package of d72ee46 and later."""
    return (code_root() / "store" / "log.py").exists()


def open_application(url: str) -> Any:
    """The `Regimes` application on the store at `url` (a path or a store URL)."""
    if stores_moved():
        from store.locations import parse_store
        from store.log import open_application
    else:
        from domain.stores import parse_store

        from domain.application import open_application
    return open_application(parse_store(url))


def new_batch() -> Any:
    """An empty `Batch`."""
    if stores_moved():
        from domain.batch import Batch
    else:
        from domain.reading import Batch
    return Batch()


def read_into(batch: Any, stream: IO[bytes]) -> None:
    """Adds every record of `stream` to `batch`, as `regimes append FILE` reads its file."""
    if stores_moved():
        from regimes.reading import read_into

        read_into(batch, stream)
    else:
        batch.read(stream)


def collection_paused() -> AbstractContextManager[None]:
    """The project's pause of the cyclic garbage collector around bulk work."""
    if stores_moved():
        from projections.collector import collection_paused
    else:
        from domain.collector import collection_paused
    return collection_paused()


def append(app: Any, batch: Any, recorded_at: datetime) -> Any:
    """`Regimes.append` as `regimes append` calls it: from d72ee46 the entry point pauses
    the garbage collector around it (before, the append paused it itself)."""
    if not stores_moved():
        return app.append(batch, recorded_at)
    with collection_paused():
        return app.append(batch, recorded_at)


@cache
def appends_files() -> bool:
    """Whether the code imported appends a file read twice, a chunk at a time (issue 23),
    instead of a `Batch` read whole first."""
    return (code_root() / "domain" / "outline.py").exists()


def append_file(app: Any, path: str, recorded_at: datetime) -> Any:
    """`Regimes.append_records` of a file as `regimes append FILE` calls it (read once to
    outline the batch, then checked and written a chunk at a time), the GC paused."""
    from regimes.reading import rereading

    with open(path, "rb") as stream, collection_paused():
        read = rereading([(stream, None)])
        assert read is not None, "a file can be read twice"
        return app.append_records(read, recorded_at)


def plan_events(app: Any, batch: Any, recorded_at: datetime) -> tuple[list[Any], int]:
    """The new events of a batch checked against the log, and how many records were
    unchanged (`domain.appending.plan`, in both layouts)."""
    from domain.appending import plan

    events, unchanged = plan(app.repository, batch, recorded_at)
    return list(events), int(unchanged)


def digest(app: Any) -> Any:
    """The head of the log's hash chain."""
    if stores_moved():
        from store import log

        return log.digest(app)
    return app.digest()


def verify(app: Any) -> Any:
    """The head of the hash chain recomputed from the stored events."""
    if stores_moved():
        from store import log

        return log.verify(app)
    return app.verify()

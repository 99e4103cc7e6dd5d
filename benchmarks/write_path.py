"""The append's write path: the library's `Application.save(*events)` against the bypass
(each event mapped, then `recorder.insert_events(stored)` called directly), which a46d99d
used, d72ee46 replaced with save(), and the commit after it restored behind
`Regimes.write`. Issue 16 keeps the bypass only if it is worth more than 20 % of append
throughput, measured in the same run: both paths are written out here, so that the
comparison does not depend on which one the measured revision ships."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import layout

#: The two ways to write a planned batch.
PATHS = ("save", "bypass")
#: The bypass stays only if it adds more than this to append throughput (issue 16).
KEEP_BYPASS_ABOVE = 0.20


def append_bypassing_save(app: Any, batch: Any, recorded_at: datetime) -> int:
    """Checks a batch against the log and writes its new events as a46d99d did: each event
    mapped and let go at once (a large batch is not held twice), then one `insert_events`
    call, without the library's `Recording`s, protocol checks, snapshots or notifications.
    Returns the last position written (single writer: no retry on a conflict)."""
    with layout.collection_paused():
        events, _ = layout.plan_events(app, batch, recorded_at)
        count = len(events)
        events.reverse()
        stored = [app.mapper.to_stored_event(events.pop()) for _ in range(count)]
        positions = app.recorder.insert_events(stored)
    return int(positions[-1])


def append_through_save(app: Any, batch: Any, recorded_at: datetime) -> int:
    """Checks a batch against the log and writes its new events through the library's
    `Application.save(*events)`, as d72ee46 shipped it. Returns the last position written."""
    with layout.collection_paused():
        events, _ = layout.plan_events(app, batch, recorded_at)
        recordings = app.save(*events)
    return int(recordings[-1].notification.id)


def worker_write(store: str, records: str, path: str) -> dict[str, Any]:
    """Reads the batch, then appends it through `path`: "save" is `append_through_save`,
    "bypass" is `append_bypassing_save`. The check against the log (`plan`) is timed apart
    in both."""
    import domain.appending

    planning: list[float] = []
    plan = domain.appending.plan

    def timed_plan(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return plan(*args, **kwargs)
        finally:
            planning.append(time.perf_counter() - started)

    # `layout.plan_events` reaches `plan` through its module, so both paths time it.
    domain.appending.plan = timed_plan
    writes: dict[str, Callable[[Any, Any, datetime], Any]] = {
        "save": append_through_save,
        "bypass": append_bypassing_save,
    }
    app = layout.open_application(store)
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    batch = layout.new_batch()
    with open(records, "rb") as stream:
        layout.read_into(batch, stream)
    read, read_cpu = time.perf_counter(), time.process_time()
    writes[path](app, batch, datetime.now(UTC))
    finished, finished_cpu = time.perf_counter(), time.process_time()
    written = app.recorder.max_notification_id() or 0
    app.close()
    if batch.errors or written != len(batch.records):
        raise SystemExit(f"{path}: {written} of {len(batch.records)} written {batch.errors[:3]}")
    return {
        "seconds": finished - started,
        "read_seconds": read - started,
        "append_seconds": finished - read,
        "plan_seconds": sum(planning),
        "write_seconds": finished - read - sum(planning),
        # CPU time of this process: what other processes on a shared machine change least
        "cpu_seconds": finished_cpu - started_cpu,
        "append_cpu_seconds": finished_cpu - read_cpu,
        "records": len(batch.records),
        "path": path,
    }

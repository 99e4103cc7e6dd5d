"""A reader's view kept up to the log: caught up before each answer, rebuilt by replay when
it lacks most of the log, or else read as it stands, with the reason the answer lags."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.persistence import OperationalError, PersistenceError

from domain.errors import RegimesError
from projections.backends import open_view
from projections.catchup import CaughtUp, Histories, Progress, catch_up, utc_text
from projections.failures import ReplayBusy
from projections.serial import replay_running
from projections.tables import SCHEMA_VERSION
from projections.view import BitemporalView
from store.failures import first_line, is_disk_full

if TYPE_CHECKING:
    from domain.application import Regimes
    from projections.answers import RecordTime
    from projections.replay import ReplayReport

#: Fewer events than this are always applied one by one.
REBUILD_FROM = 20_000
#: A catch-up applying this many events brings the planner's statistics up to the view's
#: rows (a replay always does): PostgreSQL plans a view it has no statistics of as if empty.
ANALYZE_FROM = 1_000
#: How long a query far behind the log watches for another process's rebuild to start (an
#: append's comes a moment after its commit) before it brings the view up itself.
REBUILD_WATCH = 1.5


class ViewKeeper:
    """The view of one application's store, opened on it, and how far answers reflect it."""

    def __init__(self, app: Regimes, notify: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.view = open_view(app)
        if self.view.schema() != SCHEMA_VERSION:
            # Built by an earlier version, in another layout: rebuilt from the log, which
            # every version reads.
            if notify:
                notify(
                    "the projections of this store were built by an earlier version of "
                    "regimes: rebuilding them from the log"
                )
            # Another process opening the store meanwhile may rebuild them first.
            self.replay(needed=lambda: self.view.schema() != SCHEMA_VERSION)
        self.view.prepare_live_generation()
        #: Measure histories kept between catch-ups, so a follow-up to a measure this reader
        #: has seen recently needs no reload from the log.
        self.histories = Histories(app)
        #: Why an answer had to come from the view as it was, without the newest records
        #: (a writer held the store past the lock timeout, or the disk is full); None when
        #: every answer was up to date.
        self.lagging: str | None = None
        #: Whether an answer's warnings carried `lagging` already (said once, not twice).
        self.lagging_told = False
        #: The generation the last question read (to tell a switch under it from damage).
        self.generation_read: str | None = None

    def close(self) -> None:
        self.view.close()

    def catch_up(
        self, progress: Progress | None = None, standing: tuple[str, int] | None = None
    ) -> CaughtUp:
        """Applies what the log holds beyond the live view (whose `standing` may be given);
        after many events, brings the planner's statistics up to them (`ANALYZE_FROM`)."""
        caught_up = catch_up(
            self.app, self.view, progress=progress, histories=self.histories, standing=standing
        )
        if caught_up.applied >= ANALYZE_FROM:
            # A replay may have dropped the generation meanwhile: the statistics only guide
            # plans, and the replay's generation has its own.
            with suppress(PersistenceError):
                self.view.analyze(caught_up.generation)
        return caught_up

    def update(
        self, progress: Progress | None = None, notify: Callable[[str], None] | None = None
    ) -> int:
        """Brings the live view up to the log the cheaper way, as after an append; returns
        how many events it applied. When the view lacks most of the log (a first large
        append), rebuilding it in bulk beats applying each event: `notify` is told so first
        (a replay takes a while)."""
        _, position = self.view.standing()
        last = self.app.last_position()
        behind = last - position
        if behind >= REBUILD_FROM and 2 * behind >= last:
            if notify:
                notify(
                    f"the projections lack {behind:,} of the log's {last:,} records: "
                    "rebuilding them by replay"
                )
            # Not waiting for a replay already running: it rebuilds from the log anyway, and
            # what it does not hold, the next query applies.
            return self.replay(progress=progress, wait=0).events
        return self.catch_up(progress=progress).applied

    def replay(
        self,
        *,
        until: int | datetime | None = None,
        verify: bool = False,
        progress: Progress | None = None,
        wait: float | None = None,
        jobs: int | None = None,
        needed: Callable[[], bool] | None = None,
        compact: Callable[[str], None] | None = None,
    ) -> ReplayReport:
        """Rebuilds every projection from position 1 into fresh tables and swaps them in
        (waiting up to `wait` seconds for another replay of the store, by default a few
        minutes); `jobs` processes load it (by default one per core, at most four, once
        the log reaches `projections.shards.SHARDED_FROM`); with `compact`, a SQLite file
        made before replays returned the space they free is rewritten once
        (`projections.replay.replay`), saying so through it."""
        from projections.replay import replay  # only the replay command needs it
        from projections.serial import REPLAY_WAIT

        if isinstance(until, datetime):
            self.catch_up()
            until = self.view.position_at(self.view.live_generation(), utc_text(until))
        return replay(
            self.app,
            self.view,
            until=until,
            verify=verify,
            progress=progress,
            shards=jobs,
            wait=REPLAY_WAIT if wait is None else wait,
            needed=needed,
            compact=compact,
        )

    def where_to_read(self, recorded_at: RecordTime | None) -> tuple[str, int, bool]:
        """The generation to read, the position the answer reflects, and whether that is the
        log's latest: the view caught up first (or, when it cannot be, as it stands)."""
        generation, applied = self.view.standing()
        self.generation_read = generation
        last = self.app.last_position()
        if last - applied >= REBUILD_FROM:
            # Far behind (a large append just committed): while another process rebuilds the
            # projections, catching up event by event would take minutes, so the answer comes
            # from the view as it stands, and says so; else this query brings it up the
            # cheaper way itself.
            why = "another process is rebuilding the projections of this store"
            try:
                if not _rebuilt_elsewhere(self.view):
                    self.update()
            except ReplayBusy:
                pass
            except (RegimesError, OperationalError) as error:
                why = f"the projections could not be brought up to the log ({first_line(error)})"
            generation, applied = self.view.standing()
            self.generation_read = generation
            if last - applied >= REBUILD_FROM:
                self.lagging = f"{why}; this answer is as of position {applied} of {last}"
                return _filtered(self.view, generation, applied, recorded_at)
        try:
            latest = applied
            if last > applied:  # else nothing to read: the log's last position is applied
                caught_up = self.catch_up(standing=(generation, applied))
                generation, latest = caught_up.generation, caught_up.position
                self.generation_read = generation
        except OperationalError as error:
            # Readers are never failed by a writer, nor by a disk too full to take in the
            # newest records: the answer comes from the view as it stands, and says so.
            generation, latest = self.view.standing()
            self.lagging = _lag_reason(error, latest, self.app.last_position())
        return _filtered(self.view, generation, latest, recorded_at)


def _filtered(
    view: BitemporalView, generation: str, latest: int, recorded_at: RecordTime | None
) -> tuple[str, int, bool]:
    """The generation, the position an answer reflects (`latest`, or the last recorded by
    `recorded_at`: a moment, or a position), and whether that is the latest."""
    position = latest
    if isinstance(recorded_at, datetime):
        position = min(position, view.position_at(generation, utc_text(recorded_at)))
    elif recorded_at is not None:
        position = min(position, recorded_at)
    return generation, position, position == latest


def _rebuilt_elsewhere(view: BitemporalView) -> bool:
    """Whether another process rebuilds the projections, now or within `REBUILD_WATCH`."""
    deadline = time.monotonic() + REBUILD_WATCH
    while not replay_running(view):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _lag_reason(error: BaseException, position: int, last: int) -> str:
    """Why an answer comes from position `position` of a log that ends at `last`."""
    if is_disk_full(error):
        return (
            f"the disk holding the store is full: the projections could not take in the "
            f"newest records, so this answer is as of position {position} of {last}; "
            "free some space and ask again"
        )
    return (
        "another process held the store past the lock timeout; this answer may miss its "
        "newest records"
    )

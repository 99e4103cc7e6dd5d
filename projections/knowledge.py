"""What the world knew of one measure on each day: its records cut by publication date
(docs/time.md §2).

On a day K the world knew the measure's records published by K, folded in record order as if
they were the only ones (and nothing of the measure before its imposition was published). The
answers change only on the records' publication dates, so the measure's knowledge is a short
list of cuts: each publication date with the history of the records published by then. The
last cut holds every record: it is the history that record time alone knows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, cast

from projections.history import MeasureHistory

if TYPE_CHECKING:
    from domain.events import RecordedEvent
    from domain.measure import Measure

Logged = tuple[int, "RecordedEvent"]


def published_by(log: Iterable[Logged], known: date | None) -> Iterator[Logged]:
    """The records of `log` (positions and events, in record order) that the world knew at
    the end of day `known` (None: every one): published by then, and about a measure whose
    imposition was published by then (docs/time.md §3)."""
    if known is None:
        yield from log
        return
    imposed: set[str] = set()  # the measures whose imposition passed
    for position, event in log:
        if event.publication() > known:
            continue
        measure = getattr(event, "measure", None)
        if measure is not None:
            if event.record_type == "measure_imposed":
                imposed.add(measure)
            elif measure not in imposed:
                continue
        yield position, event


@dataclass
class MeasureKnowledge:
    """The history of one measure known on each of its records' publication dates (no
    earlier than its imposition's)."""

    #: The publication dates, ascending, each with the history of the records published by
    #: then; the last one's is `latest`.
    cuts: list[tuple[date, MeasureHistory]]
    #: The history of every record.
    latest: MeasureHistory
    #: The first cut the last event changed (every cut from there on changed).
    changed_from: int = 0

    @classmethod
    def begin(cls, event: Measure.Imposed) -> MeasureKnowledge:
        """The knowledge of a measure as of its imposition."""
        history = MeasureHistory.begin(event)
        published = history.published_on
        return cls([(published, history)], history)

    @classmethod
    def of(cls, events: Sequence[Measure.Event]) -> MeasureKnowledge:
        """The knowledge after all of `events`, which start with the measure's imposition."""
        knowledge = cls.begin(cast("Measure.Imposed", events[0]))
        for event in events[1:]:
            knowledge.apply(event)
        knowledge.changed_from = 0
        return knowledge

    @property
    def slug(self) -> str:
        return self.latest.slug

    @property
    def version(self) -> int:
        return self.latest.version

    def apply(self, event: Measure.Event) -> None:
        """Folds the next event of the measure into every cut that knows it."""
        published = max(event.publication(), self.latest.published_on)
        last, _ = self.cuts[-1]
        if published >= last:
            if published > last:  # a new cut: the one before keeps what it knew
                self.cuts[-1] = (last, self.latest.copy())
                self.cuts.append((published, self.latest))
            self.latest.apply(event)
            self.changed_from = len(self.cuts) - 1
            return
        # Published before records already known (a date given, or an old log): every cut
        # from its publication date on knows it too. It is the last record in record order,
        # so each such cut's history is that cut's as it was, and this event; a new cut on
        # its date is the cut before's, and this event.
        dates = [day for day, _ in self.cuts]
        first = bisect_left(dates, published)
        if dates[first] != published:
            self.cuts.insert(first, (published, self.cuts[first - 1][1].copy()))
        for _, history in self.cuts[first:]:  # the last is `latest`
            history.apply(event)
        self.changed_from = first

    def known_at(self, day: date | None) -> MeasureHistory | None:
        """The history known at the end of `day` (None: every record); None when the
        measure was not yet published then."""
        if day is None:
            return self.latest
        known = None
        for published, history in self.cuts:
            if published > day:
                break
            known = history
        return known

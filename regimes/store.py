"""A store of diplomatic and trade actions, for scripts and notebooks: open it, append
records, and ask what regime applied on a date. The `regimes` command is a client of this.

    import regimes
    with regimes.open("team.db") as store:
        answer = store.as_of("2026-01-08", elements=["Dy"], exporter="CN", importer="JP")
        answer.flows[0].level.name          # 'end_user_ban'
        pandas.DataFrame(answer.rows())     # one row per flow and measure
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, cast

import orjson

from domain.errors import QuestionError, RegimesError, StoreError
from regimes.asking import (
    day_of,
    flow_query,
    hs_asked,
    kind_asked,
    knowledge,
    names,
    now,
    place_asked,
    type_asked,
)
from store.locations import Store as Location
from store.locations import parse_store, patiently

if TYPE_CHECKING:
    from domain.application import AppendReport, LoggedRecord, Regimes
    from domain.batch import Batch
    from projections.answers import (
        Answer,
        Comparison,
        Found,
        GroupMembers,
        MemberOf,
        RecordTime,
        Shown,
        Timeline,
    )
    from projections.catchup import Progress
    from projections.flows import FlowQuery
    from projections.queries import RegimeReader
    from projections.replay import ReplayReport
    from regimes.report import Question, Report, ReportFacts
    from store.chain import Digest

__all__ = ["Store", "flow_query", "read_records"]

#: Told a line worth saying (a store created, projections lagging); silent by default.
Notify = Callable[[str], None]
#: What `append` reads: a file's path, its bytes or open stream, or records as dicts.
Source = str | Path | bytes | IO[bytes] | Iterable[dict[str, Any]]


class Store:
    """One store, opened lazily: a query needs the store to exist, an append may create it;
    the default store (no URL) is created with the bundled history on first use."""

    def __init__(
        self, url: str | os.PathLike[str] | None = None, *, notify: Notify | None = None
    ) -> None:
        self.location: Location = parse_store(url if url is None else os.fspath(url))
        self.notify: Notify = notify or (lambda message: None)
        self._app: Regimes | None = None
        self._reader: RegimeReader | None = None

    # -- opening and closing -------------------------------------------------------------

    def app(self, *, create: bool = False, bundled: bool = True) -> Regimes:
        """The event store; a new default store gets the bundled history unless `bundled`
        is off."""
        if self._app is None:
            fresh = not self.location.exists()
            if fresh and not (create or self.location.is_default):
                raise StoreError(
                    f"no store at {self.location.display}: create it with "
                    f"'regimes --store {self.location.display} init' or append to it"
                )
            from store.log import open_application

            self._app = open_application(self.location)
            if fresh and self.location.is_default and bundled:
                appended = self.load_history()
                self.notify(
                    f"regimes: created the default store at {self.location.display} with "
                    f"the bundled history ({appended} records)"
                )
        return self._app

    def reader(self) -> RegimeReader:
        """The query side over the same store."""
        if self._reader is None:
            from projections.queries import RegimeReader

            app = self.app()

            def reader() -> RegimeReader:
                return RegimeReader(app, lambda message: self.notify(f"regimes: {message}"))

            if self.location.complete(app.env):  # nothing to create: no catalog to read again
                self._reader = patiently(reader)
            else:
                with self.location.opening():
                    self._reader = patiently(reader)
        return self._reader

    def close(self) -> None:
        """Closes the store's connections; says why an answer lagged, if one did."""
        if self._reader is not None:
            if self._reader.lagging and not self._reader.lagging_told:
                self.notify(f"regimes: {self._reader.lagging}")
            self._reader.close()
            self._reader = None
        if self._app is not None:
            self._app.close()
            self._app = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def load_history(self) -> int:
        """Loads the bundled history; returns how many records were new."""
        from regimes.bundled import load_bundled_history

        return load_bundled_history(self.app(create=True, bundled=False), now()).appended

    def append(
        self, source: Source, *, dry_run: bool = False, recorded_at: datetime | None = None
    ) -> AppendReport:
        """Validates records and appends them in one transaction, then brings the
        projections up to them; raises `BatchRejected` (every error located) and writes
        nothing if any record is wrong."""
        if isinstance(source, str | Path):
            with open(source, "rb") as opened:
                return self.append_inputs(
                    [(opened, None)], dry_run=dry_run, recorded_at=recorded_at
                )
        stream: IO[bytes]
        if isinstance(source, bytes):
            stream = io.BytesIO(source)
        elif isinstance(source, io.IOBase):
            stream = cast("IO[bytes]", source)
        else:
            stream = io.BytesIO(_jsonl(cast("Iterable[dict[str, Any]]", source)))
        return self.append_inputs([(stream, None)], dry_run=dry_run, recorded_at=recorded_at)

    def append_inputs(
        self,
        inputs: Sequence[tuple[IO[bytes], str | None]],
        *,
        dry_run: bool = False,
        recorded_at: datetime | None = None,
        update: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> AppendReport:
        """Appends the records of open inputs, each with its name for errors (or None), as
        `append_batch` does. Inputs that can be read twice (files) are: once to outline the
        batch, then to check and write it a chunk at a time, so that it is never held whole
        (`Regimes.append_records`); others (a pipe) are read whole first. `progress` hears
        how many records were read, every thousand."""
        from regimes.reading import read_into, rereading

        read = rereading(inputs, progress)
        if read is None:
            from domain.batch import Batch

            batch = Batch()
            for stream, name in inputs:
                read_into(batch, stream, name, progress)
            return self.append_batch(batch, dry_run=dry_run, recorded_at=recorded_at, update=update)
        return self._appended(
            lambda app, at: app.append_records(read, at, dry_run=dry_run),
            dry_run=dry_run,
            recorded_at=recorded_at,
            update=update,
        )

    def append_batch(
        self,
        batch: Batch,
        *,
        dry_run: bool = False,
        recorded_at: datetime | None = None,
        update: bool = True,
    ) -> AppendReport:
        """Appends records already read (`domain.batch.Batch`); with `update`, then brings
        the projections up to them (`update_projections`)."""
        return self._appended(
            lambda app, at: app.append(batch, at, dry_run=dry_run),
            dry_run=dry_run,
            recorded_at=recorded_at,
            update=update,
        )

    def _appended(
        self,
        append: Callable[[Regimes, datetime], AppendReport],
        *,
        dry_run: bool,
        recorded_at: datetime | None,
        update: bool,
    ) -> AppendReport:
        """Runs `append` on the store (created unless a dry run) at `recorded_at` (by
        default now), the garbage collector paused; with `update`, then brings the
        projections up to what it appended."""
        from projections.collector import collection_paused

        app = self.app(create=not dry_run) if not dry_run or self._holds_log() else _empty_log()
        with collection_paused():
            report = append(app, recorded_at or now())
        if update and report.appended and not dry_run:
            self.update_projections()
        return report

    def _holds_log(self) -> bool:
        """Whether the store is there to append to (a default store is made on first use)."""
        return self._app is not None or self.location.is_default or self.location.exists()

    def update_projections(self, progress: Progress | None = None) -> None:
        """Applies what was appended to the projections, so the next query has nothing to
        catch up. The records are already safe in the log: if this fails, the next query
        applies them instead, and the append still succeeded."""
        import sqlite3

        from eventsourcing.persistence import PersistenceError

        try:
            self.reader().update(progress, lambda message: self.notify(f"regimes: {message}"))
        except (RegimesError, PersistenceError, sqlite3.Error) as error:
            self.notify(
                f"regimes: the projections were not updated ({error}); the next query "
                "brings them up to date"
            )

    # -- asking --------------------------------------------------------------------------

    def as_of(
        self,
        day: date | str,
        *,
        elements: Iterable[str] = (),
        items: Iterable[str] = (),
        exporter: str | None = None,
        importer: str | None = None,
        party: str | None = None,
        hs: str | None = None,
        known_at: date | str | None = None,
        recorded_at: RecordTime | str | None = None,
    ) -> Answer:
        """The regime of each matching flow on `day`, as the world knew it at the end of day
        `known_at` (publication time) among the records the store held at `recorded_at`
        (a UTC moment, or a log position; record time); each None: every record. With
        `party` (a slug, name or alias), for that named buyer (or seller, on imports)."""
        query = self._flows(elements, items, exporter, importer, party, recorded_at, hs)
        return self.reader().as_of(day_of(day), query, knowledge(known_at, recorded_at))

    def _flows(
        self,
        elements: Iterable[str],
        items: Iterable[str],
        exporter: str | None,
        importer: str | None,
        party: str | None,
        recorded_at: RecordTime | str | None = None,
        hs: str | None = None,
    ) -> FlowQuery:
        """The flows asked about, the party (if any) found by its slug, name or alias among
        the records held at `recorded_at`, and the HS code (dots and spaces dropped)."""
        code = hs_asked(hs) if hs is not None else None
        found = self._party(party, recorded_at)
        return flow_query(elements, items, exporter, importer, found, code)

    def _party(self, party: str | None, recorded_at: RecordTime | str | None) -> str | None:
        """The slug of the party asked about (None: none asked); QuestionError for a blank
        one."""
        if party is None:
            return None
        if not isinstance(party, str):
            raise TypeError(f"party takes a slug, name or alias, not {party!r}")
        if not party.strip():
            raise QuestionError("--party: give a party's slug, name or alias, not blank")
        return self.reader().party_named(party, knowledge(None, recorded_at).recorded_at)

    def timeline(
        self,
        *,
        elements: Iterable[str] = (),
        items: Iterable[str] = (),
        exporter: str | None = None,
        importer: str | None = None,
        party: str | None = None,
        hs: str | None = None,
        known_at: date | str | None = None,
        recorded_at: RecordTime | str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        actions: bool = False,
    ) -> Timeline:
        """Each date on which a matching flow's level or measures changed."""
        return self.reader().timeline(
            self._flows(elements, items, exporter, importer, party, recorded_at, hs),
            knowledge(known_at, recorded_at),
            since=day_of(since) if since else None,
            until=day_of(until) if until else None,
            actions=actions,
        )

    def diff(
        self,
        first: date | str,
        second: date | str,
        *,
        elements: Iterable[str] = (),
        items: Iterable[str] = (),
        exporter: str | None = None,
        importer: str | None = None,
        party: str | None = None,
        hs: str | None = None,
        known_at: date | str | None = None,
        recorded_at: RecordTime | str | None = None,
    ) -> Comparison:
        """The flows whose level or measures differ between two dates."""
        query = self._flows(elements, items, exporter, importer, party, recorded_at, hs)
        return self.reader().diff(
            day_of(first), day_of(second), query, knowledge(known_at, recorded_at)
        )

    def search(
        self,
        text: str | None = None,
        *,
        on: date | str | None = None,
        issuer: str | None = None,
        kinds: Iterable[str] = (),
        types: Iterable[str] = (),
        hs: str | None = None,
        elements: Iterable[str] = (),
        items: Iterable[str] = (),
        exporter: str | None = None,
        importer: str | None = None,
        known_at: date | str | None = None,
        recorded_at: RecordTime | str | None = None,
    ) -> Found:
        """Measures and actions whose text contains `text`, narrowed by the filters, each
        with its status on `on` (today by default)."""
        from projections.catalog import SearchQuery

        if text is not None and not isinstance(text, str):
            raise TypeError(f"text takes a string, not {text!r}")
        query = SearchQuery(
            day_of(on) if on else now().date(),
            text,
            place_asked("issuer", issuer),
            tuple(map(kind_asked, names("kinds", kinds))),
            tuple(map(type_asked, names("types", types))),
            flow_query(elements, items, exporter, importer),
            hs_asked(hs) if hs is not None else None,
        )
        return self.reader().search(query, knowledge(known_at, recorded_at))

    def report(
        self,
        *,
        elements: Iterable[str] = (),
        items: Iterable[str] = (),
        exporter: str | None = None,
        importer: str | None = None,
        party: str | None = None,
        hs: str | None = None,
        known_at: date | str | None = None,
        recorded_at: RecordTime | str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        out: str | Path | None = None,
        today: date | str | None = None,
    ) -> Report:
        """The report on the matching flows, one self-contained HTML page: today's answer,
        the timeline chart, the changes from `since` to `until` with their documents' sources,
        and the actions their measures respond to; written to `out`, whole or not at all."""
        from regimes.chart import require_plotly
        from regimes.report import Question, Report, render_page
        from regimes.writing import check_writable, write_atomically

        require_plotly()
        if out is not None:
            check_writable(out)
        elements, items = names("elements", elements), names("items", items)  # read once
        flows = flow_query(elements, items, exporter, importer)  # checked before any work
        question = Question(
            elements,
            items,
            flows.exporter,
            flows.importer,
            day_of(since) if since else None,
            day_of(until) if until else None,
            knowledge(known_at, recorded_at),
            self._party(party, recorded_at),
            hs_asked(hs) if hs is not None else None,
        )
        generated_at = now()
        today = day_of(today) if today else generated_at.date()
        facts = self._report_facts(question, today, generated_at)
        report = Report(facts, render_page(facts))
        if out is not None:
            write_atomically(out, report.html)
        return report

    def _report_facts(self, question: Question, today: date, generated_at: datetime) -> ReportFacts:
        """The answers a report shows, all at one log position (asked again, a few times,
        while appends move the log on between them)."""
        from domain.records import groups_written
        from regimes.report import ReportFacts

        query = flow_query(
            question.elements,
            question.items,
            question.exporter,
            question.importer,
            question.party,
            question.hs,
        )
        bounded = question.since is not None or question.until is not None
        reader, asked = self.reader(), question.knowledge
        for _ in range(_REPORT_TRIES):
            answer = reader.as_of(today, query, asked)
            history = reader.timeline(query, asked, actions=not bounded)
            changes = history
            if bounded:
                changes = reader.timeline(
                    query, asked, since=question.since, until=question.until, actions=True
                )
            if answer.position == history.position == changes.position:
                break
        else:
            raise StoreError("the log kept growing while the report was made; try again")

        def known(slug: str) -> list[dict[str, Any]]:
            """The records about `slug` that the answers knew (published by the day asked,
            held at their position)."""
            return [
                logged.record
                for logged in reader.history(slug, asked.known_at)
                if logged.position <= answer.position
            ]

        slugs = {entry.measure for change in history.changes for entry in change.measures}
        records = {slug: known(slug) for slug in sorted(slugs)}
        groups = sorted(
            {group for found in records.values() for r in found for group in groups_written(r)}
        )
        group_records = [record for group in groups for record in known(f"@{group}")]
        return ReportFacts(
            question,
            answer,
            history,
            changes,
            records,
            group_records,
            self.location.display,
            generated_at,
        )

    def group(
        self,
        group: str | None = None,
        *,
        member: str | None = None,
        on: date | str | None = None,
        known_at: date | str | None = None,
        recorded_at: RecordTime | str | None = None,
    ) -> GroupMembers | MemberOf:
        """The members of `group` (`@slug`) on `on` (today by default), each with the record
        that made it a member; or, with `member`, the groups that country belongs to then."""
        if (group is None) == (member is None):
            raise ValueError("ask about one group (@slug) or one member country")
        day = day_of(on) if on else now().date()
        asked = knowledge(known_at, recorded_at)
        if member is not None:
            from domain.vocabulary import check_country

            return self.reader().groups_of(check_country(member, worldwide=False), day, asked)
        assert group is not None
        if not group.startswith("@"):
            raise ValueError(f"a group is named @slug, not {group!r}")
        return self.reader().group(group[1:], day, asked)

    def show(self, wanted: str) -> Shown:
        """Every record about an id, or carrying one document, and those responding to it."""
        if not isinstance(wanted, str):
            raise TypeError(f"show takes an id or a document's name, not {wanted!r}")
        if not wanted.strip():
            raise QuestionError("give an id or a document's name, not blank")
        return self.reader().show(wanted)

    def log(self, since: int | None = None, until: int | None = None) -> Iterator[LoggedRecord]:
        """The log in record order, each record in the append format with its position."""
        return self.app().records(since, until)

    def digest(self, *, content: bool = False) -> Digest | None:
        """The log's fingerprint: its hash chain's head, or the chain over its records."""
        app = self.app()
        from store import log

        return log.content_digest(app) if content else log.digest(app)

    def verify(self, expected: Digest | None = None) -> Digest | None:
        """Checks the hash chain (and that the log extends `expected`), then that the
        projections equal a fresh replay; returns the head it verified."""
        from store import log

        head = log.verify(self.app(), expected)
        self.reader().replay(verify=True)
        return head

    def replay(
        self,
        *,
        until: int | datetime | None = None,
        verify: bool = False,
        progress: Progress | None = None,
        jobs: int | None = None,
        compact: bool = False,
    ) -> ReplayReport:
        """Rebuilds every projection from the log into fresh tables and swaps them in;
        `jobs` processes load the tables of a SQLite store (by default one per core, at
        most four, from 20,000 records; other stores load in one). With `compact`, a SQLite
        file created before regimes returned the space replays free is rewritten once
        afterwards so that it does (saying so through `notify`; docs/projections.md §5)."""
        if jobs is not None and jobs < 1:
            raise ValueError(f"jobs must be 1 or more, not {jobs}")
        return self.reader().replay(
            until=until,
            verify=verify,
            progress=progress,
            jobs=jobs,
            compact=(lambda message: self.notify(f"regimes: {message}")) if compact else None,
        )


def _empty_log() -> Regimes:
    """An empty log in memory: what a dry run into a store not made yet checks against."""
    from store.log import open_application

    return open_application(parse_store("memory:"))


#: How many times a report asks its questions again while appends move the log on.
_REPORT_TRIES = 3


def read_records(source: Source) -> Batch:
    """Records from a file's path, bytes, a binary stream, or dicts, as one batch."""
    from domain.batch import Batch
    from regimes.reading import read_into

    batch = Batch()
    if isinstance(source, str | Path):
        with open(source, "rb") as stream:
            read_into(batch, stream)
    elif isinstance(source, bytes):
        read_into(batch, io.BytesIO(source))
    elif isinstance(source, io.IOBase):
        read_into(batch, cast("IO[bytes]", source))
    else:
        read_into(batch, io.BytesIO(_jsonl(cast("Iterable[dict[str, Any]]", source))))
    return batch


def _jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    """Records given as dicts, as JSON Lines."""
    return b"".join(orjson.dumps(record) + b"\n" for record in records)

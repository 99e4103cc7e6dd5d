"""The view's tables, for one generation each: their columns, keys and indexes, and how rows,
summaries and log positions are written into them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

import orjson

#: `recorded_to` of rows that are still believed.
OPEN_POSITION = 2**62
#: `valid_to` of rows that hold indefinitely.
OPEN_DATE = "9999-12-31"
#: `known_to` of rows still known today: after every date, so that a record published on
#: 9999-12-31 still ends what was known before it.
OPEN_KNOWN = "9999-99-99"
GENERATIONS = ("a", "b")
#: Rows of what is known today (`known_to` open), and rows of what was known before a later
#: publication: literal terms, so that each kind is read through its own partial index.
LATEST_KNOWLEDGE = f"known_to = '{OPEN_KNOWN}'"
EARLIER_KNOWLEDGE = f"known_to < '{OPEN_KNOWN}'"
#: The view's layout; a store whose view has another is replayed into this one when opened.
#: 2: rows bounded in publication time (known_from, known_to); summaries with `published_on`
#: and `scheduled`. 3: the open end of knowledge after every date; the level quota (the levels
#: above it numbered one up); summaries with their places and `except`. 4: the table of the
#: measures' HS codes (`--hs`). 5: normalised: one row per segment (its measure's scope named
#: by key), the scopes' (item, exporter, importer) once each in a table of their own. 6: each
#: spread scope's span (`begins`, `ends`) beside its flows.
SCHEMA_VERSION = "6"
#: The span of a scope no segment believed today names (`begins`, `ends`): standing on no day.
NO_SPAN = (OPEN_DATE, "")


#: One segment of a measure over [valid_from, valid_to), as known from publication date
#: known_from until known_to: the columns (valid_from, valid_to, status, level, state, scope,
#: known_from, known_to), `state` being the key of the measure's summary in the states table
#: and `scope` the key of its items and places in the scopes' tables.
Row = tuple[str, str, str, int, str, str, str, str]


class Scope(NamedTuple):
    """Where a measure applies: each of its items on each of its (exporter, importer) pairs,
    places as written (`*`, groups), each sorted and without repeats."""

    items: tuple[str, ...]
    places: tuple[tuple[str, str], ...]

    @property
    def spread(self) -> bool:
        """Whether the view keeps it spread out, one row per item and place (most scopes),
        rather than its items and its places apart (a scope of many items and places)."""
        return len(self.items) * len(self.places) <= SPREAD_UP_TO


#: The scopes of at most this many items x places are kept one row per item and place, found
#: through one index on the three; larger ones (a measure on every element to every country,
#: 29,264) keep their items and their places apart, so that a new version of one writes a few
#: hundred rows, not their product.
SPREAD_UP_TO = 256


class LoggedPosition(NamedTuple):
    """One log position: when it was recorded, what kind of record, and about which id."""

    position: int
    recorded_at: str
    record_type: str
    subject: str


def state_key(summary: bytes) -> str:
    """A short content key for a measure summary."""
    return hashlib.blake2b(summary, digest_size=12).hexdigest()


def scope_key(measure: str, scope: Scope) -> str:
    """A content key for a measure's scope: its items and places, and the measure (so that
    no two measures share a key, and the shards of a replay write disjoint scopes)."""
    text = orjson.dumps([measure, scope.items, scope.places])
    return hashlib.blake2b(text, digest_size=12).hexdigest()


def summary_bytes(summary: dict[str, Any]) -> bytes:
    return orjson.dumps(summary)


def tracking_name(generation: str) -> str:
    """The tracking row of one generation of the view."""
    return f"regimes.view-{generation}"


def _unqualified(name: str) -> str:
    return name


class ViewSQL:
    """The view's statements for one generation: its tables named by `qualify` (as the store
    holding them names a table), parameters marked by `placeholder` (`?` or `%s`)."""

    def __init__(
        self,
        generation: str,
        qualify: Callable[[str], str] = _unqualified,
        placeholder: str = "?",
    ) -> None:
        self.generation = generation
        #: The generation's tables, unqualified: its segments, its summaries, its log
        #: positions, its HS codes, its scopes: spread out (one row per item and place), and
        #: the items and the places of the large ones.
        self.names = tuple(
            f"{table}_{generation}"
            for table in (
                "regime_segments",
                "measure_states",
                "log_positions",
                "hs_codes",
                "scope_flows",
                "scope_items",
                "scope_places",
            )
        )
        self.rows, self.states, self.log, self.codes, self.flows, self.items, self.places = (
            qualify(name) for name in self.names
        )
        #: The tables of the generation's earlier layouts (schema 4 and before kept one row per
        #: segment, item and flow): dropped with it, so that a store rebuilt in this layout
        #: keeps none of them.
        self.earlier = (qualify(f"regime_rows_{generation}"),)
        self.index_prefix = f"regime_view_{generation}"
        self.placeholder = placeholder

    @property
    def tables(self) -> tuple[str, ...]:
        """The generation's tables, qualified."""
        return (
            self.rows,
            self.states,
            self.log,
            self.codes,
            self.flows,
            self.items,
            self.places,
        )

    def marks(self, count: int) -> str:
        """`count` parameter marks, separated by commas."""
        return ", ".join([self.placeholder] * count)

    def create(self) -> list[str]:
        """The tables, with every index."""
        return [*self.create_for_loading(), *self.indexes()]

    def create_for_loading(self) -> list[str]:
        """The tables without any index or key, for a bulk load: `indexes` adds them after."""
        return [
            f"CREATE TABLE IF NOT EXISTS {self.rows} (measure TEXT NOT NULL, "
            "valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, status TEXT NOT NULL, "
            "level INTEGER NOT NULL, state TEXT NOT NULL, scope TEXT NOT NULL, "
            "known_from TEXT NOT NULL, known_to TEXT NOT NULL, "
            "recorded_from BIGINT NOT NULL, recorded_to BIGINT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.states} (key TEXT NOT NULL, summary TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.log} (position BIGINT NOT NULL, "
            "recorded_at TEXT NOT NULL, record_type TEXT NOT NULL, subject TEXT NOT NULL)",
            # the HS codes each imposition or correction gives its measure, with the record's
            # position and publication date ('' for a correction that takes them away)
            f"CREATE TABLE IF NOT EXISTS {self.codes} (code TEXT NOT NULL, "
            "measure TEXT NOT NULL, position BIGINT NOT NULL, published_on TEXT NOT NULL)",
            # where each scope (a measure's items and places, as written) applies, written once
            # whatever number of segments name it: each item on each place, or for a large
            # scope its items and its places apart
            # with the span of the scope's believed segments as known today (the first day of
            # the first, the end of the last: `span_scopes`), which the questions of today
            # read before any segment, to pass over the scopes standing on other days
            f"CREATE TABLE IF NOT EXISTS {self.flows} (scope TEXT NOT NULL, "
            "item TEXT NOT NULL, exporter TEXT NOT NULL, importer TEXT NOT NULL, "
            "begins TEXT NOT NULL, ends TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.items} (scope TEXT NOT NULL, item TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.places} (scope TEXT NOT NULL, "
            "exporter TEXT NOT NULL, importer TEXT NOT NULL)",
        ]

    def indexes(self) -> list[str]:
        """The keys and the indexes queries and catch-up read: built after a bulk load, far
        cheaper than kept during it (the keys too: the load writes no duplicates)."""
        prefix = self.index_prefix
        return [
            f"CREATE UNIQUE INDEX IF NOT EXISTS {prefix}_state_key ON {self.states} (key)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {prefix}_log_position ON {self.log} (position)",
            # A scope's rows by key: whether catch-up has written a scope already; for a large
            # scope, the places of those a question's items found, and the items of those its
            # places found.
            f"CREATE UNIQUE INDEX IF NOT EXISTS {prefix}_scope_flows ON {self.flows} "
            "(scope, item, exporter, importer)",
            # The spread scopes on a flow: where a question about items starts (a question
            # of today on a day, by their spans first: on a large store a flow is named by
            # dozens of measures' scopes, of which a few stand on any one day); and into a
            # country, for questions without items.
            f"CREATE INDEX IF NOT EXISTS {prefix}_flow_scopes ON {self.flows} "
            "(item, exporter, importer, ends, begins, scope)",
            f"CREATE INDEX IF NOT EXISTS {prefix}_importer_flows ON {self.flows} (importer, scope)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {prefix}_scope_items ON {self.items} (scope, item)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {prefix}_scope_places ON {self.places} "
            "(scope, exporter, importer)",
            # The large scopes of an item, and into a country.
            f"CREATE INDEX IF NOT EXISTS {prefix}_item_scopes ON {self.items} (item, scope)",
            f"CREATE INDEX IF NOT EXISTS {prefix}_importer_scopes ON {self.places} "
            "(importer, exporter, scope)",
            # The believed segments as known today, by scope: what the latest answers read,
            # and catch-up closes. valid_to too: segments that ended before the day asked are
            # passed over inside the index; and known_from, for questions known at a day.
            f"CREATE INDEX IF NOT EXISTS {prefix}_open_span ON {self.rows} "
            "(scope, valid_from, valid_to, known_from) "
            f"WHERE recorded_to = {OPEN_POSITION} AND {LATEST_KNOWLEDGE}",
            # The superseded segments as known today, by scope: a question recorded at
            # position P reads those that stood on the day asked, and whether each was closed
            # after P, in the index.
            f"CREATE INDEX IF NOT EXISTS {prefix}_closed_span ON {self.rows} "
            "(scope, valid_from, valid_to, recorded_to, known_from) "
            f"WHERE recorded_to < {OPEN_POSITION} AND {LATEST_KNOWLEDGE}",
            # The segments of what was known before a later publication, by scope: questions
            # known at a day read them (and catch-up closes them), believed or superseded.
            f"CREATE INDEX IF NOT EXISTS {prefix}_earlier_span ON {self.rows} "
            "(scope, valid_from, valid_to, known_to, known_from, recorded_to) "
            f"WHERE {EARLIER_KNOWLEDGE}",
            f"CREATE INDEX IF NOT EXISTS {prefix}_log_subject ON {self.log} (subject)",
            f"CREATE INDEX IF NOT EXISTS {prefix}_log_time ON {self.log} (recorded_at)",
            f"CREATE INDEX IF NOT EXISTS {prefix}_hs_measure ON {self.codes} (measure, position)",
        ]

    def close_open_row(self) -> str:
        """Closes a believed segment known today at a position: parameters (position, scope,
        valid_from, valid_to, known_from), found through the believed segments' index (a
        scope names its measure)."""
        p = self.placeholder
        return (
            f"UPDATE {self.rows} SET recorded_to = {p} WHERE scope = {p} AND valid_from = {p} "
            f"AND valid_to = {p} AND known_from = {p} "
            f"AND recorded_to = {OPEN_POSITION} AND {LATEST_KNOWLEDGE}"
        )

    def close_earlier_row(self) -> str:
        """Closes a believed segment of what was known before a later publication:
        parameters (position, scope, valid_from, valid_to, known_from, known_to)."""
        p = self.placeholder
        return (
            f"UPDATE {self.rows} SET recorded_to = {p} WHERE scope = {p} AND valid_from = {p} "
            f"AND valid_to = {p} AND known_from = {p} AND known_to = {p} "
            f"AND recorded_to = {OPEN_POSITION} AND {EARLIER_KNOWLEDGE}"
        )

    def span_scopes(self) -> str:
        """Sets a spread scope's span to its believed segments as known today: parameters
        (scope, scope, scope); `NO_SPAN` when none (catch-up, for the scopes it touched)."""
        p = self.placeholder
        believed = (
            f"FROM {self.rows} WHERE scope = {p} AND recorded_to = {OPEN_POSITION} "
            f"AND {LATEST_KNOWLEDGE}"
        )
        begins, ends = NO_SPAN
        return (
            f"UPDATE {self.flows} SET begins = COALESCE((SELECT MIN(valid_from) {believed}), "
            f"'{begins}'), ends = COALESCE((SELECT MAX(valid_to) {believed}), '{ends}') "
            f"WHERE scope = {p}"
        )

    def any_large(self) -> str:
        """A row if the view holds any large scope."""
        return f"SELECT 1 AS found FROM {self.items} LIMIT 1"

    def scopes_written(self, count: int) -> str:
        """Which of `count` scope keys the scopes' tables hold (twice the keys)."""
        marks = self.marks(count)
        return (
            f"SELECT scope FROM {self.flows} WHERE scope IN ({marks}) UNION "
            f"SELECT scope FROM {self.items} WHERE scope IN ({marks})"
        )

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {name}" for name in (*self.tables, *self.earlier)]

    def believed_rows(
        self,
        day: date | None,
        position: int,
        items: Sequence[str],
        exporters: Sequence[str] | None,
        importers: Sequence[str] | None,
        *,
        latest: bool = False,
        known: date | None = None,
        large: bool = True,
    ) -> tuple[str, list[Any]]:
        """The measures' (item, exporter, importer) believed at `position` and known at the
        end of day `known` (None: as known today), standing on `day` (any day if None), for
        the filters (the places a scope's exporter and importer may be, None for any), each
        with its segment and summary: the statement and its parameters.

        Each statement finds the scopes on the flows asked first, then the segments naming
        them (`r`), then their summaries (`s`), in that order; for each kind of segment, one
        statement for the spread scopes (`f`, found by item and place, or by importer), and
        one for the large ones: by their places (`c`) into the importers asked, then their
        items (`i`) within each; without importers, by the items asked, then their places
        (or, with neither, every large scope's places); without `large` (the view holds no
        large scope), the statements for the spread ones alone. With `latest`
        (position is the last one applied) the segments believed are the open ones, which
        the open segments' index serves without reading any superseded one. Segments
        believed at an earlier position are the open ones recorded by then, and the closed
        ones recorded by then and closed after it; segments known at an earlier day are
        those known today and published by then, and those of earlier knowledge that it
        ended after then: one statement each, so that each reads its own index.
        """
        p = self.placeholder
        spread: list[str] = []
        apart: list[str] = []
        params: list[Any] = []
        if items:  # and measures on every good
            spread.append(f"f.item IN ({self.marks(len(items))}, '*')")
            apart.append(f"i.item IN ({self.marks(len(items))}, '*')")
            params += list(items)
        for column, places in (("exporter", exporters), ("importer", importers)):
            if places is not None:
                spread.append(f"f.{column} IN ({self.marks(len(places))})")
                apart.append(f"c.{column} IN ({self.marks(len(places))})")
                params += list(places)
        spread_params, apart_params = list(params), list(params)
        if day is not None and latest and known is None:
            # the spans are of the segments this question reads: believed, known today
            spread += [f"f.ends > {p}", f"f.begins <= {p}"]
            spread_params += [day.isoformat(), day.isoformat()]
        spread.append("r.scope = f.scope")
        apart += ["c.scope = i.scope", "r.scope = i.scope"]
        where: list[str] = []
        if day is not None:
            where += [f"r.valid_from <= {p}", f"r.valid_to > {p}"]
            for scoped in (spread_params, apart_params):
                scoped += [day.isoformat(), day.isoformat()]
        believed: list[tuple[list[str], list[Any]]] = [
            ([f"r.recorded_to = {OPEN_POSITION}"], [])
            if latest
            else ([f"r.recorded_to = {OPEN_POSITION}", f"r.recorded_from <= {p}"], [position])
        ]
        if not latest:
            believed.append(
                (
                    [
                        f"r.recorded_to < {OPEN_POSITION}",
                        f"r.recorded_to > {p}",
                        f"r.recorded_from <= {p}",
                    ],
                    [position, position],
                )
            )
        parts = [([*terms, f"r.{LATEST_KNOWLEDGE}"], values) for terms, values in believed]
        if known is not None:
            day_known = known.isoformat()
            parts = [
                ([*terms, f"r.known_from <= {p}"], [*values, day_known]) for terms, values in parts
            ]
            earlier = [f"r.{EARLIER_KNOWLEDGE}", f"r.known_to > {p}", f"r.known_from <= {p}"]
            if latest:
                parts.append(
                    ([*earlier, f"r.recorded_to = {OPEN_POSITION}"], [day_known, day_known])
                )
            else:
                parts.append(
                    (
                        [*earlier, f"r.recorded_to > {p}", f"r.recorded_from <= {p}"],
                        [day_known, day_known, position, position],
                    )
                )
        # CROSS JOIN: SQLite joins in the order written (scopes, segments, summaries), which
        # the indexes serve; PostgreSQL plans as it sees fit.
        apart_from = (
            f"{self.items} i CROSS JOIN {self.places} c"
            if items and importers is None
            else f"{self.places} c CROSS JOIN {self.items} i"
        )
        segment = (
            f"r.valid_from, r.valid_to, r.level, s.summary FROM {{}} CROSS JOIN {self.rows} r "
            f"CROSS JOIN {self.states} s WHERE s.key = r.state AND "
        )
        selects = (
            (
                "SELECT r.measure, f.item, f.exporter, f.importer, "
                + segment.format(f"{self.flows} f"),
                spread,
                spread_params,
            ),
            (
                "SELECT r.measure, i.item, c.exporter, c.importer, " + segment.format(apart_from),
                apart,
                apart_params,
            ),
        )[: 2 if large else 1]
        statements = []
        all_params: list[Any] = []
        for terms, values in parts:
            for select, scoped, scope_params in selects:
                statements.append(select + " AND ".join([*scoped, *where, *terms]))
                all_params += [*scope_params, *values]
        return " UNION ALL ".join(statements), all_params


def insert_rows(
    c: Any,
    sql: ViewSQL,
    rows: Sequence[tuple[Any, ...]],
    states: dict[str, bytes],
    positions: Sequence[LoggedPosition],
    codes: Sequence[tuple[str, str, int, str]] = (),
    scopes: Mapping[str, Scope] | None = None,
    spans: Mapping[str, tuple[str, str]] | None = None,
    *,
    known_states: bool = True,
    insert: Callable[[Any, str, Sequence[Sequence[Any]]], None] | None = None,
) -> None:
    """Inserts segments (all eleven columns), summaries, log positions, HS codes (code,
    measure, position, publication date) and scopes (by key, with the `spans` a bulk load
    gives) into `sql`'s tables.

    With `known_states`, a summary or a scope's item or place already in the table is passed
    over (catch-up meets a measure's earlier states again); a bulk load writes each once,
    into a table that has no key yet, and says False. `insert` (the store's `bulk_insert`:
    PostgreSQL's `COPY`) writes the segments, positions and codes, which never meet
    themselves again; by default one `INSERT` each.
    """
    conflict = " ON CONFLICT (key) DO NOTHING" if known_states else ""
    c.executemany(
        f"INSERT INTO {sql.states} VALUES ({sql.marks(2)}){conflict}", summary_texts(states)
    )
    flows, items, places = scope_rows(scopes or {}, spans)
    c.executemany(
        f"INSERT INTO {sql.flows} VALUES ({sql.marks(6)})"
        + (" ON CONFLICT (scope, item, exporter, importer) DO NOTHING" if known_states else ""),
        flows,
    )
    c.executemany(
        f"INSERT INTO {sql.items} VALUES ({sql.marks(2)})"
        + (" ON CONFLICT (scope, item) DO NOTHING" if known_states else ""),
        items,
    )
    c.executemany(
        f"INSERT INTO {sql.places} VALUES ({sql.marks(3)})"
        + (" ON CONFLICT (scope, exporter, importer) DO NOTHING" if known_states else ""),
        places,
    )
    if insert is not None:
        insert(c, sql.rows, rows)
        insert(c, sql.log, positions)
        insert(c, sql.codes, codes)
        return
    c.executemany(f"INSERT INTO {sql.rows} VALUES ({sql.marks(11)})", rows)
    c.executemany(f"INSERT INTO {sql.log} VALUES ({sql.marks(4)})", positions)
    c.executemany(f"INSERT INTO {sql.codes} VALUES ({sql.marks(4)})", codes)


def hs_codes_of(position: int, event: Any) -> list[tuple[str, str, int, str]]:
    """The HS codes a measure's event gives it, as rows of the codes table: an imposition's,
    or a correction's new ones (one row '' when it takes them away)."""
    record_type = event.record_type
    if record_type == "measure_corrected":
        if "hs_codes" not in event.fields:
            return []
        codes = event.fields["hs_codes"] or [""]
    elif record_type == "measure_imposed":
        codes = event.hs_codes
        if not codes:
            return []
    else:  # no other event gives codes (asking one for a field it lacks is slow)
        return []
    published = event.publication().isoformat()
    return [(code, event.measure, position, published) for code in codes]


def scope_rows(
    scopes: Mapping[str, Scope], spans: Mapping[str, tuple[str, str]] | None = None
) -> tuple[
    list[tuple[str, str, str, str, str, str]], list[tuple[str, str]], list[tuple[str, str, str]]
]:
    """The rows of the scopes' tables: each spread scope's key with each of its items on
    each of its places, and its span (from `spans`, a bulk load's; else `NO_SPAN`, for
    catch-up to set); each large one's key with each of its items, and with each of its
    places."""
    spread = {key: scope for key, scope in scopes.items() if scope.spread}
    large = {key: scope for key, scope in scopes.items() if not scope.spread}
    spans = spans or {}
    return (
        [
            (key, item, *place, *spans.get(key, NO_SPAN))
            for key, scope in spread.items()
            for item in scope.items
            for place in scope.places
        ],
        [(key, item) for key, scope in large.items() for item in scope.items],
        [(key, *place) for key, scope in large.items() for place in scope.places],
    )


def summary_texts(states: dict[str, bytes]) -> list[tuple[str, str]]:
    """The rows of the summaries table: each summary's key and its JSON text."""
    return [(key, summary.decode()) for key, summary in states.items()]

"""Whether the live projections equal a fresh replay, table by table: the measures' segments,
their summaries, their scopes, the log positions and the position tracked. Anything edited, added or
deleted in any of them is named, with the first place it differs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from domain.errors import RegimesError
from projections.tables import OPEN_POSITION
from projections.view import BitemporalView

if TYPE_CHECKING:
    from domain.application import Regimes

_ROW_COLUMNS = (
    "measure",
    "valid_from",
    "valid_to",
    "status",
    "level",
    "scope",
    "known_from",
    "known_to",
    "recorded_from",
    "recorded_to",
    "summary",
)


class ViewMismatch(RegimesError):
    """The live projections differ from a fresh replay."""


def verify_against(
    app: Regimes, view: BitemporalView, live: str, fresh: str, position: int
) -> None:
    """Raises `ViewMismatch` naming each table of the live generation that differs from the
    fresh one, loaded up to `position`; catches the live one up to there first, unless its
    tracking is already past what its tables hold (then catching up would fail)."""
    from projections.catchup import catch_up

    _, tracked = view.standing(live)
    listed = _last_listed(view, live)
    if listed > tracked:
        raise ViewMismatch(
            _report(
                [
                    f"tracking: the live projections say they applied up to "
                    f"position {tracked} but list position {listed}"
                ]
            )
        )
    if tracked < position:
        catch_up(app, view, live, until=position)
        _, tracked = view.standing(live)
    problems = []
    last = app.last_position()
    if tracked > last:
        problems.append(
            f"tracking: the live projections say they applied up to position "
            f"{tracked}, the log ends at {last}"
        )
    # The live generation as it stood at `position`: later rows left out, later closings
    # undone.
    since, until = _ROW_COLUMNS.index("recorded_from"), _ROW_COLUMNS.index("recorded_to")
    live_rows = sorted(
        (
            (
                *row[:until],
                row[until] if row[until] <= position else OPEN_POSITION,
                *row[until + 1 :],
            )
            for row in _rows(view, live)
            if row[since] <= position
        ),
        key=_sortable,
    )
    fresh_states = _states(view, fresh)
    live_states = _states(view, live)
    # the scopes' spans as the live view stands, if that is at `position`
    fresh_scopes = _scopes(view, fresh, spans=tracked == position)
    live_scopes = _scopes(view, live, spans=tracked == position)
    if tracked > position:  # summaries and scopes met after `position` are not its concern
        known = {key for key, _ in fresh_states}
        live_states = [state for state in live_states if state[0] in known]
        scoped = {scope[0] for rows in fresh_scopes for scope in rows}
        live_scopes = [[scope for scope in rows if scope[0] in scoped] for rows in live_scopes]
    for table, old, new in (
        ("measure segments", live_rows, sorted(_rows(view, fresh), key=_sortable)),
        ("measure summaries", live_states, fresh_states),
        *zip(
            ("scope flows", "scope items", "scope places"), live_scopes, fresh_scopes, strict=True
        ),
        ("log positions", _positions(view, live, position), _positions(view, fresh, position)),
        ("HS codes", _codes(view, live, position), _codes(view, fresh, position)),
    ):
        difference = first_difference(old, new)
        if difference:
            problems.append(f"{table}: {difference}")
    if problems:
        raise ViewMismatch(_report(problems))


def _report(problems: list[str]) -> str:
    return (
        "the projections differ from a fresh replay of the log — "
        + "; ".join(problems)
        + "; rebuild them with 'regimes replay'"
    )


def first_difference(
    live: Sequence[tuple[Any, ...]], fresh: Sequence[tuple[Any, ...]]
) -> str | None:
    """Where two sorted listings first differ, in one line; None when they are equal."""
    for index, (old, new) in enumerate(zip(live, fresh, strict=False)):
        if old != new:
            return f"entry {index + 1}: live {_short(old)} != replayed {_short(new)}"
    if len(live) != len(fresh):
        return f"the live projections have {len(live)} entries, a fresh replay {len(fresh)}"
    return None


def _short(entry: tuple[Any, ...]) -> str:
    text = repr(tuple(entry))
    return text if len(text) <= 200 else f"{text[:197]}..."


def _select(
    view: BitemporalView, statement: str, params: Sequence[Any] = ()
) -> Iterator[tuple[Any, ...]]:
    with view.transaction(commit=False) as c:
        c.execute(statement, tuple(params))
        for record in c.fetchall():
            yield tuple(record[key] for key in record.keys())  # noqa: SIM118 (sqlite3.Row)


def _rows(view: BitemporalView, generation: str) -> list[tuple[Any, ...]]:
    """Every row with its summary, in an order every column decides."""
    sql = view.sql(generation)
    columns = ", ".join(f"r.{name}" for name in _ROW_COLUMNS[:-1])
    return list(
        _select(
            view,
            f"SELECT {columns}, s.summary FROM {sql.rows} r "
            f"LEFT JOIN {sql.states} s ON s.key = r.state "
            f"ORDER BY {columns}, s.summary",
        )
    )


def _sortable(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple("" if value is None else value for value in row)


def _states(view: BitemporalView, generation: str) -> list[tuple[Any, ...]]:
    sql = view.sql(generation)
    return list(_select(view, f"SELECT key, summary FROM {sql.states} ORDER BY key, summary"))


def _scopes(view: BitemporalView, generation: str, *, spans: bool) -> list[list[tuple[Any, ...]]]:
    """The scopes' tables (spread, with their `spans` if asked, items, places), each in an
    order every column decides."""
    sql = view.sql(generation)
    flows = "scope, item, exporter, importer" + (", begins, ends" if spans else "")
    return [
        list(_select(view, f"SELECT {columns} FROM {table} ORDER BY {columns}"))
        for table, columns in (
            (sql.flows, flows),
            (sql.items, "scope, item"),
            (sql.places, "scope, exporter, importer"),
        )
    ]


def _positions(view: BitemporalView, generation: str, position: int) -> list[tuple[Any, ...]]:
    sql = view.sql(generation)
    return list(
        _select(
            view,
            f"SELECT position, recorded_at, record_type, subject FROM "
            f"{sql.log} WHERE position <= {sql.placeholder} ORDER BY position, recorded_at, "
            "record_type, subject",
            (position,),
        )
    )


def _codes(view: BitemporalView, generation: str, position: int) -> list[tuple[Any, ...]]:
    sql = view.sql(generation)
    return list(
        _select(
            view,
            f"SELECT code, measure, position, published_on FROM {sql.codes} WHERE position <= "
            f"{sql.placeholder} ORDER BY code, measure, position, published_on",
            (position,),
        )
    )


def _last_listed(view: BitemporalView, generation: str) -> int:
    listed = list(_select(view, f"SELECT MAX(position) FROM {view.sql(generation).log}"))
    return int(listed[0][0] or 0)

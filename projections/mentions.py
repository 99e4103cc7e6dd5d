"""Names a question asks about that no record mentions (docs/cli.md §4): a typo must never read as
"no control", so each is answered with a warning and the closest names the store knows; and
what the view's rows mention, which those warnings read."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from datetime import date
from itertools import product
from typing import TYPE_CHECKING

from domain.vocabulary import GROUPS
from projections.tables import EARLIER_KNOWLEDGE, LATEST_KNOWLEDGE, OPEN_POSITION

if TYPE_CHECKING:
    from projections.view import BitemporalView


def unmentioned(
    asked: Sequence[str], mentioned: Collection[str], known: Collection[str], what: str = "item"
) -> list[str]:
    """A warning for each asked name (a group counts as named when any member is) that no
    record mentions, with up to three close names from `known`."""
    warnings = []
    for name in dict.fromkeys(asked):
        members = GROUPS.get(name, (name,))
        if any(member in mentioned for member in members):
            continue
        if name in GROUPS:
            warnings.append(f"no record mentions any {what} of the group {name!r}")
            continue
        close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(other) for other in close)}?" if close else ""
        warnings.append(f"no record mentions {what} {name!r}{hint}")
    return warnings


def recorded(view: BitemporalView, generation: str, position: int, kind: str) -> list[str]:
    """The slugs of the subjects of `kind` (`group`, `party`) with a record at or before
    `position`."""
    with view.transaction(commit=False) as c:
        c.execute(
            f"SELECT DISTINCT subject FROM {view.sql(generation).log} "
            f"WHERE subject >= {view.p} AND subject < {view.p} AND position <= {view.p}",
            (f"{kind}:", f"{kind};", position),
        )
        return sorted(row["subject"].removeprefix(f"{kind}:") for row in c.fetchall())


def groups(view: BitemporalView, generation: str, position: int) -> list[str]:
    """The slugs of the groups with a record at or before `position`."""
    return recorded(view, generation, position, "group")


def items_mentioned(
    view: BitemporalView, generation: str, items: Sequence[str], position: int
) -> set[str]:
    """Which of `items` any segment recorded by `position` names (through the scopes' item
    indexes, then the segments' of each kind). A scope on every good (`*`) names none of them:
    it would make any misspelt item known."""
    sql = view.sql(generation)
    found: set[str] = set()
    with view.transaction(commit=False) as c:
        for item in items:
            if item in found:
                continue
            for scopes, believed in product(
                (sql.flows, sql.items),
                (
                    f"r.recorded_to = {OPEN_POSITION} AND r.{LATEST_KNOWLEDGE}",
                    f"r.recorded_to < {OPEN_POSITION} AND r.{LATEST_KNOWLEDGE}",
                    f"r.{EARLIER_KNOWLEDGE}",
                ),
            ):
                c.execute(
                    f"SELECT 1 AS found FROM {scopes} i CROSS JOIN {sql.rows} r "
                    f"WHERE i.item = {view.p} AND r.scope = i.scope AND "
                    f"{believed} AND r.recorded_from <= {view.p} LIMIT 1",
                    (item, position),
                )
                if c.fetchone() is not None:
                    found.add(item)
                    break
    return found & set(items)


def anything_known(
    view: BitemporalView,
    generation: str,
    items: Sequence[str],
    position: int,
    known: date,
    *,
    latest: bool,
) -> bool:
    """Whether any row about `items` (any item if none) believed at `position` was known
    at the end of day `known`: the first one found through the question's indexes."""
    statement, params = view.rows_statement(
        generation, None, position, items, None, None, latest=latest, known=known
    )
    with view.transaction(commit=False) as c:
        c.execute(f"SELECT 1 AS found FROM ({statement}) AS asked LIMIT 1", params)
        return c.fetchone() is not None


def first_published(
    view: BitemporalView, generation: str, items: Sequence[str], position: int
) -> date | None:
    """The earliest publication date of what the segments recorded by `position` say about
    `items` (any item if none): a scan of their segments, for a warning only."""
    p = view.p
    sql = view.sql(generation)
    # and measures on every good
    named = f" WHERE i.item IN ({', '.join([p] * len(items))}, '*')" if items else ""
    where = (
        f"r.recorded_from <= {p} AND (r.scope IN (SELECT i.scope FROM {sql.flows} i{named}) "
        f"OR r.scope IN (SELECT i.scope FROM {sql.items} i{named}))"
    )
    with view.transaction(commit=False) as c:
        c.execute(
            f"SELECT MIN(r.known_from) AS first FROM {sql.rows} r WHERE {where}",
            (position, *items, *items),
        )
        row = c.fetchone()
    return date.fromisoformat(row["first"]) if row and row["first"] else None


def all_items(view: BitemporalView, generation: str, position: int) -> set[str]:
    """Every item a segment recorded by `position` names (a scan: for suggestions only)."""
    sql = view.sql(generation)
    with view.transaction(commit=False) as c:
        c.execute(
            " UNION ".join(
                f"SELECT DISTINCT i.item FROM {scopes} i WHERE i.scope IN "
                f"(SELECT r.scope FROM {sql.rows} r WHERE r.recorded_from <= {view.p})"
                for scopes in (sql.flows, sql.items)
            ),
            (position, position),
        )
        return {row["item"] for row in c.fetchall()}

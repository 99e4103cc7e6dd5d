"""Country groups on a date (docs/output.md §10): JSON, CSV with a fixed header, or a
table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli.render.output import console, emit_json, reflected, table, text_cell, warn, write_csv
from domain.vocabulary import country_name
from projections.answers import GROUP_COLUMNS, GroupMembers

if TYPE_CHECKING:
    from projections.answers import MemberOf


def render_group(answer: GroupMembers | MemberOf, output_format: str) -> None:
    """A group's members, or a country's groups, on one date."""
    warn(answer.known)
    if output_format == "json":
        emit_json(answer.to_json())
        return
    rows = answer.rows()
    if output_format == "csv":
        write_csv(list(GROUP_COLUMNS), [[row[column] for column in GROUP_COLUMNS] for row in rows])
        return
    if isinstance(answer, GroupMembers):
        named = f"{answer.group}" + (f" — {answer.title}" if answer.title else "")
        title = f"Members of {named} on {answer.on} ({reflected(answer.known)})"
        empty = f"{answer.group} has no members on {answer.on} ({reflected(answer.known)})."
    else:
        title = f"Groups {answer.country} belongs to on {answer.on} ({reflected(answer.known)})"
        empty = f"{answer.country} belongs to no group on {answer.on} ({reflected(answer.known)})."
    if not rows:
        console().print(empty)
        return
    drawn = table(title, ("group", "country", "name", "since", "until", "document"))
    for row in rows:
        drawn.add_row(
            *map(
                text_cell,
                (
                    row["group"],
                    row["country"],
                    country_name(row["country"]),
                    row["since"],
                    row["until"],
                    row["document"],
                ),
            )
        )
    console().print(drawn)

"""The records themselves: the log (docs/output.md §5), `show` (§6) and `search` (§5), as
JSON Lines or JSON, as CSV, or as tables for people."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cli.render.output import (
    console,
    emit_json,
    escape_markup,
    reflected,
    table,
    text_cell,
    warn,
    write_csv,
)
from domain.controls import json_visible, visible

if TYPE_CHECKING:
    from domain.application import LoggedRecord
    from projections.answers import Found, Shown


def render_log(records: Iterable[LoggedRecord], output_format: str) -> None:
    """The raw log: JSON Lines in the append format, or a table."""
    if output_format == "jsonl":
        for logged in records:
            sys.stdout.write(json_visible(json.dumps(logged.record, ensure_ascii=False)) + "\n")
        return
    drawn = table("Log", ("position", "recorded at (UTC)", "type", "id", "valid date", "title"))
    for logged in records:
        record = logged.record
        drawn.add_row(
            *map(
                text_cell,
                (
                    str(logged.position),
                    logged.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
                    record["type"],
                    record.get("measure")
                    or record.get("action")
                    or (f"@{record['group']}" if "group" in record else ""),
                    record.get("effective_on") or record.get("occurred_on") or "",
                    record.get("title") or record.get("reason") or "",
                ),
            )
        )
    console().print(drawn)


def render_shown(shown: Shown, output_format: str) -> None:
    """The records about one id (or carrying one document), and those responding to it."""

    def listed(records: list[tuple[str, LoggedRecord]]) -> list[dict[str, Any]]:
        return [
            {
                "id": slug,
                "position": r.position,
                "recorded_at": r.recorded_at.isoformat(),
                "record": r.record,
            }
            for slug, r in records
        ]

    if output_format == "json":
        emit_json(
            {
                "id": shown.id,
                "document": shown.document,
                "records": listed(shown.records),
                "responded_to_by": listed(shown.responders),
                **({"listed_by": shown.listings} if shown.listings else {}),
            }
        )
        return
    out = console()
    if shown.document is not None:
        count = len(shown.records)
        out.print(
            f"{count} record{'s carry' if count != 1 else ' carries'} the document "
            f"{visible(repr(shown.document))}",
            highlight=False,
            markup=False,
        )
    for slug, logged in shown.records:
        recorded = logged.recorded_at.strftime("%Y-%m-%d %H:%M:%S")
        about = f"  {slug}" if shown.document is not None else ""
        out.print(
            f"[bold]#{logged.position}[/bold]  recorded {recorded} UTC  "
            f"{logged.record['type']}{escape_markup(visible(about))}",
            highlight=False,
        )
        buffer = io.StringIO()
        json.dump(
            {k: v for k, v in logged.record.items() if k != "type"},
            buffer,
            indent=2,
            ensure_ascii=False,
        )  # escapes C0 controls, but not DEL, C1 or bidi ones
        lines = buffer.getvalue().split("\n")  # the dump's own line breaks, none in strings
        out.print("\n".join(map(visible, lines)), highlight=False, markup=False)
    if shown.responders:
        drawn = table(
            f"Records that respond to {visible(shown.id or '')}",
            ["position", "id", "type", "date", "document"],
        )
        for slug, logged in shown.responders:
            record = logged.record
            drawn.add_row(
                *map(
                    text_cell,
                    (
                        str(logged.position),
                        slug,
                        record["type"],
                        record.get("effective_on") or record.get("occurred_on") or "",
                        record.get("document") or "",
                    ),
                )
            )
        out.print(drawn)
    if shown.listings:
        drawn = table(
            f"Measures that have named {visible(shown.id or '')}",
            ["measure", "kind", "status today", "document"],
        )
        for listing in shown.listings:
            drawn.add_row(
                *map(
                    text_cell,
                    (
                        listing["measure"],
                        listing["kind"],
                        listing["status_today"],
                        listing["document"] or "",
                    ),
                )
            )
        out.print(drawn)


_FOUND_COLUMNS = [
    "type",
    "id",
    "record",
    "position",
    "date",
    "issuer",
    "kind",
    "status",
    "document",
    "title",
]


def render_found(found: Found, output_format: str) -> None:
    """What a search found: one row per matching record."""
    warn(found.known)
    if output_format == "json":
        emit_json(found.to_json())
        return
    rows = [
        tuple(
            "" if value is None else str(value) for value in map(hit.to_json().get, _FOUND_COLUMNS)
        )
        for hit in found.hits
    ]
    if output_format == "csv":
        write_csv(_FOUND_COLUMNS, rows)
        return
    shown = [
        index for index, column in enumerate(_FOUND_COLUMNS) if column not in ("position", "title")
    ]
    columns = [_FOUND_COLUMNS[index] for index in shown]
    if found.hs is not None:
        columns.append("hs coverage")
    drawn = table(f"Found {len(rows)} (status on {found.on}; {reflected(found.known)})", columns)
    if found.hs is not None:
        described = found.hs["description"] or "no HS 2022 description"
        drawn.caption = f"HS {found.hs['code']}: {described}"
        drawn.caption_justify = "left"
    for hit, row in zip(found.hits, rows, strict=True):
        cells = [row[index] for index in shown]
        if found.hs is not None:
            cells.append(hit.hs_match["coverage"] if hit.hs_match else "")
        drawn.add_row(*map(text_cell, cells))
    if not rows and found.hs is not None:
        console().print(f"Nothing found. ({drawn.caption})")
        return
    console().print(drawn if rows else "Nothing found.")

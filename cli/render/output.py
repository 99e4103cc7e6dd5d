"""What every command writes with: the console, JSON, CSV, and the cells of tables for people.

Every text that comes from the store passes through `visible` on its way into a table or a
CSV cell: an older store may hold control characters that input now refuses (ESC sequences
that clear a screen or set the clipboard), and they must show as escapes, never reach a
terminal. JSON escapes them itself. `rich` is imported when a table is drawn: programs that
ask for JSON or CSV never load it.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from domain.controls import json_visible, visible
from domain.vocabulary import is_group, is_slug

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from projections.answers import Known

_LEVEL_STYLES = {
    "none": "dim",
    "monitoring": "cyan",
    "duty": "blue",
    "licence_required": "yellow",
    "tightened_review": "dark_orange",
    "quota": "magenta",
    "end_user_ban": "red",
    "ban": "bold red",
}


def console() -> Console:
    """A console on stdout; wide and plain when stdout is not a terminal."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console()
    return Console(width=200, no_color=True, highlight=False, soft_wrap=False)


def reflected(known: Known) -> str:
    """What an answer reflects, for its title: the knowledge asked and the log position."""
    described = known.knowledge.describe()
    return (
        f"{described}; log position {known.position}"
        if described
        else (f"log position {known.position}")
    )


def warn(known: Known) -> None:
    """An answer's warnings, one line each on stderr."""
    for warning in known.warnings:
        sys.stderr.write(f"regimes: warning: {warning}\n")


def emit_json(data: Any) -> None:
    """Writes JSON to stdout, one document, indented for reading (by orjson: a large answer
    takes the standard encoder, pure Python when indenting, seconds)."""
    sys.stdout.write(json_visible(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()) + "\n")


def write_csv(columns: list[str], rows: Iterable[Sequence[str]]) -> None:
    """CSV with a fixed header; every cell visible, so none holds a line break or a control
    character, and inert in a spreadsheet (docs/output.md §7)."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_inert(visible(cell)) for cell in row] for row in rows)


#: What a spreadsheet reads as the start of a formula (OWASP's "CSV injection"): `=`, `+`,
#: `-` and `@` (tab and carriage return never reach a cell: `visible` escapes them).
_FORMULA_STARTS = ("=", "+", "-", "@")


def _inert(cell: str) -> str:
    """The cell as a spreadsheet shows it as text: with `'` before a formula's first
    character (a document or title from a record, `=HYPERLINK(…)`), but for a country group
    (`@slug`: a spreadsheet has no formula of that form)."""
    if cell.startswith(_FORMULA_STARTS) and not (is_group(cell) and is_slug(cell[1:])):
        return "'" + cell
    return cell


def table(title: str, columns: Iterable[str], *, show_lines: bool = False) -> Table:
    """A table for people, with these columns."""
    from rich.table import Table

    drawn = Table(title=title, title_justify="left", show_lines=show_lines)
    for column in columns:
        drawn.add_column(column)
    return drawn


def level_cell(name: str) -> Text:
    """A level, in the colour of its severity."""
    from rich.text import Text

    return Text(name, style=_LEVEL_STYLES.get(name, ""))


def text_cell(value: str) -> Text:
    """A cell of text from the store, made visible."""
    from rich.text import Text

    return Text(visible(value))


def lines_cell(value: str) -> Text:
    """A cell whose text was already made visible (it may hold line breaks of its own)."""
    from rich.text import Text

    return Text(value)


def escape_markup(text: str) -> str:
    """Text printed with console markup, its brackets shown as they are."""
    from rich.markup import escape

    return escape(text)

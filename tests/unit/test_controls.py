"""Control characters: which ones text may not hold, and how output shows them (docs/records.md §2,
docs/output.md §9)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from domain.controls import NOTES_PATTERN, TEXT_PATTERN, first_forbidden, visible
from domain.records import ActionTakenRecord, parse_record
from tests.samples import action, follow_up, imposed
from tests.unit.test_records import LINE, rejection

#: Every character a text field refuses, by range.
REFUSED = [
    *map(chr, range(0x20)),
    *map(chr, range(0x7F, 0xA0)),
    "\u200b",
    *map(chr, range(0x2028, 0x202F)),
    *map(chr, range(0x2060, 0x2070)),
    "\ufeff",
    "\ufff9",
    "\ufffa",
    "\ufffb",
    *map(chr, range(0xE0000, 0xE0080)),
]
#: Characters real titles need, which look harmless on a terminal.
KEPT = [
    "é",
    "中",
    "ب",
    "ש",
    " ",
    "\u00a0",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u00ad",
    "—",
    "€",
    "😀",
    "\\",
]


@pytest.mark.parametrize("character", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_every_control_and_hiding_character_is_refused_and_shown_escaped(character: str) -> None:
    text = f"MOFCOM{character}No. 18"
    assert first_forbidden(text) is not None
    assert re.fullmatch(TEXT_PATTERN, text) is None
    shown = visible(text)
    assert character not in shown
    assert re.fullmatch(TEXT_PATTERN, shown)


@pytest.mark.parametrize("character", KEPT)
def test_printable_text_of_any_script_is_kept_as_it_is(character: str) -> None:
    text = f"MOFCOM{character}No. 18"
    assert first_forbidden(text) is None
    assert re.fullmatch(TEXT_PATTERN, text)
    assert visible(text) == text


def test_notes_may_hold_tabs_and_line_breaks_but_nothing_else() -> None:
    assert first_forbidden("a\tb\nc", notes=True) is None
    assert re.fullmatch(NOTES_PATTERN, "a\tb\nc")
    for character in "\r\x0b\x0c\x1b\x85\u2028":
        assert first_forbidden(f"a{character}b", notes=True) is not None
        assert re.fullmatch(NOTES_PATTERN, f"a{character}b") is None


def test_a_refusal_names_the_character_and_where_it_is() -> None:
    assert first_forbidden("No. 18\x1b[2J") == (
        "the control character U+001B (ESC) at character 7 is not allowed"
    )
    assert first_forbidden("a\tb") == (
        "the control character U+0009 (tab) at character 2 is "
        "not allowed; tabs and line breaks only in notes"
    )
    assert "U+202E (right-to-left override)" in (first_forbidden("\u202egpj.exe") or "")


def test_escapes_read_like_python_string_escapes() -> None:
    assert visible("\x1b]52;c;aGk=\x07") == "\\x1b]52;c;aGk=\\x07"
    assert visible("\x9b2J\x7f") == "\\x9b2J\\x7f"
    assert visible("a\u202eb\U000e0041") == "a\\u202eb\\U000e0041"
    assert visible("line\nbreak\ttab") == "line\\x0abreak\\x09tab"


# --- in records ------------------------------------------------------------------------------

#: Text that drives a terminal or hides what it says, one of each kind.
HOSTILE_TEXT = {
    "esc-screen-clear": "Licence\x1b[2J\x1b[H",
    "osc52-clipboard": "No. 18\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",
    "bel": "No. 18\x07",
    "nul": "No.\x0018",
    "del": "No. 18\x7f",
    "c1-csi": "No. 18\x9b2J",
    "c1-next-line": "No. 18\x85",
    "bidi-override": "Licence \u202egpj.exe",
    "bidi-isolate": "Licence \u2066x\u2069",
    "zero-width-space": "MOFCOM\u200b",
    "line-separator": "No.\u202818",
    "tag-character": "No. 18\U000e0041",
}

#: Every text field of every record type, as (a valid record with `value` there, its field).
TEXT_FIELDS: dict[str, Any] = {
    "title": lambda value: (imposed(title=value), "title"),
    "document": lambda value: (imposed(document=value), "document"),
    "notes": lambda value: (imposed(notes=value), "notes"),
    "source-title": lambda value: (imposed(sources=[{"title": value}]), "sources[0].title"),
    "source-url": lambda value: (
        imposed(sources=[{"title": "t", "url": f"https://example.org/{value}"}]),
        "sources[0].url",
    ),
    "action-title": lambda value: (action(title=value), "title"),
    "action-notes": lambda value: (action(notes=value), "notes"),
    "follow-up-document": lambda value: (
        follow_up("measure_lifted", effective_on="2025-05-01", document=value),
        "document",
    ),
    "follow-up-notes": lambda value: (
        follow_up("measure_suspended", effective_on="2025-05-01", notes=value),
        "notes",
    ),
    "retraction-reason": lambda value: (follow_up("measure_retracted", reason=value), "reason"),
    "corrected-title": lambda value: (
        follow_up("measure_corrected", fields={"title": value}, reason="r"),
        "fields",
    ),
}


@pytest.mark.parametrize("text", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
@pytest.mark.parametrize("where", TEXT_FIELDS.values(), ids=TEXT_FIELDS.keys())
def test_a_control_character_in_any_text_field_is_refused_naming_the_field(
    where: Any, text: str
) -> None:
    raw, field = where(text)
    errors = rejection(raw)
    assert [(error.line, error.field) for error in errors] == [(LINE, field)]
    assert "U+" in errors[0].message
    assert text not in errors[0].message


def test_every_refused_character_is_refused_by_the_record_models() -> None:
    for character in REFUSED:
        errors = rejection(imposed(title=f"a{character}b"))
        assert [error.field for error in errors] == ["title"], repr(character)


def test_notes_keep_tabs_and_line_breaks_that_titles_refuse() -> None:
    record = parse_record(action(notes="first\tline\nsecond line"), LINE)
    assert isinstance(record, ActionTakenRecord)
    assert record.notes == "first\tline\nsecond line"
    assert [error.field for error in rejection(action(title="first\nsecond"))] == ["title"]
    assert [error.field for error in rejection(imposed(document="a\tb"))] == ["document"]
    assert [error.field for error in rejection(action(notes="a\r\nb"))] == ["notes"]


def test_titles_in_any_script_with_their_joiners_and_direction_marks_are_kept() -> None:
    title = (
        "\u0627\u0644\u0635\u064a\u0646 \u200f(MOFCOM)\u200f "
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 — 中国商务部 é"
    )
    record = parse_record(action(title=title), LINE)
    assert isinstance(record, ActionTakenRecord)
    assert record.title == title


def test_an_unknown_field_named_with_control_characters_is_named_escaped() -> None:
    errors = rejection({**imposed(), "\x1b]0;owned\x07": 1})
    assert [error.field for error in errors] == ["'\\x1b]0;owned\\x07'"]
    errors = rejection(follow_up("measure_corrected", fields={"\x1b[2J": 1}, reason="r"))
    assert "\x1b" not in errors[0].message

"""Control characters in text: which ones a record may not hold, and how output shows them.

A title or document is printed to analysts' terminals and opened in spreadsheets, so it must not
be able to drive the terminal (ESC and C1 sequences clear screens, write hyperlinks, or set the
clipboard through OSC 52), nor disguise what it says. Refused in every text field:

- C0 controls U+0000-U+001F (tab and newline are allowed in `notes` only), DEL U+007F and the
  C1 controls U+0080-U+009F (U+009B is a one-byte CSI on terminals that honour C1);
- the invisible characters that reorder or hide text ("Trojan Source"): bidi embeddings,
  overrides and isolates (U+202A-U+202E, U+2066-U+2069), zero-width space U+200B, the word
  joiner and invisible operators U+2060-U+206F, the line and paragraph separators U+2028 and
  U+2029 (line breaks in disguise), the byte-order mark U+FEFF, interlinear annotations
  U+FFF9-U+FFFB, and tag characters U+E0000-U+E007F (text that is there but never shown).

Kept, because real titles in Persian, Arabic, Hebrew and Indic scripts need them and they
cannot reorder or hide text: the joiners U+200C/U+200D and the direction marks U+200E/U+200F
and U+061C.

Output applies `visible` to every text from the store, so that what an older store holds
(written before these rules) shows as an escape such as `\\x1b` and never reaches a terminal.
"""

from __future__ import annotations

import re

_FORMAT = r"\u200b\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
#: Characters no text field holds, as a regex class body (the Rust and Python engines agree).
FORBIDDEN = r"\x00-\x1f\x7f-\x9f" + _FORMAT
#: The same for `notes`, which may hold tabs and line breaks.
FORBIDDEN_IN_NOTES = r"\x00-\x08\x0b-\x1f\x7f-\x9f" + _FORMAT

#: A one-line text field holding none of them (pydantic checks it in Rust: the append path
#: validates hundreds of thousands of titles, and a Python validator per field costs).
TEXT_PATTERN = rf"^[^{FORBIDDEN}]*$"
#: `notes`: several lines allowed.
NOTES_PATTERN = rf"^[^{FORBIDDEN_IN_NOTES}]*$"

_ANY = re.compile(f"[{FORBIDDEN}]")
_NAMES = {
    0x00: "NUL",
    0x07: "BEL",
    0x08: "backspace",
    0x09: "tab",
    0x0A: "line feed",
    0x0D: "carriage return",
    0x1B: "ESC",
    0x7F: "DEL",
    0x9B: "CSI",
    0x9D: "OSC",
    0x202E: "right-to-left override",
    0x200B: "zero-width space",
    0x2028: "line separator",
    0xFEFF: "byte-order mark",
}


def first_forbidden(text: str, *, notes: bool = False) -> str | None:
    """Why `text` may not be stored (its first forbidden character, where), or None."""
    for index, character in enumerate(text):
        if _ANY.match(character) and not (notes and character in "\t\n"):
            code = ord(character)
            name = _NAMES.get(code)
            kind = "control character" if code < 0xA0 else "invisible formatting character"
            called = f" ({name})" if name else ""
            return f"the {kind} U+{code:04X}{called} at character {index + 1} is not allowed" + (
                "; tabs and line breaks only in notes" if character in "\t\n" else ""
            )
    return None


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every control and invisible formatting character written as an escape
    (`\\x1b`, `\\u202e`), so that printing it can neither drive a terminal nor hide text."""
    return _ANY.sub(_escaped, text) if _ANY.search(text) else text


def _json_escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: JSON writes a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


#: What JSON encoders leave raw in strings (they escape C0 controls, and C0 outside strings is
#: the document's own layout).
_RAW_IN_JSON = re.compile(rf"[\x7f-\x9f{_FORMAT}]")


def json_visible(document: str) -> str:
    """A JSON text with every control and invisible formatting character that its encoder
    left raw (DEL, C1 controls, bidi and zero-width characters) written as a `\\uXXXX` escape:
    the same JSON once parsed, harmless on a terminal. Such characters only ever stand inside
    JSON strings, where an escape means the character itself."""
    return _RAW_IN_JSON.sub(_json_escaped, document) if _RAW_IN_JSON.search(document) else document


#: A source URL: http(s), no spaces and none of the forbidden characters.
URL_PATTERN = rf"^https?://[^\s{FORBIDDEN}]+$"

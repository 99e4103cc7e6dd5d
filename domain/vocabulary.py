"""The words of the domain: elements, countries, measure kinds, levels and certainty."""

from __future__ import annotations

import importlib.util
import re
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import orjson

#: Every element of the periodic table, in atomic-number order (case-exact symbols).
ELEMENTS: tuple[str, ...] = tuple(
    """H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge
    As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm
    Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U
    Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og""".split()  # noqa: SIM905
)
_ELEMENT_SET = frozenset(ELEMENTS)

#: Named groups of elements that expand on input and in queries.
GROUPS: dict[str, tuple[str, ...]] = {
    "REE": ("Sc", "Y", *ELEMENTS[ELEMENTS.index("La") : ELEMENTS.index("Lu") + 1]),
}

#: Slugs name measures, actions and products: lower case, digits, dots and hyphens.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9.-]*$"
SLUG_MAX_LENGTH = 100
_SLUG = re.compile(SLUG_PATTERN)

#: Every country, in record fields that name destinations, origins or counterparts; every
#: good, in a measure's items.
WORLDWIDE = "*"
#: A country group is named `@slug` where a country is expected (docs/records.md).
GROUP_MARK = "@"

Direction = Literal["export", "import"]
Certainty = Literal["in_force", "de_facto", "reported"]
MeasureKind = Literal[
    "general_licence",
    "anti_dumping_investigation",
    "reporting_requirement",
    "anti_dumping_duty",
    "export_tax",
    "tariff",
    "licence_requirement",
    "tightened_licence_review",
    "export_quota",
    "import_quota",
    "export_ban",
    "import_ban",
    "de_facto_embargo",
    "technology_export_ban",
]
MEASURE_KINDS: tuple[str, ...] = get_args(MeasureKind)


class Level(IntEnum):
    """How tightly a flow is controlled, ordered from low to high."""

    none = 0
    monitoring = 1
    duty = 2
    licence_required = 3
    tightened_review = 4
    quota = 5
    end_user_ban = 6
    ban = 7


_LEVEL_OF_KIND: dict[str, Level] = {
    "general_licence": Level.none,
    "anti_dumping_investigation": Level.monitoring,
    "reporting_requirement": Level.monitoring,
    "anti_dumping_duty": Level.duty,
    "export_tax": Level.duty,
    "tariff": Level.duty,
    "licence_requirement": Level.licence_required,
    "tightened_licence_review": Level.tightened_review,
    "export_quota": Level.quota,
    "import_quota": Level.quota,
    "export_ban": Level.ban,
    "import_ban": Level.ban,
    "de_facto_embargo": Level.ban,
    "technology_export_ban": Level.ban,
}
_END_USER_KINDS = frozenset({"export_ban", "import_ban"})


def level_of(kind: str, end_users: str | None) -> Level:
    """The level a measure of this kind sets on a flow while it is in force."""
    if end_users and kind in _END_USER_KINDS:
        return Level.end_user_ban
    return _LEVEL_OF_KIND[kind]


def is_element(symbol: str) -> bool:
    """True for a case-exact symbol of the periodic table."""
    return symbol in _ELEMENT_SET


def is_slug(text: str) -> bool:
    """True for a valid id or product slug."""
    return len(text) <= SLUG_MAX_LENGTH and _SLUG.fullmatch(text) is not None


def check_item(item: str) -> str:
    """An item a measure names: a named item, or `*` (every good)."""
    if item == WORLDWIDE:
        return item
    return check_named_item(item)


def check_element(symbol: str) -> str:
    """An element symbol (case-exact) or a group of them such as REE, else ValueError."""
    if is_element(symbol) or symbol in GROUPS:
        return symbol
    hint = ""
    for spelling in (symbol.capitalize(), symbol.upper()):
        if spelling in _ELEMENT_SET or spelling in GROUPS:
            hint = f" (symbols are case-exact: {spelling})"
            break
    raise ValueError(
        f"{symbol[:40]!r} is not an element symbol or a group ({', '.join(GROUPS)}){hint}"
    )


def check_named_item(item: str) -> str:
    """An element symbol or a product slug, else ValueError."""
    if is_element(item) or item in GROUPS:
        return item
    for spelling in (item.capitalize(), item.upper()):
        if spelling in _ELEMENT_SET or spelling in GROUPS:
            raise ValueError(
                f"unknown item {item[:40]!r}: symbols and groups are case-exact "
                f"(did you mean {spelling!r}?)"
            )
    if is_slug(item):
        return item
    raise ValueError(
        f"unknown item {item[:40]!r}: not an element symbol, a group ({', '.join(GROUPS)}) "
        "or a product slug [a-z0-9][a-z0-9.-]*"
    )


def expand_items(items: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Items with groups replaced by their elements, duplicates dropped, order kept."""
    expanded: dict[str, None] = {}
    for item in items:
        for member in GROUPS.get(item, (item,)):
            expanded[member] = None
    return tuple(expanded)


@cache
def _countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes and short names, from pycountry's own database file.

    Read directly: importing pycountry costs a command tens of milliseconds at start-up.
    """
    spec = importlib.util.find_spec("pycountry")
    folders = spec.submodule_search_locations if spec else None
    database = Path(folders[0]) / "databases" / "iso3166-1.json" if folders else None
    if database is None or not database.exists():  # a pycountry that keeps its data elsewhere
        import pycountry

        return {country.alpha_2: str(country.name) for country in pycountry.countries}
    entries = orjson.loads(database.read_bytes())["3166-1"]
    return {entry["alpha_2"]: entry["name"] for entry in entries}


def _country_codes() -> dict[str, str]:
    return _countries()


def check_country(code: str, *, worldwide: bool = True) -> str:
    """An ISO 3166-1 alpha-2 code in upper case (or `*` where allowed), else ValueError."""
    if code == WORLDWIDE:
        if worldwide:
            return code
        raise ValueError("'*' (every country) is not allowed here: give one country code")
    if code in _country_codes():
        return code
    if code.upper() in _country_codes():
        raise ValueError(f"country code {code!r} must be upper case: {code.upper()!r}")
    raise ValueError(f"unknown country code {code[:20]!r} (ISO 3166-1 alpha-2, or '*')")


def is_group(place: str) -> bool:
    """Whether a place names a country group (`@slug`)."""
    return place.startswith(GROUP_MARK)


def check_place(code: str, *, worldwide: bool = True) -> str:
    """A country (`check_country`) or a group named `@slug`, else ValueError."""
    if is_group(code):
        if not is_slug(code[1:]):
            raise ValueError(
                f"{code[:40]!r} is no group name: '@' and a slug (lower case, digits, '.', '-')"
            )
        return code
    return check_country(code, worldwide=worldwide)


def country_name(code: str) -> str:
    """The country's short name, or 'every country' for `*`."""
    if code == WORLDWIDE:
        return "every country"
    return _countries().get(code, code)

"""Click parameter types for the domain's values; bad values exit with status 2."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from domain.errors import QuestionError
from domain.vocabulary import (
    MEASURE_KINDS,
    check_country,
    check_element,
    check_item,
    check_place,
    is_slug,
)
from projections.answers import RecordTime
from regimes.asking import MAX_POSITION as MAX_POSITION
from regimes.asking import day_of, hs_asked, kind_asked, record_time
from store.chain import Digest


class DateParam(click.ParamType[date, Any]):
    """A calendar date, YYYY-MM-DD."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return day_of(value)  # the check the Python API makes
        except ValueError as error:
            self.fail(str(error), param, ctx)


class PositionOrMoment(click.ParamType[int | datetime, Any]):
    """A log position (a whole number) or a record time."""

    name = "N|DATETIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | datetime:
        if isinstance(value, int | datetime):
            return value
        if value.isdigit():
            position = int(value)
            if position > MAX_POSITION:
                self.fail(f"{value} is past any log position", param, ctx)
            return position
        try:
            moment = None if value.startswith("#") else record_time(value)
        except ValueError:
            moment = None
        if not isinstance(moment, datetime):
            self.fail(f"{value!r} is not a date or an ISO date-time (UTC) in range", param, ctx)
        return moment


class KnownDayParam(DateParam):
    """A publication day (`--known-at`): a date, not a moment of record time."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, str) and len(value) > 10:
            self.fail(
                f"{value!r} is not a date YYYY-MM-DD: --known-at asks what the world knew by "
                "the end of a day (publication time); for a moment of record time use "
                "--recorded-at",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


class RecordTimeParam(click.ParamType[RecordTime, Any]):
    """A record time (`--recorded-at`): a UTC date-time, a date meaning its end, or `#N`."""

    name = "DATETIME|#N"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> RecordTime:
        if isinstance(value, int | datetime):
            return value
        try:
            return record_time(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class ElementParam(click.ParamType[str, Any]):
    """An element symbol (case-exact) or a group such as REE."""

    name = "SYM|GROUP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_element(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class ItemParam(click.ParamType[str, Any]):
    """A product slug or element symbol, or `*`: the flows of measures on every good alone
    (docs/vocabulary.md §1)."""

    name = "SLUG"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_item(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class CountryParam(click.ParamType[str, Any]):
    """An ISO 3166-1 alpha-2 country code in upper case, or `*`."""

    name = "CC"

    def __init__(self, *, worldwide: bool = True) -> None:
        self.worldwide = worldwide

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_country(value, worldwide=self.worldwide)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class PlaceParam(click.ParamType[str, Any]):
    """A country (ISO 3166-1 alpha-2, upper case), `*`, or a country group `@slug`."""

    name = "CC|@GROUP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_place(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class HsParam(click.ParamType[str, Any]):
    """An HS code asked about: 2 to 10 digits, dots and spaces dropped."""

    name = "HS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return hs_asked(str(value))  # the check the Python API makes
        except QuestionError as error:
            self.fail(str(error).removeprefix("hs: "), param, ctx)


class GroupParam(click.ParamType[str, Any]):
    """A country group, `@slug`."""

    name = "@GROUP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if not (isinstance(value, str) and value.startswith("@") and is_slug(value[1:])):
            self.fail(f"{value!r} is not a group: @ and a slug [a-z0-9][a-z0-9.-]*", param, ctx)
        return value


class KindParam(click.ParamType[str, Any]):
    """A measure kind or an action kind: lower-case words joined by underscores."""

    name = "KIND"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return kind_asked(value)  # the check the Python API makes
        except ValueError:
            self.fail(
                f"{value!r} is not a kind (lower case, words joined by _: "
                f"{', '.join(MEASURE_KINDS[:3])}, …)",
                param,
                ctx,
            )


class DigestParam(click.ParamType[Digest, Any]):
    """A log digest, HASH@POSITION or content:HASH@N, as `regimes digest` prints it."""

    name = "[content:]HASH@N"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Digest:
        if isinstance(value, Digest):
            return value
        try:
            return Digest.parse(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


DATE = DateParam()
DIGEST = DigestParam()
POSITION_OR_MOMENT = PositionOrMoment()
KNOWN_DAY = KnownDayParam()
GROUP = GroupParam()
RECORD_TIME = RecordTimeParam()
ELEMENT = ElementParam()
ITEM = ItemParam()
KIND = KindParam()
COUNTRY = CountryParam()
PLACE = PlaceParam()
HS = HsParam()
ONE_COUNTRY = CountryParam(worldwide=False)

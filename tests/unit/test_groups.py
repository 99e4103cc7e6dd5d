"""Country groups (docs/time.md §5, docs/records.md §3-§5): membership over valid time, as
known and as recorded, and the records the append refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.application import Regimes
from domain.errors import BatchRejected
from projections.answers import NO_FILTER, Knowledge
from projections.queries import RegimeReader, UnknownId
from tests.samples import RECORDED_AT, SOURCE, batch

Record = dict[str, Any]


def defined(members: list[str], effective_on: str = "2004-01-01", **fields: Any) -> Record:
    return {
        "type": "group_defined",
        "group": "jp-group-a",
        "title": "Group A",
        "issuer": "JP",
        "members": members,
        "effective_on": effective_on,
        "sources": [SOURCE],
        **fields,
    }


def changed(effective_on: str, **fields: Any) -> Record:
    return {
        "type": "group_changed",
        "group": "jp-group-a",
        "effective_on": effective_on,
        "sources": [SOURCE],
        **fields,
    }


KOREA_OUT = changed(
    "2019-08-28", removed=["KR"], announced_on="2019-08-02", document="Cabinet Order 2019"
)
KOREA_BACK = changed("2023-07-21", added=["KR"], announced_on="2023-06-27", document="Order 2023")
GROUP_A = [defined(["KR", "US", "GB"], document="Order 2004"), KOREA_OUT, KOREA_BACK]


def members(app: Regimes, day: str, knowledge: Knowledge = NO_FILTER) -> dict[str, Any]:
    answer = RegimeReader(app).group("jp-group-a", date.fromisoformat(day), knowledge)
    return {held.country: (held.since.isoformat(), held.document) for held in answer.members}


#: day asked: members then, each with the day and document that made it one.
ON: dict[str, dict[str, tuple[str, str | None]]] = {
    "2003-12-31": {},
    "2004-01-01": {
        "GB": ("2004-01-01", "Order 2004"),
        "KR": ("2004-01-01", "Order 2004"),
        "US": ("2004-01-01", "Order 2004"),
    },
    "2019-08-27": {
        "GB": ("2004-01-01", "Order 2004"),
        "KR": ("2004-01-01", "Order 2004"),
        "US": ("2004-01-01", "Order 2004"),
    },
    "2019-08-28": {"GB": ("2004-01-01", "Order 2004"), "US": ("2004-01-01", "Order 2004")},
    "2023-07-20": {"GB": ("2004-01-01", "Order 2004"), "US": ("2004-01-01", "Order 2004")},
    "2023-07-21": {
        "GB": ("2004-01-01", "Order 2004"),
        "KR": ("2023-07-21", "Order 2023"),
        "US": ("2004-01-01", "Order 2004"),
    },
}


@pytest.mark.parametrize(("day", "expected"), ON.items(), ids=list(ON))
def test_a_member_on_a_day_is_named_with_the_record_that_made_it_one(
    sqlite_app: Regimes, day: str, expected: dict[str, tuple[str, str | None]]
) -> None:
    sqlite_app.append(batch(*GROUP_A), RECORDED_AT)
    assert members(sqlite_app, day) == expected


def test_a_country_s_groups_on_a_day(sqlite_app: Regimes) -> None:
    other = {**defined(["KR"], "2010-01-01"), "group": "other", "issuer": None}
    sqlite_app.append(batch(*GROUP_A, other), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    on = {
        day: [held.group for held in reader.groups_of("KR", date.fromisoformat(day)).groups]
        for day in ("2009-01-01", "2020-06-01", "2023-08-01")
    }
    assert on == {
        "2009-01-01": ["@jp-group-a"],
        "2020-06-01": ["@other"],
        "2023-08-01": ["@jp-group-a", "@other"],
    }


def test_a_removal_known_only_from_its_announcement(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*GROUP_A), RECORDED_AT)
    before = members(sqlite_app, "2019-09-01", Knowledge(date(2019, 8, 1)))
    announced = members(sqlite_app, "2019-09-01", Knowledge(date(2019, 8, 2)))
    assert "KR" in before
    assert "KR" not in announced


def test_a_later_snapshot_corrects_a_mistaken_one_from_its_position_on(
    sqlite_app: Regimes,
) -> None:
    first, fixed = RECORDED_AT, datetime(2026, 2, 1, tzinfo=UTC)
    sqlite_app.append(batch(defined(["KR", "US", "CN"])), first)  # CN: a mistake
    sqlite_app.append(batch(defined(["KR", "US"])), fixed)
    assert sorted(members(sqlite_app, "2010-01-01")) == ["KR", "US"]
    believed = members(sqlite_app, "2010-01-01", Knowledge(recorded_at=first))
    assert sorted(believed) == ["CN", "KR", "US"]


def test_a_change_recorded_later_than_its_effect_lands_in_valid_time(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(defined(["KR", "US"]), KOREA_BACK), RECORDED_AT)
    sqlite_app.append(batch(KOREA_OUT), datetime(2026, 2, 1, tzinfo=UTC))
    assert "KR" not in members(sqlite_app, "2020-06-01")
    assert "KR" in members(sqlite_app, "2024-01-01")


def test_the_same_records_again_append_nothing(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*GROUP_A), RECORDED_AT)
    assert sqlite_app.append(batch(*GROUP_A), RECORDED_AT).appended == 0


REFUSED: dict[str, tuple[list[Record], str]] = {
    "a-country-added-twice": (
        [defined(["US"]), changed("2019-08-28", added=["KR", "KR"])],
        "line 2: added: KR listed twice in added",
    ),
    "every-country-as-a-member": (
        [defined(["*"])],
        "line 1: members[0]: a group's members are countries, not groups ('*')",
    ),
    "removing-a-country-that-is-not-a-member": (
        [defined(["US"]), changed("2019-08-28", removed=["KR"])],
        "line 2: removed: KR not a member of @jp-group-a on 2019-08-28",
    ),
    "a-change-to-an-unknown-group": (
        [changed("2019-08-28", removed=["KR"])],
        "line 1: group: unknown group '@jp-group-a': define it first (group_defined)",
    ),
}


@pytest.mark.parametrize(("records", "message"), REFUSED.values(), ids=list(REFUSED))
def test_a_group_record_breaking_a_rule_is_refused_and_nothing_written(
    sqlite_app: Regimes, records: list[Record], message: str
) -> None:
    with pytest.raises(BatchRejected) as refused:
        sqlite_app.append(batch(*records), RECORDED_AT)
    assert [str(error) for error in refused.value.errors] == [message]
    assert sqlite_app.last_position() == 0


def test_an_unknown_group_is_a_clear_error(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*GROUP_A), RECORDED_AT)
    reader = RegimeReader(sqlite_app)
    with pytest.raises(UnknownId, match="no group is called '@nothing'"):
        reader.group("nothing", date(2020, 1, 1))
    with pytest.raises(UnknownId, match="no group is called '@nothing'"):
        reader.show("@nothing")


def test_a_group_answer_warns_of_its_own_records_only(sqlite_app: Regimes) -> None:
    from tests.samples import imposed

    sqlite_app.append(batch(imposed(), *GROUP_A), RECORDED_AT)  # a measure published 2025
    reader = RegimeReader(sqlite_app)
    known = reader.group("jp-group-a", date(2010, 1, 1), Knowledge(date(2010, 1, 1))).known
    assert known.warnings == []
    early = reader.group("jp-group-a", date(2003, 1, 1), Knowledge(date(2003, 1, 1)))
    assert early.members == []
    assert early.known.warnings == [
        "nothing of '@jp-group-a' passes the knowledge filters asked: no members"
    ]


def test_a_group_s_records_are_shown_in_log_order(sqlite_app: Regimes) -> None:
    sqlite_app.append(batch(*GROUP_A), RECORDED_AT)
    shown = RegimeReader(sqlite_app).show("@jp-group-a")
    assert [record.record["type"] for _, record in shown.records] == [
        "group_defined",
        "group_changed",
        "group_changed",
    ]

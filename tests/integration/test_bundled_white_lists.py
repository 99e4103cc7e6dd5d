"""The bundled white lists (regimes/bundled/white-lists.yaml) and the groups they sit beside:
answers pinned on the day before, the day of and the day after each membership change and each
boundary of South Korea's 2019 measure on Japan."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commands import answered, invoke


@pytest.fixture(scope="module")
def store(bundled_module_store: str) -> str:
    return bundled_module_store


def members(store: str, group: str, day: str, *knowledge: str) -> set[str]:
    found = answered(store, "group", group, "--on", day, *knowledge)
    return {member["country"] for member in found["members"]}


MEMBERSHIPS = [
    # group, country, day, member?
    # South Korea's region 'Ga': Japan out on 2019-09-18, back on 2023-04-24
    ("@kr-ga", "JP", "2019-07-11", False),  # before the earliest source: a gap, said in notes
    ("@kr-ga", "JP", "2019-07-12", True),
    ("@kr-ga", "JP", "2019-09-17", True),
    ("@kr-ga", "JP", "2019-09-18", False),
    ("@kr-ga", "JP", "2019-09-19", False),
    ("@kr-ga", "JP", "2023-04-23", False),
    ("@kr-ga", "JP", "2023-04-24", True),
    ("@kr-ga", "JP", "2023-04-25", True),
    # 'Ga-2', Japan's region in between
    ("@kr-ga-2", "JP", "2019-09-17", False),
    ("@kr-ga-2", "JP", "2019-09-18", True),
    ("@kr-ga-2", "JP", "2019-09-19", True),
    ("@kr-ga-2", "JP", "2023-04-23", True),
    ("@kr-ga-2", "JP", "2023-04-24", False),
    ("@kr-ga-2", "JP", "2023-04-25", False),
    # Japan's Group A (groups.yaml): Korea out on 2019-08-28, back on 2023-07-21
    ("@jp-group-a", "KR", "2019-08-27", True),
    ("@jp-group-a", "KR", "2019-08-28", False),
    ("@jp-group-a", "KR", "2019-08-29", False),
    ("@jp-group-a", "KR", "2023-07-20", False),
    ("@jp-group-a", "KR", "2023-07-21", True),
    ("@jp-group-a", "KR", "2023-07-22", True),
    # the EU (groups.yaml): the United Kingdom out on 2020-02-01
    ("@eu", "GB", "2020-01-31", True),
    ("@eu", "GB", "2020-02-01", False),
    ("@eu", "GB", "2020-02-02", False),
    ("@eu", "GB", "2020-06-01", False),
    # Wassenaar
    ("@wassenaar", "RU", "1996-07-11", False),
    ("@wassenaar", "RU", "1996-07-12", True),
    ("@wassenaar", "RU", "2026-01-01", True),  # never removed
    ("@wassenaar", "SI", "2004-12-08", False),
    ("@wassenaar", "SI", "2004-12-09", True),
    ("@wassenaar", "HR", "2005-06-29", False),
    ("@wassenaar", "HR", "2005-06-30", True),
    ("@wassenaar", "HR", "2005-07-01", True),
    ("@wassenaar", "MT", "2005-12-12", False),
    ("@wassenaar", "MT", "2005-12-13", True),
    ("@wassenaar", "ZA", "2006-02-27", False),
    ("@wassenaar", "ZA", "2006-02-28", True),
    ("@wassenaar", "ZA", "2006-03-01", True),
    ("@wassenaar", "MX", "2012-01-24", False),
    ("@wassenaar", "MX", "2012-01-25", True),
    ("@wassenaar", "MX", "2012-01-26", True),
    ("@wassenaar", "IN", "2017-12-07", False),
    ("@wassenaar", "IN", "2017-12-08", True),
    ("@wassenaar", "IN", "2017-12-09", True),
    # US EAR A:5 and A:6: India moved on 2018-08-03; Mexico and Cyprus into A:6 on 2020-12-28
    ("@us-ear-a5", "IN", "2018-08-02", False),
    ("@us-ear-a5", "IN", "2018-08-03", True),
    ("@us-ear-a5", "IN", "2018-08-04", True),
    ("@us-ear-a6", "IN", "2018-08-02", True),
    ("@us-ear-a6", "IN", "2018-08-03", False),
    ("@us-ear-a6", "IN", "2018-08-04", False),
    ("@us-ear-a6", "MX", "2020-12-27", False),
    ("@us-ear-a6", "MX", "2020-12-28", True),
    ("@us-ear-a6", "CY", "2020-12-29", True),
    ("@us-ear-a6", "HK", "2015-01-01", False),  # inferred by the research only: left out
    ("@us-ear-a5", "JP", "2011-06-15", False),
    ("@us-ear-a5", "JP", "2011-06-16", True),
]


@pytest.mark.parametrize(("group", "country", "day", "member"), MEMBERSHIPS)
def test_membership_on_each_side_of_a_change(
    store: str, group: str, country: str, day: str, member: bool
) -> None:
    assert (country in members(store, group, day)) is member


def test_group_sizes_and_until(store: str) -> None:
    assert len(members(store, "@wassenaar", "1996-07-12")) == 33
    assert len(members(store, "@wassenaar", "2006-02-28")) == 40
    assert len(members(store, "@wassenaar", "2018-01-01")) == 42
    assert len(members(store, "@us-ear-a5", "2018-08-02")) == 36
    assert len(members(store, "@us-ear-a5", "2026-06-20")) == 37
    assert len(members(store, "@us-ear-a6", "2021-01-01")) == 8
    assert members(store, "@kr-ga-2", "2023-04-24") == set()
    [japan] = answered(store, "group", "@kr-ga-2", "--on", "2020-01-01")["members"]
    assert (japan["since"], japan["until"]) == ("2019-09-18", "2023-04-24")
    [japan] = answered(store, "group", "@kr-ga", "--on", "2024-01-01")["members"]
    assert (japan["since"], japan["until"]) == ("2023-04-24", None)


def test_the_groups_japan_belongs_to_while_out_of_korea_s_ga(store: str) -> None:
    found = answered(store, "group", "--member", "JP", "--on", "2019-09-18")
    assert {g["group"] for g in found["groups"]} == {"@kr-ga-2", "@us-ear-a5", "@wassenaar"}
    found = answered(store, "group", "--member", "JP", "--on", "2019-09-17")
    assert {g["group"] for g in found["groups"]} == {"@kr-ga", "@us-ear-a5", "@wassenaar"}


def test_korea_s_removal_as_the_world_knew_it(store: str) -> None:
    """Announced on 2019-08-12: known the day before, Japan stays in 'Ga' with no end."""
    assert "JP" in members(store, "@kr-ga", "2019-09-20", "--known-at", "2019-08-11")
    assert "JP" not in members(store, "@kr-ga", "2019-09-20", "--known-at", "2019-08-12")
    [japan] = answered(store, "group", "@kr-ga", "--on", "2019-08-01", "--known-at", "2019-08-11")[
        "members"
    ]
    assert japan["until"] is None


def flow(store: str, item: str, exporter: str, importer: str, day: str, *more: str) -> Any:
    found = answered(
        store, "as-of", day, "--item", item, "--from", exporter, "--to", importer, *more
    )
    [one] = found["flows"]
    return one


KR_JP = [
    # day, level, in force, pending, lifting scheduled
    ("2019-08-11", "none", [], [], False),
    ("2019-08-12", "none", [], ["kr-2019-jp-whitelist-removal"], False),
    ("2019-08-13", "none", [], ["kr-2019-jp-whitelist-removal"], False),
    ("2019-09-17", "none", [], ["kr-2019-jp-whitelist-removal"], False),
    ("2019-09-18", "tightened_review", ["kr-2019-jp-whitelist-removal"], [], False),
    ("2019-09-19", "tightened_review", ["kr-2019-jp-whitelist-removal"], [], False),
    ("2023-04-20", "tightened_review", ["kr-2019-jp-whitelist-removal"], [], False),
    ("2023-04-21", "tightened_review", ["kr-2019-jp-whitelist-removal"], [], True),
    ("2023-04-23", "tightened_review", ["kr-2019-jp-whitelist-removal"], [], True),
    ("2023-04-24", "none", [], [], False),
    ("2023-04-25", "none", [], [], False),
]


@pytest.mark.parametrize(("day", "level", "in_force", "pending", "scheduled"), KR_JP)
def test_dual_use_items_from_korea_to_japan(
    store: str, day: str, level: str, in_force: list[str], pending: list[str], scheduled: bool
) -> None:
    found = flow(store, "dual-use-items", "KR", "JP", day)
    assert found["level"] == level
    assert [s["measure"] for s in found["in_force"]] == in_force
    assert [s["measure"] for s in found["pending"]] == pending
    lifting = [c for s in found["in_force"] for c in s["scheduled"] if c["type"] == "lifted"]
    assert bool(lifting) is scheduled


@pytest.mark.parametrize(
    ("day", "level"),
    [
        ("2019-08-27", "none"),
        ("2019-08-28", "tightened_review"),
        ("2019-08-29", "tightened_review"),
        ("2023-07-20", "tightened_review"),
        ("2023-07-21", "none"),
        ("2023-07-22", "none"),
    ],
)
def test_dual_use_items_from_japan_to_korea(store: str, day: str, level: str) -> None:
    assert flow(store, "dual-use-items", "JP", "KR", day)["level"] == level


def test_chip_equipment_to_korea_is_exempt_through_group_a_once_its_return_was_published(
    store: str,
) -> None:
    """jp-meti-2023-sme-controls leaves out @jp-group-a: Korea is exempt on 2023-07-24, but
    known at 2023-06-26, before the cabinet approved its return, it was not."""
    item = "semiconductor-manufacturing-equipment"
    after = flow(store, item, "JP", "KR", "2023-07-24")
    assert after["level"] == "none"
    [exempt] = after["exempt"]
    assert (exempt["except"], exempt["since"]) == ("@jp-group-a", "2023-07-21")
    earlier = flow(store, item, "JP", "KR", "2023-07-24", "--known-at", "2023-06-26")
    assert earlier["level"] == "licence_required"
    known = flow(store, item, "JP", "KR", "2023-07-24", "--known-at", "2023-06-27")
    assert known["level"] == "none"


@pytest.mark.parametrize(
    ("day", "level", "pending"),
    [
        ("2023-04-23", "none", False),
        ("2023-04-24", "none", True),
        ("2023-04-27", "none", True),
        ("2023-04-28", "licence_required", False),
        ("2023-04-29", "licence_required", False),
    ],
)
@pytest.mark.parametrize("importer", ["RU", "BY"])
def test_situational_permission_to_russia_and_belarus(
    store: str, importer: str, day: str, level: str, pending: bool
) -> None:
    found = flow(store, "situational-permission-items", "KR", importer, day)
    assert found["level"] == level
    assert bool(found["pending"]) is pending


def test_japan_s_objection_answers_korea_s_measure(store: str) -> None:
    found = answered(store, "search", "--type", "action", "arbitrary and illegitimate")
    [hit] = found["results"]
    assert hit["id"] == "jp-meti-2019-objects-to-kr-notice"
    shown = invoke("--store", store, "show", "kr-2019-jp-whitelist-removal")
    assert shown.exit_code == 0, shown.stderr
    assert "jp-2019-kr-whitelist-removal" in shown.stdout

"""HS codes (docs/vocabulary.md §8): normalised and checked on input against HS 2022, and
matched either way by `search --hs` (a measure's code a prefix of the one asked covers all of
it; the code asked a prefix of the measure's, part of it)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.application import Regimes
from domain.hs import describe, hs_match
from projections.catalog import SearchQuery
from projections.queries import RegimeReader
from tests.samples import RECORDED_AT, batch, imposed


@pytest.mark.parametrize(
    ("codes", "asked", "coverage"),
    [
        (("280530",), "2805", "part"),  # the measure covers some of 2805's goods
        (("2805",), "280530", "all"),  # all of 280530's
        (("280530",), "280530", "all"),
        (("2805301910",), "28053019", "part"),  # national digits count as written
        (("811292", "2805301910"), "2805", "part"),
        (("811292", "2805"), "2805301910", "all"),
        (("811292",), "2805", None),
        ((), "2805", None),
        (None, "2805", None),
    ],
)
def test_a_measure_s_codes_cover_the_code_asked_all_part_or_not(
    codes: tuple[str, ...] | None, asked: str, coverage: str | None
) -> None:
    assert hs_match(codes, asked) == coverage


def test_a_code_is_described_by_its_subheading_or_heading() -> None:
    assert describe("2805301910") == describe("280530")
    heading = describe("2805")
    assert heading is not None
    assert "rare-earth" in heading
    assert describe("9999") is None


def test_search_lists_the_measures_naming_a_code_with_its_coverage(sqlite_app: Regimes) -> None:
    sqlite_app.append(
        batch(
            imposed("ree", hs_codes=["2805.30.19.10"]),
            imposed("ga", items=["Ga"], hs_codes=["811292"]),
        ),
        RECORDED_AT,
    )
    reader = RegimeReader(sqlite_app)
    found = reader.search(SearchQuery(date(2026, 1, 1), hs="2805")).to_json()
    assert found["hs"]["code"] == "2805"
    assert [(hit["id"], hit["hs_match"]["coverage"]) for hit in found["results"]] == [
        ("ree", "part")
    ]
    exact = reader.search(SearchQuery(date(2026, 1, 1), hs="2805301910")).to_json()
    assert [hit["hs_match"]["coverage"] for hit in exact["results"]] == ["all"]
    nothing = reader.search(SearchQuery(date(2026, 1, 1), hs="7202"))
    assert nothing.hits == []
    assert nothing.known.warnings == [f"no measure names HS code 7202 ({describe('7202')})"]


def test_control_codes_are_kept_as_written_shown_and_found(sqlite_app: Regimes) -> None:
    from projections.flows import FlowQuery

    sqlite_app.append(
        batch(imposed("ga", items=["Ga"], control_codes=["1C902.c", "3C902"])), RECORDED_AT
    )
    reader = RegimeReader(sqlite_app)
    [flow] = reader.as_of(date(2025, 6, 1), FlowQuery(("Ga",), "CN", "US")).to_json()["flows"]
    assert flow["in_force"][0]["control_codes"] == ["1C902.c", "3C902"]
    found = reader.search(SearchQuery(date(2026, 1, 1), "1c902.C"))
    assert [hit.id for hit in found.hits] == ["ga"]


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("28", {"ree": "part"}),  # a chapter: part of it
        ("2805", {"ree": "part"}),
        ("280530", {"ree": "part"}),
        ("2805301910", {"ree": "all"}),  # the national line the measure names
        ("2805.30.19.10.", None),  # written with dots: asked as its digits
        ("8112", {"ga": "all"}),  # the measure names the whole heading
        ("811292", {"ga": "all"}),
        ("7202", {}),
    ],
)
def test_as_of_by_hs_code_keeps_the_measures_matching_it_either_way(
    sqlite_app: Regimes, asked: str, expected: dict[str, str] | None
) -> None:
    from projections.flows import FlowQuery
    from regimes.asking import hs_asked

    sqlite_app.append(
        batch(
            imposed("ree", items=["Dy", "Tb"], hs_codes=["2805.30.19.10"]),
            imposed("ga", items=["Ga"], hs_codes=["8112"]),
            imposed("plain", items=["Dy"]),
        ),
        RECORDED_AT,
    )
    if expected is None:
        assert hs_asked(asked) == "2805301910"  # dots dropped, even a trailing one
        return
    answer = RegimeReader(sqlite_app).as_of(
        date(2025, 6, 1), FlowQuery((), "CN", "US", hs=hs_asked(asked))
    )
    found = {
        summary["measure"]: summary["hs_match"]["coverage"]
        for flow in answer.to_json()["flows"]
        for summary in flow["in_force"]
    }
    assert found == expected
    if not expected:
        assert answer.known.warnings == [f"no measure names HS code 7202 ({describe('7202')})"]

"""CSV with the fixed headers of docs/output.md §7, and as-of tables that say how certain a measure
is and whom it covers (issue 15), on the bundled history."""

from __future__ import annotations

import csv
import io

import pytest

from tests.commands import invoked

AS_OF_HEADER = (
    "as_of,item,from,to,level,measure,status,kind,measure_level,issuer,direction,"
    "certainty,announced_on,effective_on,until,suspended_until,end_users,parties,"
    "via,document,source_url"
)
DIFF_HEADER = (
    "from_date,to_date,item,from,to,level_before,level_after,measure,before,after,document"
)


@pytest.fixture(scope="module")
def bundled(bundled_module_store: str) -> str:
    return bundled_module_store


def _rows(output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output)))


@pytest.mark.parametrize(
    "filters",
    [
        ("-e", "Dy", "--from", "CN", "--to", "JP"),
        ("-e", "REE", "--to", "US"),
        ("--item", "nothing-here"),
        (),
    ],
)
def test_the_as_of_csv_header_does_not_depend_on_the_question(
    bundled: str, filters: tuple[str, ...]
) -> None:
    output = invoked("--store", bundled, "as-of", "2025-11-20", *filters, "--format", "csv").stdout
    assert output.splitlines()[0] == AS_OF_HEADER
    assert all(len(row) == 21 for row in _rows(output))


def test_an_as_of_csv_row_says_issuer_certainty_via_and_source(bundled: str) -> None:
    output = invoked(
        "--store",
        bundled,
        "as-of",
        "2010-10-01",
        "-e",
        "Dy",
        "--from",
        "CN",
        "--to",
        "JP",
        "--format",
        "csv",
    ).stdout
    [header, row, *others] = _rows(output)  # the halt first, then the quota and the duty
    assert [other[header.index("measure")] for other in others] == [
        "cn-ree-export-quota-2010",
        "cn-ree-w-mo-export-duty",
    ]
    fields = dict(zip(header, row, strict=True))
    assert fields["measure"] == "cn-2010-rare-earth-halt-japan"
    assert (fields["issuer"], fields["certainty"], fields["via"]) == ("CN", "de_facto", "listed")
    assert fields["source_url"].startswith("https://")


def test_the_diff_csv_has_one_row_per_flow_and_measure_whose_status_differs(bundled: str) -> None:
    output = invoked(
        "--store",
        bundled,
        "diff",
        "2025-10-01",
        "2025-12-01",
        "-e",
        "Ho",
        "-e",
        "Dy",
        "--from",
        "CN",
        "--to",
        "US",
        "--format",
        "csv",
    ).stdout
    rows = _rows(output)
    assert ",".join(rows[0]) == DIFF_HEADER
    hanwha = ("cn-countermeasure-2025-10-hanwha", "MOFCOM Order No. 6 of 2025")
    uel = ("cn-uel-2025-10-entities", "")
    named = ("none", "in_force for named parties")
    # an entity list that came between the dates is a row too, with its own document (the
    # CSV of such a diff once failed on it)
    assert rows[1:] == [
        [
            "2025-10-01",
            "2025-12-01",
            "Dy",
            "CN",
            "US",
            "end_user_ban",
            "end_user_ban",
            hanwha[0],
            *named,
            hanwha[1],
        ],
        [
            "2025-10-01",
            "2025-12-01",
            "Dy",
            "CN",
            "US",
            "end_user_ban",
            "end_user_ban",
            uel[0],
            *named,
            uel[1],
        ],
        [
            "2025-10-01",
            "2025-12-01",
            "Ho",
            "CN",
            "US",
            "none",
            "none",
            hanwha[0],
            *named,
            hanwha[1],
        ],
        [
            "2025-10-01",
            "2025-12-01",
            "Ho",
            "CN",
            "US",
            "none",
            "none",
            "cn-mofcom-2025-57",
            "none",
            "suspended",
            "MOFCOM/GAC Announcement No. 57 of 2025",
        ],
        ["2025-10-01", "2025-12-01", "Ho", "CN", "US", "none", "none", uel[0], *named, uel[1]],
    ]


def test_an_as_of_table_says_certainty_and_whom_a_measure_covers(bundled: str) -> None:
    halt = invoked(
        "--store", bundled, "as-of", "2010-10-01", "-e", "Dy", "--from", "CN", "--to", "JP"
    ).stdout
    assert "cn-2010-rare-earth-halt-japan (de_facto_embargo, de facto, listed)" in halt
    licence = invoked(
        "--store", bundled, "as-of", "2025-06-01", "-e", "Dy", "--from", "CN", "--to", "JP"
    ).stdout
    assert "cn-mofcom-2025-18 (licence_requirement, all destinations)" in licence

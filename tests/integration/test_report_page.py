"""The report page from the Python API (issue 22): what it holds, that stored text is only
ever text in it, and that it is written whole or not at all. tests/browser/ opens pages in
a real browser."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

import regimes
from regimes.chart import ReportNeedsPlotly
from regimes.report import _link
from regimes.writing import NotWritten
from tests.report_samples import HOSTILE_URL, SCRIPT, TODAY, bundled_store, hostile_records
from tests.samples import SOURCE, follow_up, imposed


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> str:
    return bundled_store(tmp_path_factory.mktemp("bundled") / "store.db")


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_the_page_holds_the_answer_the_changes_the_actions_and_where_they_came_from(
    bundled: str,
) -> None:
    with regimes.open(bundled) as store:
        page = store.report(elements=["Dy"], exporter="CN", importer="JP", today=TODAY).html
        digest = str(store.digest())
    assert "<title>Export-control regime: Dy from CN to JP</title>" in page
    assert "<h2>Today, 2026-03-01</h2>" in page
    assert '<span class="level end_user_ban">end_user_ban</span>' in page
    assert 'id="timeline-chart"' in page
    # No. 1 of 2026 linked to its first source, in today's answer and in the changes
    assert page.count('rel="noopener noreferrer">MOFCOM Announcement No. 1 of 2026</a>') == 2
    assert "jp-2025-takaichi-taiwan-remark" in page
    assert f"<dd>{digest}</dd>" in page
    assert "<dt>log position</dt><dd>284</dd>" in page


def test_the_page_loads_nothing_and_links_only_to_http_sources(bundled: str) -> None:
    with regimes.open(bundled) as store:
        page = store.report(elements=["REE"], importer="US", today=TODAY).html
    tags = _tags(page)
    assert [tag for tag, attributes in tags if "src" in attributes or tag == "link"] == []
    links = [attributes["href"] or "" for tag, attributes in tags if tag == "a"]
    assert len(links) > 50
    assert all(link.startswith(("https://", "http://")) for link in links)


def test_a_link_is_only_ever_to_an_http_url() -> None:
    assert _link("javascript:alert(1)", "x") == "x"
    assert _link("data:text/html,hi", "x") == "x"
    assert _link(None, "x") == "x"
    assert _link("HTTPS://example.org/?a=1&b=2", "x") == (
        '<a href="HTTPS://example.org/?a=1&amp;b=2" rel="noopener noreferrer">x</a>'
    )


def test_stored_markup_and_script_are_text_on_the_page(tmp_path: Path) -> None:
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append(hostile_records())
        page = store.report(elements=["Dy"], exporter="CN", importer="JP", today=TODAY).html
    assert SCRIPT not in page
    assert HOSTILE_URL not in page
    assert "<img" not in page
    assert "<b>bold" not in page
    assert "Title &lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "Doc &lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt; &lt;script&gt;" in page
    assert 'href="https://example.org/x&quot;&gt;&lt;script&gt;window.__pwned=3' in page
    assert "Action &lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    # in the chart's data too, script is never raw: Plotly escapes < > / in its JSON
    chart_data = page[page.index('id="timeline-chart"') :]
    assert "window.__pwned" in chart_data
    assert "<script>window.__pwned" not in chart_data


def test_a_flow_with_nothing_on_it_says_so_plainly(bundled: str) -> None:
    with regimes.open(bundled) as store:
        report = store.report(elements=["Dy"], exporter="JP", importer="CN", today=TODAY)
    assert report.facts.periods == []
    assert "Nothing applies today to Dy from JP to CN" in report.html
    assert "No measure in this store's records has ever applied to Dy from JP to CN" in (
        report.html
    )
    assert "timeline-chart" not in report.html
    assert len(report.html) < 20_000  # no chart library when there is no chart


def test_a_report_known_at_a_moment_leaves_out_what_was_recorded_later(tmp_path: Path) -> None:
    first, later = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 2, 10, tzinfo=UTC)
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append([imposed(document="No. 18")], recorded_at=first)
        store.append(
            [follow_up("measure_suspended", effective_on="2025-11-07", document="No. 70")],
            recorded_at=later,
        )
        known = datetime(2026, 1, 31, tzinfo=UTC)
        then = store.report(elements=["Dy"], exporter="CN", importer="JP", recorded_at=known)
        now = store.report(elements=["Dy"], exporter="CN", importer="JP")
    assert [period.status for period in then.facts.periods] == ["in_force"]
    assert [period.status for period in now.facts.periods] == [
        "in_force",
        "suspended",
    ]
    assert "No. 70" not in then.html
    assert "<dt>knowledge</dt><dd>as recorded at 2026-01-31T00:00:00.000000Z</dd>" in then.html
    assert (then.known.position, now.known.position) == (1, 2)


def test_the_changes_are_those_within_the_dates_asked(bundled: str) -> None:
    with regimes.open(bundled) as store:
        report = store.report(
            elements=["Dy"], exporter="CN", importer="JP", since="2025-01-01", today=TODAY
        )
    assert [str(change.day) for change in report.facts.changes.changes][:1] == ["2025-04-04"]
    assert "<h2>Changes (from 2025-01-01)</h2>" in report.html
    # the 2010 halt is still a period of the flow, but before the chart's window: no row
    assert report.facts.periods[0].measure == "cn-2010-rare-earth-halt-japan"
    assert "cn-2010-rare-earth-halt-japan" not in report.html
    assert "cn-mofcom-2025-18" in report.html[report.html.index('id="timeline-chart"') :]


def test_each_change_links_the_sources_of_the_record_behind_it(tmp_path: Path) -> None:
    suspension_source = {"title": "Suspension notice", "url": "https://example.org/suspended"}
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append(
            [
                imposed(document="No. 18"),
                follow_up(
                    "measure_suspended",
                    effective_on="2025-11-07",
                    until="2026-11-10",
                    document="No. 70",
                    sources=[suspension_source],
                ),
            ]
        )
        page = store.report(elements=["Dy"], exporter="CN", importer="JP", today=TODAY).html
    changes = page[page.index('id="changes"') : page.index('id="actions"')]
    assert changes.count(f'<a href="{SOURCE["url"]}"') == 2  # No. 18 and its source title
    # the suspension and its running out on 2026-11-10 both cite No. 70's own source
    assert changes.count('<a href="https://example.org/suspended"') == 4


def test_an_announced_follow_up_links_its_own_sources(tmp_path: Path) -> None:
    lifting_source = {"title": "Lifting notice", "url": "https://example.org/lifted"}
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append(
            [
                imposed(document="No. 18"),
                follow_up(
                    "measure_lifted",
                    effective_on="2025-12-01",
                    announced_on="2025-11-10",
                    document="No. 80",
                    sources=[lifting_source],
                ),
            ]
        )
        report = store.report(elements=["Dy"], exporter="CN", importer="JP", today=TODAY)
    page = report.html
    changes = page[page.index('id="changes"') : page.index('id="actions"')]
    # the announcement on 2025-11-10 and the lifting on 2025-12-01 both cite No. 80's source
    assert changes.count('<a href="https://example.org/lifted"') == 4
    assert "lifting announced" in changes or "lifting_announced" in changes
    # one status period: the announcement does not split it
    assert [(period.status, period.end) for period in report.facts.periods] == [
        ("in_force", date(2025, 12, 1))
    ]


def test_a_country_joining_or_leaving_a_group_cites_the_group_records_sources(
    tmp_path: Path,
) -> None:
    """The record behind `joined_group` or `left_group` is the group's (docs/output.md §3),
    not the measure's imposition."""
    joined = {"title": "Cabinet order", "url": "https://example.org/joined"}
    left = {"title": "Second order", "url": "https://example.org/left"}
    group = {"group": "white"}
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append(
            [
                {
                    **group,
                    "type": "group_defined",
                    "title": "White list",
                    "issuer": "JP",
                    "members": ["US"],
                    "effective_on": "2020-01-01",
                    "document": "Order 1",
                    "sources": [{"title": "First order"}],
                },
                {
                    **group,
                    "type": "group_changed",
                    "added": ["KR"],
                    "effective_on": "2023-07-21",
                    "document": "Order 2",
                    "sources": [joined],
                },
                {
                    **group,
                    "type": "group_changed",
                    "removed": ["KR"],
                    "effective_on": "2025-07-01",
                    "document": "Order 3",
                    "sources": [left],
                },
                imposed(
                    "jp-sme",
                    issuer="JP",
                    items=["semiconductor-equipment"],
                    destinations=["*"],
                    document="SME order",
                    **{"except": ["@white"]},
                    effective_on="2023-01-01",
                    announced_on="2023-01-01",
                ),
            ]
        )
        page = store.report(
            items=["semiconductor-equipment"], exporter="JP", importer="KR", today=TODAY
        ).html
    changes = page[page.index('id="changes"') : page.index('id="actions"')]
    rows = changes.split("<tr>")
    joined_row = next(row for row in rows if "2023-07-21" in row)
    left_row = next(row for row in rows if "2025-07-01" in row)
    assert "joined group" in joined_row
    assert "left group" in left_row
    assert '<a href="https://example.org/joined"' in joined_row
    assert '<a href="https://example.org/left"' in left_row
    assert SOURCE["url"] not in joined_row + left_row  # not the measure's own


def test_a_report_known_at_a_day_cites_the_sources_known_then(tmp_path: Path) -> None:
    """A correction published after the day asked changes neither the document nor the
    sources a change cites."""
    old = {"title": "Old source", "url": "https://example.org/old"}
    new = {"title": "New source", "url": "https://example.org/new"}
    with regimes.open(str(tmp_path / "store.db")) as store:
        store.append([imposed(document="OLD-DOC", sources=[old])])
        store.append(
            [
                follow_up(
                    "measure_corrected",
                    fields={"document": "NEW-DOC", "sources": [new]},
                    reason="the right document",
                    published_on="2025-06-01",
                )
            ]
        )
        before = store.report(
            elements=["Dy"], exporter="CN", importer="JP", today=TODAY, known_at="2025-05-01"
        ).html
        after = store.report(
            elements=["Dy"], exporter="CN", importer="JP", today=TODAY, known_at="2025-07-01"
        ).html
    changes = before[before.index('id="changes"') : before.index('id="actions"')]
    assert "OLD-DOC" in changes
    assert '<a href="https://example.org/old"' in changes
    assert "example.org/new" not in changes
    changes = after[after.index('id="changes"') : after.index('id="actions"')]
    assert "NEW-DOC" in changes
    assert '<a href="https://example.org/new"' in changes


def test_without_plotly_the_report_names_the_extra_and_writes_nothing(
    bundled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    out = tmp_path / "report.html"
    with regimes.open(bundled) as store, pytest.raises(ReportNeedsPlotly) as raised:
        store.report(elements=["Dy"], out=out)
    assert str(raised.value) == "the report needs plotly: pip install 'regimes[report]'"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "says"),
    [
        (".", "it is a directory"),
        ("missing/report.html", "missing does not exist"),
        ("a-file/report.html", "a-file is not a directory"),
    ],
    ids=["a directory", "in a missing directory", "under a file"],
)
def test_a_report_that_cannot_be_written_writes_nothing(
    bundled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("kept")
    with regimes.open(bundled) as store, pytest.raises(NotWritten, match=says):
        store.report(elements=["Dy"], out=where)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file"]
    assert (tmp_path / "a-file").read_text() == "kept"


def test_a_report_replaces_an_older_one_whole(bundled: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("older")
    with regimes.open(bundled) as store:
        report = store.report(elements=["Dy"], exporter="CN", importer="JP", out=out)
    assert out.read_text(encoding="utf-8") == report.html
    assert [path.name for path in tmp_path.iterdir()] == ["report.html"]

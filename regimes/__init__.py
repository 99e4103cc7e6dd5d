"""regimes as a Python library: open a store, append records, ask what applied.

    import regimes
    with regimes.open() as store:      # the default store, with the bundled history
        answer = store.as_of("2026-01-08", elements=["Dy"], exporter="CN", importer="JP")
        print(answer.flows[0].level.name)  # end_user_ban
        rows = answer.rows()               # plain dicts, e.g. for pandas.DataFrame(rows)

Answers are typed values (`Answer`, `Timeline`, `Comparison`, `Found`, `Shown`) whose
`to_json()` is the documented JSON (docs/output.md); `store.report(...)` makes the HTML report
(a `regimes.report.Report`; it needs the `report` extra); errors are `RegimesError`s, and a
rejected append is a `BatchRejected` listing every located problem.
"""

from __future__ import annotations

import os

from domain.errors import BatchRejected, RegimesError, StoreError
from projections.answers import Answer, Comparison, FlowChange, Found, Known, Shown, Timeline
from regimes.store import Store, flow_query, read_records

__all__ = [
    "Answer",
    "BatchRejected",
    "Comparison",
    "FlowChange",
    "Found",
    "Known",
    "RegimesError",
    "Shown",
    "Store",
    "StoreError",
    "Timeline",
    "flow_query",
    "open",
    "read_records",
]


def open(url: str | os.PathLike[str] | None = None) -> Store:  # the API's one verb, as io.open is
    """The store at `url` (a path, `sqlite:///PATH`, `postgresql://…`, `memory:`), or the
    default store in the user's data directory."""
    return Store(url)

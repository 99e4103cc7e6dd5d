"""The shared samples make valid records (a guard for every other test)."""

from __future__ import annotations

from domain.application import Regimes
from tests.samples import RECORDED_AT, action, batch, follow_up, imposed


def test_the_samples_are_valid_and_append(popo_app: Regimes) -> None:
    read = batch(imposed(), follow_up("measure_suspended", effective_on="2025-05-01"), action())
    assert read.errors == []
    report = popo_app.append(read, RECORDED_AT)
    assert report.appended == 3

"""The curated history of real events that ships with `regimes` (see history.yaml)."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files

from domain.application import AppendReport, Regimes
from domain.batch import Batch
from regimes.reading import read_into


def bundled_batch() -> Batch:
    """The bundled history, read and validated."""
    batch = Batch()
    with files(__package__).joinpath("history.yaml").open("rb") as stream:
        read_into(batch, stream, "bundled history.yaml")
    return batch


def load_bundled_history(app: Regimes, recorded_at: datetime) -> AppendReport:
    """Appends the bundled history (a no-op for records already in the store)."""
    return app.append(bundled_batch(), recorded_at)

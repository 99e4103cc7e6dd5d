"""The curated history of real events that ships with `regimes`, appended in this order:
measures and actions of the first edition (history.yaml); country groups (groups.yaml); the
corrections of earlier bundled records (corrections.yaml); named parties and the lists
naming them (parties.yaml); the HS codes and control-list numbers of the announcements
(codes.yaml); the bodies that act as one (bodies.yaml: the WTO's dispute settlement);
China's rare-earth export quotas and duties and the WTO disputes against them (quotas-and-
wto.yaml); white lists and other country groups (white-lists.yaml); China's entity lists of
2023-2025 (entity-lists.yaml); other countries' critical-mineral measures and the US rules
China answered (other-countries.yaml); what the first edition left out of its research
(additions.yaml)."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files

from domain.application import AppendReport, Regimes
from domain.batch import Batch
from regimes.reading import read_into

#: The bundled files, in the order they are appended (a file's records after the earlier
#: files' keep their log positions).
FILES = (
    "history.yaml",
    "groups.yaml",
    "corrections.yaml",
    "parties.yaml",
    "codes.yaml",
    "bodies.yaml",
    "quotas-and-wto.yaml",
    "white-lists.yaml",
    "entity-lists.yaml",
    "other-countries.yaml",
    "additions.yaml",
)


def bundled_batch() -> Batch:
    """The bundled history, read and validated."""
    batch = Batch()
    for name in FILES:
        with files(__package__).joinpath(name).open("rb") as stream:
            read_into(batch, stream, f"bundled {name}")
    return batch


def load_bundled_history(app: Regimes, recorded_at: datetime) -> AppendReport:
    """Appends the bundled history (a no-op for records already in the store)."""
    return app.append(bundled_batch(), recorded_at)

"""Why the projections cannot answer or be rebuilt right now, told apart from store failures."""

from __future__ import annotations

from domain.errors import StoreError


class ReplayBusy(StoreError):
    """Another replay of the same store is running."""


class ProjectionsDamaged(StoreError):
    """The projections' tables do not hold what they should; `regimes replay` rebuilds them."""

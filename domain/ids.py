"""Deterministic stored ids from the slugs users choose: the same slug, the same stream."""

from __future__ import annotations

from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5


@lru_cache(maxsize=1 << 16)
def measure_id(slug: str) -> UUID:
    """The stored id of the measure the user calls `slug`."""
    return uuid5(NAMESPACE_URL, f"regimes:measure:{slug}")


@lru_cache(maxsize=1 << 16)
def action_id(slug: str) -> UUID:
    """The stored id of the action the user calls `slug`."""
    return uuid5(NAMESPACE_URL, f"regimes:action:{slug}")


@lru_cache(maxsize=1 << 12)
def group_id(slug: str) -> UUID:
    """The stored id of the country group the user calls `@slug`."""
    return uuid5(NAMESPACE_URL, f"regimes:group:{slug}")


@lru_cache(maxsize=1 << 16)
def party_id(slug: str) -> UUID:
    """The stored id of the named party the user calls `slug`."""
    return uuid5(NAMESPACE_URL, f"regimes:party:{slug}")

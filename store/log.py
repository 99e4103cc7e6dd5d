"""The log on a store: the application opened on it, and the digests of its hash chains."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from eventsourcing.persistence import PersistenceError

from domain.application import Regimes
from domain.errors import StoreError
from store.chain import (
    GENESIS,
    Chain,
    Digest,
    content_link,
    record_fingerprint,
    verify_chain,
    verify_content,
)
from store.failures import first_line
from store.locations import Store, conceal, patiently


def open_application(store: Store) -> Regimes:
    """The application on `store`, or a one-line `StoreError` saying why it cannot open."""
    try:
        with store.opening() as env:
            return patiently(lambda: Regimes(env=env))
    except (PersistenceError, OSError, sqlite3.Error) as error:
        raise StoreError(
            f"cannot open store {store.display}: {conceal(store, first_line(error))}"
        ) from None


def digest(app: Regimes, position: int | None = None) -> Digest | None:
    """The chain's head, or the log's digest as it stood at `position`: the link of its last
    record there (positions have gaps, where a transaction was rolled back); None for a
    store without a chain, or nothing there."""
    chain = app.recorder
    if not isinstance(chain, Chain):
        return None
    if position is None:
        return chain.chain_head()
    return chain.chain_link_by(position)


def verify(app: Regimes, expected: Digest | None = None) -> Digest | None:
    """Recomputes the hash chain from the stored events (see `store.chain`); with a digest,
    the log must extend it (a content digest: its records must)."""
    chain = app.recorder
    if not isinstance(chain, Chain):
        raise StoreError("this store keeps no hash chain to verify")
    if expected is not None and expected.content:
        head = verify_chain(chain)
        verify_content(fingerprints(app), expected)
        return head
    return verify_chain(chain, expected)


def content_digest(app: Regimes) -> Digest | None:
    """The content chain over every record (docs/projections.md §7); None for an empty log."""
    link, count = GENESIS, 0
    for fingerprint in fingerprints(app):
        link, count = content_link(link, fingerprint), count + 1
    return Digest(link, count, content=True) if count else None


def fingerprints(app: Regimes) -> Iterator[bytes]:
    """Each record's canonical content, in log order (no record time, no position)."""
    for logged in app.records():
        yield record_fingerprint(logged.content())

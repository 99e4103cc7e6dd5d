"""The in-memory store: the library's POPO recorder, with the chain kept in memory."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory

from store.chain import GENESIS, Digest, chain_links_for


class POPOChainedRecorder(POPOApplicationRecorder):
    """The in-memory recorder with the chain kept in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.chain: dict[int, str] = {}
        self.head = GENESIS
        #: Every insert goes through `insert_events`, so holding this around the library's
        #: insert and the links keeps the chain in the order of the positions.
        self.chain_lock = threading.Lock()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self.chain_lock:
            ids = super().insert_events(stored_events, **kwargs)
            assert ids is not None
            for position, link in chain_links_for(self.head, ids, stored_events):
                self.chain[position] = self.head = link
            return ids

    def insert_event_chunks(
        self, chunks: Iterable[Sequence[StoredEvent]], expected: int
    ) -> tuple[int, int]:
        """Takes every chunk, then inserts them at once: nothing is written if taking one
        fails. (The store is in memory already: holding the events costs nothing more.)"""
        ids = self.insert_events([event for chunk in chunks for event in chunk])
        assert ids, "chunks of events were given"
        return ids[0], ids[-1]

    def chain_links(self, start: int, limit: int) -> list[tuple[int, str]]:
        return sorted((p, link) for p, link in self.chain.items() if p >= start)[:limit]

    def chain_link(self, position: int) -> str | None:
        return self.chain.get(position)

    def chain_link_by(self, position: int) -> Digest | None:
        found = [p for p in self.chain if p <= position]
        return Digest(self.chain[max(found)], max(found)) if found else None

    def chain_head(self) -> Digest | None:
        if not self.chain:
            return None
        position = max(self.chain)
        return Digest(self.chain[position], position)

    def events_by_originator(
        self, stop: int, lower: UUID | None = None, upper: UUID | None = None, page: int = 5000
    ) -> Iterator[Notification]:
        events = [
            (UUID(str(event.originator_id)), event.originator_version, event)
            for event in self.select_notifications(1, stop, stop)
        ]
        for key, _, event in sorted(events, key=lambda keyed: keyed[:2]):
            if (lower is None or key >= lower) and (upper is None or key < upper):
                yield event

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]:
        return {key for key in ids if self.select_events(key, limit=1)}


class POPOChainedFactory(POPOFactory):
    """In-memory infrastructure whose application recorder keeps the chain."""

    def application_recorder(self) -> ApplicationRecorder:
        return POPOChainedRecorder()

"""The in-memory store: the library's POPO recorder, with the chain kept in memory."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory

from store.chain import GENESIS, Digest, chain_links_for


class POPOChainedRecorder(POPOApplicationRecorder):
    """The in-memory recorder with the chain kept in memory."""

    def __init__(self) -> None:
        super().__init__()
        self._chain: dict[int, str] = {}
        self._head = GENESIS

    def _insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self._database_lock:
            ids = super()._insert_events(stored_events, **kwargs)
            assert ids is not None
            for position, link in chain_links_for(self._head, ids, stored_events):
                self._chain[position] = self._head = link
            return ids

    def chain_links(self, start: int, limit: int) -> list[tuple[int, str]]:
        return sorted((p, link) for p, link in self._chain.items() if p >= start)[:limit]

    def chain_link(self, position: int) -> str | None:
        return self._chain.get(position)

    def chain_head(self) -> Digest | None:
        if not self._chain:
            return None
        position = max(self._chain)
        return Digest(self._chain[position], position)

    def events_by_originator(
        self, stop: int, lower: UUID | None = None, upper: UUID | None = None, page: int = 5000
    ) -> Iterator[Notification]:
        with self._database_lock:
            events = [
                (UUID(str(event.originator_id)), event.originator_version, event)
                for event in self.select_notifications(1, stop, stop)
            ]
        for key, _, event in sorted(events, key=lambda keyed: keyed[:2]):
            if (lower is None or key >= lower) and (upper is None or key < upper):
                yield event

    def existing_originators(self, ids: Sequence[UUID]) -> set[UUID]:
        with self._database_lock:
            return {key for key in ids if self._stored_events_index.get(str(key))}


class POPOChainedFactory(POPOFactory):
    """In-memory infrastructure whose application recorder keeps the chain."""

    def application_recorder(self) -> ApplicationRecorder:
        return POPOChainedRecorder()

"""The verifiable log: a hash chain over the stored events, kept in the append's transaction.

Each link covers the previous link and the record's position, event topic (its type),
originator and version, and the stored state exactly as written. `Digest` (link@position)
is the fingerprint a report can cite; `verify_chain` recomputes the chain from the stored
events and names the first position where it breaks.

The content chain (`content:link@N`) covers the records alone, in the append format and in
log order, without record times or positions: two stores holding the same records in the same
order have the same content digest, however and whenever they were loaded (docs/projections.md §7).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import orjson
from eventsourcing.persistence import Notification, StoredEvent

from domain.errors import RegimesError

GENESIS = "0" * 64
#: How a content digest is written: `content:link@N`.
CONTENT_PREFIX = "content:"
#: From how many events an insert into SQLite gets a larger page cache, and how large (KiB).


def next_link(previous: str, position: int, stored: StoredEvent) -> str:
    """The chain's link for the record at `position`."""
    state = stored.state
    head = (
        f"{previous}\n{position}\n{stored.topic}\n{stored.originator_id}\n"
        f"{stored.originator_version}\n"
    )
    body = state if isinstance(state, bytes) else str(state).encode()  # edited by hand?
    return hashlib.sha256(head.encode() + body).hexdigest()


def record_fingerprint(record: dict[str, Any]) -> bytes:
    """A record in the append format as canonical bytes: keys sorted, no spaces."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def content_link(previous: str, fingerprint: bytes) -> str:
    """The content chain's link for the next record, given its canonical content."""
    return hashlib.sha256(previous.encode() + b"\n" + fingerprint).hexdigest()


@dataclass(frozen=True)
class Digest:
    """The head of a chain at a position: `link@position`, or `content:link@N` for the
    content chain over the first N records."""

    link: str
    position: int
    content: bool = False

    def __str__(self) -> str:
        return f"{CONTENT_PREFIX if self.content else ''}{self.link}@{self.position}"

    @classmethod
    def parse(cls, text: str) -> Digest:
        content = text.startswith(CONTENT_PREFIX)
        link, _, position = text.removeprefix(CONTENT_PREFIX).partition("@")
        if (
            len(link) != 64
            or not position.isdigit()
            or int(position) < 1
            or any(c not in "0123456789abcdef" for c in link)
        ):
            raise ValueError(f"{text!r} is not a digest HASH@POSITION or content:HASH@N (N from 1)")
        return cls(link, int(position), content)


class ChainBroken(RegimesError):
    """The stored events no longer match the chain kept when they were appended."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"the log was altered at position {position}: {reason}")
        self.position = position


class HistoriesPart(RegimesError):
    """The log is intact but does not extend a digest taken of another history (another
    copy, or records other than these): where they part cannot be told from a digest alone,
    only that it is at or before the digest's position."""

    def __init__(self, digest: Digest, reason: str) -> None:
        super().__init__(f"this log does not extend digest {digest}: {reason}")
        self.digest = digest


@runtime_checkable
class Chain(Protocol):
    """A log that keeps the hash chain: what a chained recorder offers for digests and
    verification, besides the library's application recorder."""

    def chain_links(self, start: int, limit: int) -> list[tuple[int, str]]: ...

    def chain_link(self, position: int) -> str | None: ...

    def chain_link_by(self, position: int) -> Digest | None: ...

    def chain_head(self) -> Digest | None: ...

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...


def chain_links_for(
    previous: str, ids: Sequence[int], stored: Sequence[StoredEvent]
) -> list[tuple[int, str]]:
    links = []
    for position, event in zip(ids, stored, strict=True):
        previous = next_link(previous, position, event)
        links.append((position, previous))
    return links


def verify_chain(recorder: Chain, digest: Digest | None = None, page: int = 1000) -> Digest | None:
    """Recomputes the chain from the stored events; raises `ChainBroken` at the first fault.

    With `digest`, the log must still extend it: its link at that position must match.
    Returns the head it verified.
    """
    previous, head = GENESIS, None
    for position, event, kept in _aligned(recorder, page):
        if event is None:
            raise ChainBroken(position, "a stored event is missing (deleted?)")
        if kept is None:
            raise ChainBroken(position, "a stored event the chain never recorded (inserted?)")
        previous = next_link(previous, position, event)
        if previous != kept:
            raise ChainBroken(
                position, "the stored event differs from what was appended (edited or reordered?)"
            )
        head = Digest(previous, position)
    if digest is not None:
        if head is None or head.position < digest.position:
            held = head.position if head else 0
            raise HistoriesPart(digest, f"this log ends at position {held}, before it")
        if recorder.chain_link(digest.position) != digest.link:
            raise HistoriesPart(
                digest,
                _PARTED.format(at=f"position {digest.position}")
                + "; copies loaded at different times always differ here "
                "(record times), so compare 'regimes digest --content'",
            )
    return head


#: Why an intact log does not extend a digest: another history, parted somewhere up to `at`.
_PARTED = (
    "the two histories part at or before {at} (this log's own chain is intact; "
    "compare both logs with 'regimes log' from position 1)"
)


def verify_content(fingerprints: Iterator[bytes], digest: Digest) -> None:
    """Requires the records' content chain to reach `digest` after its first N records."""
    link, count = GENESIS, 0
    for fingerprint in fingerprints:
        link, count = content_link(link, fingerprint), count + 1
        if count == digest.position:
            if link != digest.link:
                raise HistoriesPart(digest, _PARTED.format(at=f"record {count}"))
            return
    raise HistoriesPart(digest, f"this log holds {count} records, fewer than {digest.position}")


def _aligned(recorder: Chain, page: int) -> Iterator[tuple[int, StoredEvent | None, str | None]]:
    """Stored events and kept links side by side, by position (a merge of two sorted runs)."""
    events, links = _stored(recorder, page), _kept(recorder, page)
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        positions = [event.id if event is not None else None, link[0] if link else None]
        position = min(p for p in positions if p is not None)
        here_event = event if event is not None and event.id == position else None
        here_link = link[1] if link is not None and link[0] == position else None
        yield position, here_event, here_link
        if here_event is not None:
            event = next(events, None)
        if here_link is not None:
            link = next(links, None)


def _stored(recorder: Chain, page: int) -> Iterator[Notification]:
    start = 1
    while batch := recorder.select_notifications(start=start, limit=page):
        yield from batch
        start = batch[-1].id + 1


def _kept(recorder: Chain, page: int) -> Iterator[tuple[int, str]]:
    start = 1
    while batch := recorder.chain_links(start, page):
        yield from batch
        start = batch[-1][0] + 1

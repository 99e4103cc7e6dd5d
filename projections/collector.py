"""The cyclic garbage collector, paused around bulk work that makes no reference cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pauses the cyclic garbage collector while a batch is built, checked or written, or
    while the projections apply one.

    A batch makes millions of objects that all stay alive until it is written (and catch-up
    keeps thousands of measure histories), none of them forming reference cycles; the
    collector would traverse them again and again for nothing (about half the time of a
    large append, and of applying it to the projections). Reference counting still frees
    everything; the collector resumes, if it was on, however the block ends.

    On resuming, the objects made meanwhile go straight to the oldest generation (a freeze
    and unfreeze, when nothing else is frozen), so the next young collection does not walk
    the whole batch; they are still collected with that generation.
    """
    enabled = gc.isenabled()
    nothing_frozen = gc.get_freeze_count() == 0
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if nothing_frozen:
                gc.freeze()
                gc.unfreeze()
            gc.enable()

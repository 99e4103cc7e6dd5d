"""Why the projections cannot answer or be rebuilt right now, told apart from store failures."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from eventsourcing.persistence import OperationalError, PersistenceError

from domain.errors import StoreError
from store.failures import first_line

if TYPE_CHECKING:
    from projections.keeper import ViewKeeper

Query = TypeVar("Query", bound=Callable[..., Any])


class ReplayBusy(StoreError):
    """Another replay of the same store is running."""


class ProjectionsDamaged(StoreError):
    """The projections' tables do not hold what they should; `regimes replay` rebuilds them."""


def damaged_view_explained(query: Query) -> Query:
    """Turns a missing or broken view table into a one-line cause and its remedy. A table
    that vanished because a replay in another process switched generations while this query
    read the old one is no damage: the query is asked once more, of the new live one."""

    @functools.wraps(query)
    def asked(reader: ViewKeeper, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(2):
            try:
                return query(reader, *args, **kwargs)
            except (PersistenceError, sqlite3.Error) as error:
                if isinstance(error, OperationalError) and "locked" in str(error):
                    raise
                read = reader.generation_read
                if attempt == 0 and read and reader.view.live_generation() != read:
                    continue  # switched away under this query: ask again
                reason = first_line(error)
                raise StoreError(
                    f"the projections of this store are damaged ({reason}); "
                    "rebuild them from the log with 'regimes replay'"
                ) from None
        raise AssertionError("unreachable")

    return cast(Query, asked)

"""Names a question asks about that no record mentions (docs/cli.md §4): a typo must never read as
"no control", so each is answered with a warning and the closest names the store knows."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence

from domain.vocabulary import GROUPS


def unmentioned(
    asked: Sequence[str], mentioned: Collection[str], known: Collection[str], what: str = "item"
) -> list[str]:
    """A warning for each asked name (a group counts as named when any member is) that no
    record mentions, with up to three close names from `known`."""
    warnings = []
    for name in dict.fromkeys(asked):
        members = GROUPS.get(name, (name,))
        if any(member in mentioned for member in members):
            continue
        if name in GROUPS:
            warnings.append(f"no record mentions any {what} of the group {name!r}")
            continue
        close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(other) for other in close)}?" if close else ""
        warnings.append(f"no record mentions {what} {name!r}{hint}")
    return warnings

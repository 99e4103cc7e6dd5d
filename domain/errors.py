"""Every error the domain raises, in one place, each naming the field at fault."""

from __future__ import annotations

from dataclasses import dataclass


class RegimesError(Exception):
    """Base of every error `regimes` reports to a user without a traceback."""


class DomainError(RegimesError):
    """A record breaks a state rule of its measure or action."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnknownMeasure(DomainError):
    """A follow-up names a measure the log has never imposed."""


class UnknownReference(DomainError):
    """`responds_to` names an id that is neither a measure nor an action."""


class RecordConflict(DomainError):
    """A record reuses an existing id with different content."""


class MeasureRetracted(DomainError):
    """A follow-up names a measure that was retracted."""


class MeasureLifted(DomainError):
    """A follow-up takes effect on or after the measure's lifting."""


class NothingToResume(DomainError):
    """A resumption with no suspension that started on or before it."""


@dataclass(frozen=True)
class RecordError:
    """One reason a batch was rejected: the input line, the field, and what is wrong."""

    line: int
    field: str
    message: str
    source: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}line {self.line}: {self.field}: {self.message}"


class BatchRejected(RegimesError):
    """A batch of records was refused whole; nothing was written."""

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        count = len(errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''}; nothing was written")


class InputChanged(RegimesError):
    """An input read twice (to outline a batch, then to check and write it) changed between
    the readings; nothing was written."""


class QuestionError(RegimesError):
    """A question that cannot be answered as asked: a usage error (exit status 2)."""


class AmbiguousName(QuestionError):
    """A question names something by a name several records have: it must be reworded,
    the message listing the candidates."""


class StoreError(RegimesError):
    """The store cannot be opened or written (missing, locked, not a regimes store...)."""


class StoreBusy(StoreError):
    """Another writer held the store's lock past the timeout; trying again may succeed."""


class StoreUrlError(StoreError):
    """A store name or URL is malformed or refused; the message never holds its password."""

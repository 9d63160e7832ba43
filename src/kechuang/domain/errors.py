"""Domain errors, and the one table that gives each class its HTTP status for the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field


class KechuangError(Exception):
    """Base of every error the platform raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(KechuangError):
    """The item does not exist, or the actor may not know that it exists."""

    code = "not_found"


class Unauthenticated(KechuangError):
    """Sign-in failed or is missing: wrong password, locked or deactivated account, dead token."""

    code = "unauthorized"


class PermissionDenied(KechuangError):
    """The actor is known but may not perform this action."""

    code = "permission_denied"


class TooManyRequests(KechuangError):
    """Too many attempts in a short time (sign-in, password change); retry after `retry_after` seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class Unavailable(KechuangError):
    """The database is busy (a write lock held past the timeout, e.g. by a large import); retry shortly."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidInput(KechuangError):
    """A value failed validation; `field` names the offending field."""

    code = "invalid_input"


class InvalidFields(InvalidInput):
    """Several fields of one record failed validation: every one of them, by name, at once."""

    def __init__(self, problems: dict[str, str]) -> None:
        field, message = next(iter(problems.items()))
        super().__init__(message, field=field)
        self.problems = problems


class Conflict(KechuangError):
    """The request clashes with the current state (duplicate id, merged record...)."""

    code = "conflict"


@dataclass(frozen=True)
class RowError:
    """One located problem in an imported file: file, 1-based data row, column, reason."""

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: [{self.column}] {self.reason}"


@dataclass
class ImportRejected(KechuangError):
    """A file had bad rows; nothing was written. Carries every located error."""

    errors: list[RowError] = field(default_factory=list)
    code = "import_rejected"

    def __post_init__(self) -> None:
        rows = len({e.row for e in self.errors})
        KechuangError.__init__(self, f"{rows} bad row(s), {len(self.errors)} error(s); nothing was written")


HTTP_STATUS: dict[type[KechuangError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    PermissionDenied: 403,
    TooManyRequests: 429,
    InvalidInput: 422,
    ImportRejected: 422,
    Conflict: 409,
    Unavailable: 503,
}


def http_status(error: KechuangError) -> int:
    """The status both shells answer an error with (its class or the nearest base in the table; else 400)."""
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400

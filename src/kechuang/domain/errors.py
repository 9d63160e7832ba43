"""Domain errors; the API maps each class to one HTTP status in a single table."""

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


class InvalidInput(KechuangError):
    """A value failed validation; `field` names the offending field."""

    code = "invalid_input"


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

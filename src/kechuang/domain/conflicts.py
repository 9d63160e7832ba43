"""Conflicts of interest between a reviewer (or evaluator) and the people and organizations they judge.

A conflict is plain data: what kind of tie, a sentence a person can read, and the evidence records
(affiliation, authorship, ownership, project, deal, contract rows) it was found from, so an officer can
check it and an override can quote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .enums import LabelledEnum, add_labels
from .errors import Conflict


class ConflictKind(LabelledEnum):
    """The ties that disqualify a reviewer unless an officer overrides with a written justification."""

    AFFILIATION = "affiliation"
    COAUTHORSHIP = "coauthorship"
    CO_OWNERSHIP = "co_ownership"
    SHARED_PROJECT = "shared_project"
    DEAL = "deal"
    CONTRACT = "contract"
    TEAM_MEMBER = "team_member"
    DECLARED = "declared"


add_labels(
    [
        (ConflictKind.AFFILIATION, ("任职于申报单位", "Affiliated with an applicant")),
        (ConflictKind.COAUTHORSHIP, ("与团队成员合著", "Co-author with a team member")),
        (ConflictKind.CO_OWNERSHIP, ("与申报单位共有成果", "Co-owns an achievement with an applicant")),
        (ConflictKind.SHARED_PROJECT, ("与申报方共同承担项目", "Shares a funded project with an applicant")),
        (ConflictKind.DEAL, ("与申报单位有交易", "A deal with an applicant")),
        (ConflictKind.CONTRACT, ("与申报单位有登记合同", "A registered contract with an applicant")),
        (ConflictKind.TEAM_MEMBER, ("本人是申报团队成员", "Member of an applying team")),
        (ConflictKind.DECLARED, ("本人声明存在利益冲突", "Declared by the reviewer")),
    ]
)

KINDS = tuple(kind.value for kind in ConflictKind)
DEFAULT_YEARS = 3
"""How far back a co-authorship, past affiliation, project, deal or contract still counts (the issue's N)."""


@dataclass(frozen=True)
class ConflictOfInterest:
    """One tie between a reviewer and an applicant: its kind, a readable reason and the evidence records."""

    kind: str
    reason: str
    evidence: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown conflict kind '{self.kind}'; one of: {', '.join(KINDS)}")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form the API and the audit payloads use."""
        return {"kind": self.kind, "reason": self.reason, "evidence": [dict(e) for e in self.evidence]}


def describe(conflicts: list[ConflictOfInterest] | tuple[ConflictOfInterest, ...]) -> str:
    """All reasons in one sentence, for an error message or an audit entry."""
    return "; ".join(c.reason for c in conflicts)


class ConflictOfInterestError(Conflict):
    """Assigning this reviewer would put a conflicted person on the panel (409, code conflict_of_interest)."""

    code = "conflict_of_interest"

    def __init__(self, message: str, conflicts: list[ConflictOfInterest] | None = None) -> None:
        super().__init__(message, field="person_id")
        self.conflicts = list(conflicts or [])

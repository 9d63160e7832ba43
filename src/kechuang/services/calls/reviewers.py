"""Reviewer suggestions for a call: experts ranked by their expertise on it, each with its conflicts.

Reviewer–paper matching, done by the matching engine: the call is read as a demand (`candidates.
call_as_demand`), its nearest achievements (papers, patents...) and funded projects are found, and the
people behind them are ranked and explained exactly as a demand's experts are (`matching.aggregate_holders`).
Each suggestion then carries its conflicts of interest against the call's applicants, so an officer sees
at once who may not review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.conflicts import ConflictOfInterest
from kechuang.domain.entities import Organization, Person
from kechuang.domain.errors import InvalidInput, NotFound
from kechuang.domain.review import ReviewerAssignment
from kechuang.engine.features import Reason
from kechuang.store.db import UnitOfWork, load_by_id

from ..match_index import MatchIndexes
from ..matching import aggregate_holders, project_matches
from .calls import is_officer, load_call
from .candidates import _ranked_achievements, call_as_demand
from .review import applicants_of, conflicts_on_call

Assignments: Any = ReviewerAssignment
MAX_SUGGESTIONS = 50


@dataclass
class Suggestion:
    """An expert proposed as reviewer: why (reasons), how well (score), and what ties them to applicants."""

    person_id: int
    name_zh: str
    name_en: str
    organization_id: int | None
    organization: str
    score: float
    reasons: list[Reason] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)
    conflicts: list[ConflictOfInterest] = field(default_factory=list)
    assigned: bool = False


def rank_experts(actor: Actor, call: Any, uow: UnitOfWork, indexes: MatchIndexes, depth: int) -> list[Any]:
    """The engine's expert ranking for a call (people behind its nearest achievements and projects)."""
    demand = call_as_demand(call)
    ranked = _ranked_achievements(actor, demand, uow, indexes)
    projects = project_matches(actor, demand, uow, indexes)
    return aggregate_holders(actor, "expert", ranked, uow, depth, projects)


def suggest_reviewers(
    actor: Actor, call_id: int, uow: UnitOfWork, indexes: MatchIndexes, *, limit: int = 10
) -> list[Suggestion]:
    """Experts ranked for the call, each with reasons and conflicts (officers only)."""
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise InvalidInput(f"limit must be from 1 to {MAX_SUGGESTIONS}", field="limit")
    with uow() as session:
        call = load_call(session, actor, call_id)
        if not is_officer(actor):  # who may review is the officers' business: others may not know
            raise NotFound(f"the review of call {call_id} is not found")
    found = rank_experts(actor, call, uow, indexes, limit)
    people = load_by_id(uow, Person, [m.id for m in found])
    orgs = load_by_id(uow, Organization, {p.organization_id for p in people.values() if p.organization_id})
    out = []
    with uow() as session:
        applicants = applicants_of(session, call_id)
        assigned = set(session.scalars(select(Assignments.person_id).where(Assignments.call_id == call_id)))
        for match in found:
            person = people.get(match.id)
            if person is None:
                continue
            org = orgs.get(person.organization_id) if person.organization_id else None
            out.append(
                Suggestion(
                    person_id=match.id,
                    name_zh=person.name_zh,
                    name_en=person.name_en,
                    organization_id=person.organization_id,
                    organization=(org.name_zh or org.name_en) if org else "",
                    score=match.score,
                    reasons=list(match.reasons),
                    evidence=list(match.evidence),
                    conflicts=conflicts_on_call(session, call, match.id, applicants),
                    assigned=match.id in assigned,
                )
            )
    return out

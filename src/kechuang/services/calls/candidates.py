"""Candidate solvers for a call: the matching engine reads the call as a demand and proposes organizations
and experts with their reasons; the officer invites some of them, who are notified.

The call is turned into an unsaved `Demand` (title, problem, keywords, codes, budget, regions), so the
proposals are ranked and explained by exactly the machinery of demand matches. Organizations the call's
eligibility rules exclude are left out; the posting organization never competes for its own call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.calls import Call, CallInvitation, CallStatus
from kechuang.domain.entities import Achievement, Demand, Organization, Person
from kechuang.domain.enums import Visibility
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import LONG_TEXT, MAX_ID, check_text
from kechuang.engine.features import Reason, compatibility, text_reason
from kechuang.store.db import UnitOfWork, load_by_id

from .. import audit
from ..match_index import MatchIndexes
from ..matching import (
    DEPTH,
    Match,
    access_filter,
    achievement_offer,
    aggregate_holders,
    demand_need,
    live_and_visible,
    match_score,
    project_matches,
    record_query_text,
    track_records,
)
from . import notices
from .calls import audited, is_officer, load_call

Invitations: Any = CallInvitation
KINDS = ("organization", "expert")


@dataclass
class Candidate:
    """A proposed solver with its score, the reasons behind it, and whether it was invited already."""

    kind: str  # organization or expert
    id: int
    name_zh: str
    name_en: str
    score: float
    reasons: list[Reason] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)
    invited: bool = False


def call_as_demand(call: Call) -> Demand:
    """The call in the shape the matching engine reads (never saved)."""
    regions = [code.ljust(6, "0") for code in call.eligible_regions]
    return Demand(
        title_zh=call.title_zh,
        title_en=call.title_en,
        description_zh=call.problem_zh,
        description_en=call.problem_en,
        keywords_zh=list(call.keywords_zh),
        keywords_en=list(call.keywords_en),
        discipline_codes=list(call.discipline_codes),
        industry_codes=list(call.industry_codes),
        budget_max=call.budget,
        preferred_regions=regions,
        visibility=Visibility.PUBLIC,
    )


def _ranked_achievements(actor: Actor, demand: Demand, uow: UnitOfWork, indexes: MatchIndexes) -> list[Match]:
    """What `matching.match_demand` does for achievements, for a demand that exists only in memory."""
    searcher = indexes.get("achievement", uow).searcher
    hits = searcher.search(record_query_text(demand), DEPTH, access_filter(actor))
    achievements = load_by_id(uow, Achievement, [h.id for h in hits])
    track = track_records(uow, {a.owner_org_id for a in achievements.values() if a.owner_org_id})
    need = demand_need(demand)
    ranked: list[Match] = []
    for hit in hits:
        item = achievements.get(hit.id)
        if not live_and_visible(item, actor):
            continue
        reasons = [
            text_reason(hit.score, []),
            *compatibility(need, achievement_offer(item, track), hit.score),
        ]
        ranked.append(
            Match("achievement", item.id, item.title_zh, item.title_en, match_score(hit, reasons), reasons)
        )
    ranked.sort(key=lambda m: -m.score)
    return ranked


def _eligible_org(call: Call, org: Organization) -> bool:
    if org.id == call.poster_org_id:
        return False
    if call.eligible_org_kinds and org.kind.value not in call.eligible_org_kinds:
        return False
    if call.eligible_regions:
        return org.country_code == "CN" and any(org.region_code.startswith(p) for p in call.eligible_regions)
    return True


def propose_candidates(
    actor: Actor,
    call_id: int,
    uow: UnitOfWork,
    indexes: MatchIndexes,
    *,
    kind: str = "organization",
    limit: int = 10,
) -> list[Candidate]:
    """Ranked, explained organizations or experts for a call (officers and the call's poster)."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", field="kind")
    if not 1 <= limit <= 50:
        raise InvalidInput("limit must be from 1 to 50", field="limit")
    with uow() as session:
        call = load_call(session, actor, call_id)
        if not (is_officer(actor) or actor.organization_id == call.poster_org_id):
            raise PermissionDenied("only officers and the posting organization see candidate solvers")
        invited = {
            (i.entity, i.entity_id)
            for i in session.scalars(select(Invitations).where(Invitations.call_id == call_id))
        }
    demand = call_as_demand(call)
    ranked = _ranked_achievements(actor, demand, uow, indexes)
    projects = project_matches(actor, demand, uow, indexes)
    engine_kind = "expert" if kind == "expert" else "organization"
    found = aggregate_holders(actor, engine_kind, ranked, uow, max(limit * 3, 30), projects)
    entity = "person" if kind == "expert" else "organization"
    if kind == "organization":
        orgs = load_by_id(uow, Organization, [m.id for m in found])
        found = [m for m in found if m.id in orgs and _eligible_org(call, orgs[m.id])]
    elif call.poster_org_id is not None:
        people = load_by_id(uow, Person, [m.id for m in found])
        found = [m for m in found if m.id in people and people[m.id].organization_id != call.poster_org_id]
    return [
        Candidate(
            kind, m.id, m.title_zh, m.title_en, m.score, m.reasons, m.evidence, (entity, m.id) in invited
        )
        for m in found[:limit]
    ]


def invite(
    actor: Actor,
    call_id: int,
    entity: str,
    entity_id: int,
    uow: UnitOfWork,
    *,
    note: str = "",
    score: float | None = None,
    reasons: list[str] | None = None,
    idempotency_key: str | None = None,
) -> CallInvitation:
    """An officer invites an organization or an expert to apply to a published call; they are notified."""
    if entity not in ("organization", "person"):
        raise InvalidInput("entity must be 'organization' or 'person'", field="entity")
    if not 1 <= entity_id <= MAX_ID:
        raise NotFound(f"{entity} {entity_id} not found")
    try:
        text = check_text(note.strip(), max_length=LONG_TEXT, multiline=True)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="note") from None
    with uow() as session:
        call = load_call(session, actor, call_id)
        if not is_officer(actor):
            raise PermissionDenied("only officers invite candidates to a call")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            if call.status != CallStatus.PUBLISHED:
                raise Conflict(
                    f"invite only while the call is open (allowed in: published; now {call.status.value})",
                    field="status",
                )
            target: Any = session.get(Organization if entity == "organization" else Person, entity_id)
            if not live_and_visible(target, actor):
                raise NotFound(f"{entity} {entity_id} not found")
            again = session.scalar(
                select(Invitations.id).where(
                    Invitations.call_id == call_id,
                    Invitations.entity == entity,
                    Invitations.entity_id == entity_id,
                )
            )
            if again is not None:
                raise Conflict(f"this {entity} was already invited to the call", field="entity_id")
            row = CallInvitation(
                call_id=call_id,
                entity=entity,
                entity_id=entity_id,
                score=score,
                reasons=[r[:300] for r in (reasons or [])][:20],
                note=text,
                invited_by=actor.name,
                created_at=audit.now(),
            )
            session.add(row)
            message = f"诚邀揭榜「{call.title('zh')}」/ You are invited to apply to “{call.title('en')}”"
            if text:
                message += f"\n{text}"
            users = (
                notices.users_of_orgs(session, [entity_id])
                if entity == "organization"
                else notices.users_for_person(session, target)
            )
            notices.notify_users(session, actor, users, message, call.id, action="invite")
            return (
                "call_invitation",
                row,
                {"call_id": call_id, "entity": entity, "entity_id": entity_id, "notified": len(users)},
            )

        row, replayed = audited(session, actor, idempotency_key, "call.invite", write)
        if replayed:
            return session.get(Invitations, row.result_id)  # type: ignore[no-any-return,return-value]
        return row  # type: ignore[no-any-return]


def invitations_of(actor: Actor, call_id: int, uow: UnitOfWork) -> list[CallInvitation]:
    with uow() as session:
        call = load_call(session, actor, call_id)
        if not (is_officer(actor) or actor.organization_id == call.poster_org_id):
            raise NotFound(f"call {call_id} has no invitations you may see")
        return list(
            session.scalars(
                select(Invitations).where(Invitations.call_id == call_id).order_by(Invitations.id)
            )
        )

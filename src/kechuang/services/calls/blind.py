"""What a reviewer reads: applications under a code, with every applicant name cut out in a blind call.

In a blind call the reviewer sees no applicant organization or team member, in the API or the pages:
applications are named P01, P02... in submission order, and the names of the applying organizations
(both languages and aliases) and team members are cut from every text shown (title, proposal, notes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.calls import Call, CallApplication, CallCriterion
from kechuang.domain.entities import Organization, Person
from kechuang.domain.review import Review, ReviewerAssignment
from kechuang.store.db import UnitOfWork

from .applications import applications_of
from .calls import criteria_of, load_call
from .review import _assignment_for

Orgs: Any = Organization
People: Any = Person
Reviews: Any = Review
REDACTED = "■■"


def application_codes(applications: list[CallApplication]) -> dict[int, str]:
    """Stable anonymous codes (P01, P02...) in submission order: how a blind panel names applications."""
    return {a.id or 0: f"P{i:02d}" for i, a in enumerate(applications, start=1)}


def applicant_names(session: Session, applications: list[CallApplication]) -> list[str]:
    """Every name an applicant goes by (organizations and team members, in both languages, aliases)."""
    org_ids = {o for a in applications for o in a.organization_ids}
    person_ids = {p for a in applications for p in a.team_person_ids}
    names: set[str] = set()
    for model, ids in ((Orgs, org_ids), (People, person_ids)):
        if ids:
            for item in session.scalars(select(model).where(model.id.in_(sorted(ids)))):
                names.update({item.name_zh, item.name_en, *(item.aliases or [])})
    return sorted((n for n in names if n and len(n.strip()) >= 2), key=len, reverse=True)


def redact(text: str, names: list[str]) -> str:
    """Cut every applicant name out of a text (longest first; Latin names case-insensitively)."""
    if not text or not names:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)
    return pattern.sub(REDACTED, text)


@dataclass
class ReviewerPacket:
    """One reviewer's work on a call: the criteria, the applications (coded when blind), their scores."""

    call: Call
    assignment: ReviewerAssignment
    criteria: list[CallCriterion]
    applications: list[dict[str, Any]] = field(default_factory=list)
    blind: bool = True


def reviewer_packet(
    actor: Actor, uow: UnitOfWork, call_id: int, *, assignment_id: int | None = None
) -> ReviewerPacket:
    """The applications as this reviewer may read them; in a blind call no applicant name appears."""
    with uow() as session:
        call = load_call(session, actor, call_id)
        assignment, _ = _assignment_for(session, actor, call_id, assignment_id)
        applications = applications_of(session, call_id)
        codes = application_codes(applications)
        names = applicant_names(session, applications) if call.blind_review else []
        mine = {
            r.application_id: r
            for r in session.scalars(select(Reviews).where(Reviews.assignment_id == assignment.id))
        }
        orgs = {
            o.id: o
            for o in session.scalars(
                select(Orgs).where(
                    Orgs.id.in_(sorted({o for a in applications for o in a.organization_ids}) or [-1])
                )
            )
        }
        out = []
        for application in applications:
            item: dict[str, Any] = {
                "application_id": application.id,
                "code": codes[application.id or 0],
                "title": redact(application.title, names),
                "proposal": redact(application.proposal, names),
                "commitments": [
                    {**c, "note": redact(str(c.get("note", "")), names)} for c in application.commitments
                ],
                "requested_budget": application.requested_budget,
                "review": _review_out(mine.get(application.id or 0)),
            }
            if not call.blind_review:
                item["lead_organization"] = _org_name(orgs.get(application.lead_org_id))
                item["partner_organizations"] = [_org_name(orgs.get(o)) for o in application.partner_org_ids]
                item["team_person_ids"] = list(application.team_person_ids)
            out.append(item)
        return ReviewerPacket(call, assignment, criteria_of(session, call_id), out, call.blind_review)


def _org_name(org: Organization | None) -> str:
    return "" if org is None else org.name_zh or org.name_en


def _review_out(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "id": review.id,
        "scores": dict(review.scores),
        "comments": dict(review.comments),
        "comment": review.comment,
        "total": review.total,
        "submitted_at": review.submitted_at,
    }

"""A call's result (公示): reviews aggregated and ranked, published by the call's own step, and appeals.

The result is computed from the scores of reviewers who did not recuse, by the call's aggregation rule
(`domain.review`), with outlier reviews flagged for the officer. Publishing writes the ranking in the
same transaction as the call's `publish_result` step, so a published call always has its ranking. Once
published, anyone the call's visibility admits may read it, without an account for a public call; the
reasons are the reviewers' comments, anonymised. A call's reviewers never see applicant names in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.calls import Call, CallApplication, CallCriterion
from kechuang.domain.entities import Organization
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import MAX_ID
from kechuang.domain.review import (
    Aggregate,
    Appeal,
    AppealStatus,
    AssignmentStatus,
    ResultEntry,
    Review,
    ReviewerAssignment,
    ReviewScores,
    aggregate_application,
    check_stage,
    rank,
)
from kechuang.store.db import UnitOfWork

from .. import audit
from . import awards, notices
from .applications import applications_of, is_applicant, load_application
from .blind import applicant_names, application_codes, redact
from .calls import audited, criteria_of, is_officer, load_call, run_step
from .review import _text, is_reviewer, plan_of, weights_of

Results: Any = ResultEntry
Reviews: Any = Review
Assignments: Any = ReviewerAssignment
Appeals: Any = Appeal
Orgs: Any = Organization
APPEAL_CHARS = 5000


@dataclass
class Ranked:
    """One application's computed place, with the numbers behind it (the officer's preview)."""

    application: CallApplication
    rank: int
    aggregate: Aggregate
    reasons: list[str]


def _counted_reviews(session: Session, call_id: int) -> list[Review]:
    """Reviews of reviewers still on the panel (a recused reviewer's scores do not count)."""
    active = select(Assignments.id).where(
        Assignments.call_id == call_id, Assignments.status == AssignmentStatus.ASSIGNED
    )
    return list(
        session.scalars(
            select(Reviews)
            .where(Reviews.call_id == call_id, Reviews.assignment_id.in_(active))
            .order_by(Reviews.id)
        )
    )


def compute(session: Session, call: Call) -> list[Ranked]:
    """Aggregate and rank every submitted application that has at least one counted review."""
    criteria = criteria_of(session, call.id or 0)
    weights = weights_of(criteria)
    rule = plan_of(session, call.id or 0).rule
    reviews = _counted_reviews(session, call.id or 0)
    by_application: dict[int, list[Review]] = {}
    for review in reviews:
        by_application.setdefault(review.application_id, []).append(review)
    applications = {a.id: a for a in applications_of(session, call.id or 0)}
    # reviewers are numbered per call in assignment order, so a reason never names who wrote it
    numbers = {aid: n for n, aid in enumerate(sorted({r.assignment_id for r in reviews}), start=1)}
    results = [
        aggregate_application(
            application_id, [ReviewScores(r.id or 0, r.scores) for r in items], weights, rule
        )
        for application_id, items in by_application.items()
        if application_id in applications
    ]
    names = applicant_names(session, list(applications.values())) if call.blind_review else []
    ranked = []
    for position, result in rank(results):
        reasons = [
            f"评审专家 {numbers[r.assignment_id]} / Reviewer {numbers[r.assignment_id]}: "
            f"{redact(r.comment, names)}"
            for r in by_application[result.application_id]
            if r.comment
        ]
        ranked.append(Ranked(applications[result.application_id], position, result, reasons))
    return ranked


def _criteria_out(criteria: list[CallCriterion], result: Aggregate) -> list[dict[str, Any]]:
    return [
        {
            "criterion_id": c.id,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "weight": c.weight,
            "score": result.criteria[str(c.id)],
        }
        for c in criteria
    ]


def preview(actor: Actor, uow: UnitOfWork, call_id: int) -> list[Ranked]:
    """The ranking as it stands, with outlier reviews flagged: what the officer checks before publishing."""
    with uow() as session:
        call = load_call(session, actor, call_id)
        if not is_officer(actor):
            raise NotFound(f"the review of call {call_id} is not found")
        return compute(session, call)


def publish_result(
    actor: Actor, uow: UnitOfWork, call_id: int, *, idempotency_key: str | None = None
) -> Call:
    """Write the ranking and move the call to `result` (公示) in one step; the appeal window opens now."""

    def write_ranking(session: Session, call: Call, _parties: Any) -> dict[str, Any]:
        ranked = compute(session, call)
        applications = applications_of(session, call.id or 0)
        reviewed = {item.application.id for item in ranked}
        codes = application_codes(applications)
        if missing := [codes[a.id or 0] for a in applications if a.id not in reviewed]:
            raise Conflict(
                f"not every application has a review yet (none for {', '.join(missing)}); "
                "nothing was published",
                field="status",
            )
        criteria = criteria_of(session, call.id or 0)
        rule = plan_of(session, call.id or 0).rule
        session.execute(delete(Results).where(Results.call_id == call.id))
        stamp = audit.now()
        for item in ranked:
            session.add(
                ResultEntry(
                    call_id=call.id or 0,
                    application_id=item.application.id or 0,
                    rank=item.rank,
                    score=item.aggregate.score,
                    criteria=_criteria_out(criteria, item.aggregate),
                    reasons=item.reasons,
                    reviews=item.aggregate.reviews,
                    outlier_review_ids=list(item.aggregate.outlier_review_ids),
                    rule=rule,
                    computed_by=actor.name,
                    computed_at=stamp,
                )
            )
        return {
            "rule": rule.value,
            "ranking": [
                {"application_id": i.application.id, "rank": i.rank, "score": i.aggregate.score}
                for i in ranked
            ],
            "outlier_reviews": sorted(r for i in ranked for r in i.aggregate.outlier_review_ids),
        }

    return run_step(actor, uow, call_id, "publish_result", write_ranking, idempotency_key=idempotency_key)


@dataclass
class ResultRow:
    """One line of a published result as a reader sees it."""

    entry: ResultEntry
    code: str
    title: str
    applicant: str | None  # None where the reader reviewed a blind call


def published_result(actor: Actor, uow: UnitOfWork, call_id: int) -> list[ResultRow]:
    """The ranking of a published result for anyone who may see the call; before publication, 404."""
    with uow() as session:
        call = load_call(session, actor, call_id)
        if call.result_at is None:
            raise NotFound(f"the result of call {call_id} is not published")
        entries = list(
            session.scalars(
                select(Results)
                .where(Results.call_id == call_id)
                .order_by(Results.rank, Results.application_id)
            )
        )
        applications = applications_of(session, call_id)
        by_id = {a.id: a for a in applications}
        codes = application_codes(applications)
        hidden = call.blind_review and is_reviewer(session, actor, call_id) and not is_officer(actor)
        names = applicant_names(session, applications) if hidden else []
        orgs = {
            o.id: o
            for o in session.scalars(
                select(Orgs).where(Orgs.id.in_(sorted({a.lead_org_id for a in applications}) or [-1]))
            )
        }
        rows = []
        for entry in entries:
            application = by_id.get(entry.application_id)
            if application is None:
                continue
            org = orgs.get(application.lead_org_id)
            applicant = None if hidden or org is None else (org.name_zh or org.name_en)
            rows.append(
                ResultRow(entry, codes[entry.application_id], redact(application.title, names), applicant)
            )
        return rows


# --- appeals ---------------------------------------------------------------------------------------------


def file_appeal(
    actor: Actor,
    uow: UnitOfWork,
    call_id: int,
    application_id: int,
    text: str,
    *,
    idempotency_key: str | None = None,
) -> Appeal:
    """An applicant objects to the published result within the appeal window; officers are told."""
    body = _text(text, "text", APPEAL_CHARS)
    if not body:
        raise InvalidInput("say what you object to", field="text")
    with uow() as session:
        call = load_call(session, actor, call_id)
        application = _application(session, actor, call_id, application_id)
        if not is_applicant(actor, application):
            raise PermissionDenied("only the applying organizations may appeal their result")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            check_stage("appeal", call.status)
            ends = call.appeal_window_ends()
            if ends is not None and audit.now() > ends:
                raise Conflict(
                    f"the appeal window closed on {ends.isoformat(timespec='minutes')}", field="status"
                )
            appeal = Appeal(
                call_id=call_id,
                application_id=application_id,
                text=body,
                filed_by=actor.name,
                filed_at=audit.now(),
            )
            session.add(appeal)
            notices.notify_officers(
                session,
                actor,
                f"「{call.title('zh')}」收到异议 / An appeal against the result",
                call_id,
                action="review.appeal",
            )
            return "call_appeal", appeal, {"call_id": call_id, "application_id": application_id}

        row, replayed = audited(session, actor, idempotency_key, "call_review.appeal", write)
        return session.get(Appeals, row.result_id) if replayed else row  # type: ignore[no-any-return,return-value]


def _application(session: Session, actor: Actor, call_id: int, application_id: int) -> CallApplication:
    application = load_application(session, actor, application_id)
    if application.call_id != call_id:
        raise NotFound(f"application {application_id} not found")
    return application


def answer_appeal(
    actor: Actor,
    uow: UnitOfWork,
    call_id: int,
    appeal_id: int,
    decision: str,
    reason: str,
    *,
    idempotency_key: str | None = None,
) -> Appeal:
    """An officer upholds or rejects an appeal, always with a reason; the appellant is told."""
    if decision not in (AppealStatus.UPHELD.value, AppealStatus.REJECTED.value):
        raise InvalidInput("decision must be 'upheld' or 'rejected'", field="decision")
    why = _text(reason, "reason")
    if not why:
        raise InvalidInput("give the reason for the decision", field="reason")
    with uow() as session:
        call = load_call(session, actor, call_id)
        if not is_officer(actor):
            raise PermissionDenied("only programme officers answer appeals")
        appeal = session.get(Appeals, appeal_id) if 1 <= appeal_id <= MAX_ID else None
        if appeal is None or appeal.call_id != call_id:
            raise NotFound(f"appeal {appeal_id} not found")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            check_stage("answer_appeal", call.status)
            if appeal.status != AppealStatus.OPEN:
                raise Conflict(
                    f"appeal {appeal_id} was already answered ({appeal.status.value})", field="status"
                )
            appeal.status = AppealStatus(decision)
            appeal.decision_reason, appeal.decided_by, appeal.decided_at = why, actor.name, audit.now()
            application = session.get(CallApplication, appeal.application_id)
            if application is not None:
                notices.notify_orgs(
                    session,
                    actor,
                    application.organization_ids,
                    f"您的异议已答复（{appeal.status.zh}）/ "
                    f"Your appeal was answered ({appeal.status.en}): {why[:300]}",
                    call_id,
                    action="review.answer_appeal",
                )
            return "call_appeal", appeal, {"call_id": call_id, "decision": decision, "reason": why}

        audited(session, actor, idempotency_key, "call_review.answer_appeal", write)
        return appeal  # type: ignore[no-any-return]


def appeals_of(actor: Actor, uow: UnitOfWork, call_id: int) -> list[Appeal]:
    """All appeals of a call for officers; an applicant's own appeals for its organization; else none."""
    with uow() as session:
        load_call(session, actor, call_id)
        rows = list(session.scalars(select(Appeals).where(Appeals.call_id == call_id).order_by(Appeals.id)))
        if is_officer(actor):
            return rows
        mine = {a.id for a in applications_of(session, call_id) if is_applicant(actor, a)}
        if not mine:
            raise NotFound(f"the appeals of call {call_id} are not found")
        return [a for a in rows if a.application_id in mine]


def refuse_award_while_appeals_are_open(session: Session, call: Call) -> None:
    """An award waits until every appeal against the result is answered (registered with the awards)."""
    open_appeals = session.scalars(
        select(Appeals.id).where(Appeals.call_id == call.id, Appeals.status == AppealStatus.OPEN)
    ).all()
    if open_appeals:
        raise Conflict(
            f"appeal {open_appeals[0]} against the result is not answered yet; answer it before the award",
            field="status",
        )


if refuse_award_while_appeals_are_open not in awards.AWARD_GUARDS:
    awards.AWARD_GUARDS.append(refuse_award_while_appeals_are_open)

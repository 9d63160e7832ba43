"""After the result: the award, milestones from the call's indicators, evidence, payments, overdue flags.

The award names the winning applications; each gets one milestone per indicator (target, unit, the
evidence the indicator's verification asks for, due the indicator's months after the award). The
awardee reports evidence; the officer accepts it or returns it with a reason; payments are recorded
per milestone. `check_overdue` flags milestones past their due date once each and notifies: it is
idempotent, so a daily CLI job may run it as often as it likes.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.calls import (
    ApplicationStatus,
    Call,
    CallApplication,
    CallMilestone,
    CallParty,
    CallStatus,
    MilestonePayment,
    MilestoneStatus,
)
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import LONG_TEXT, MAX_AMOUNT_WAN, MAX_ID, check_number, check_text
from kechuang.domain.tasks import KeyTask
from kechuang.store.db import UnitOfWork

from .. import audit
from . import notices
from .applications import applications_of
from .calls import Calls, audited, indicators_of, is_officer, load_call, run_step

Milestones: Any = CallMilestone
Payments: Any = MilestonePayment
Applications: Any = CallApplication
ACTIVE = (CallStatus.AWARDED, CallStatus.IN_PROGRESS)

AwardGuard = Callable[[Session, Call], None]
AWARD_GUARDS: list[AwardGuard] = []
"""Checks run inside the award's transaction before anything is written (the review registers one that
refuses an award while an appeal is unanswered); each raises a domain error to refuse."""


def _months_later(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _text(value: str | None, field_name: str) -> str:
    try:
        return check_text((value or "").strip(), max_length=LONG_TEXT, multiline=True)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field_name) from None


def link_key_task(
    actor: Actor, call_id: int, task_id: int | None, uow: UnitOfWork, *, idempotency_key: str | None = None
) -> Call:
    """Tie an awarded call to the annual key task (M6) it serves, or untie it (None); audited; officers."""

    def apply(session: Session, call: Call, _parties: Any) -> dict[str, Any]:
        if task_id is not None and (not 1 <= task_id <= MAX_ID or session.get(KeyTask, task_id) is None):
            raise InvalidInput(f"no key task {task_id}", field="key_task_id")
        call.key_task_id = task_id
        return {"key_task_id": task_id}

    return run_step(actor, uow, call_id, "link_key_task", apply, idempotency_key=idempotency_key)


def award(
    actor: Actor,
    call_id: int,
    application_ids: list[int],
    uow: UnitOfWork,
    *,
    early_reason: str | None = None,
    idempotency_key: str | None = None,
) -> Call:
    """Award a call whose result is published to the named applications; their milestones are created.

    While the appeal window of the result (公示) is open the award is refused, unless the officer writes
    why it cannot wait (`early_reason`, audited).
    """
    if not application_ids or len(application_ids) > 20 or len(set(application_ids)) != len(application_ids):
        raise InvalidInput("name from 1 to 20 different winning applications", field="application_ids")
    early = _text(early_reason, "early_reason")
    from . import review_results  # noqa: F401  # registers the review's guard (unanswered appeals) in AWARD_GUARDS

    def apply(session: Session, call: Call, _parties: frozenset[CallParty]) -> dict[str, Any]:
        ends = call.appeal_window_ends()
        if ends is not None and audit.now() < ends and not early:
            raise Conflict(
                f"the appeal window of the result ends at {ends.isoformat(timespec='minutes')} UTC; "
                "award after it, or give early_reason",
                field="status",
            )
        for guard in AWARD_GUARDS:
            guard(session, call)
        submitted = {a.id: a for a in applications_of(session, call.id or 0)}
        if missing := [i for i in application_ids if i not in submitted]:
            raise InvalidInput(
                f"application {missing[0]} is not a submitted application of this call",
                field="application_ids",
            )
        stamp = audit.now()
        call.awarded_at = stamp
        indicators = indicators_of(session, call.id or 0)
        made = 0
        for application in submitted.values():
            won = application.id in application_ids
            application.status = ApplicationStatus.AWARDED if won else ApplicationStatus.NOT_AWARDED
            application.updated_at = stamp
            if not won:
                continue
            for indicator in indicators:
                verification = indicator.verification_zh or indicator.verification_en
                session.add(
                    CallMilestone(
                        call_id=call.id or 0,
                        application_id=application.id or 0,
                        indicator_id=indicator.id,
                        position=indicator.position,
                        title_zh=indicator.name_zh,
                        title_en=indicator.name_en,
                        target=indicator.target,
                        unit=indicator.unit,
                        evidence_required=verification,
                        due_on=_months_later(stamp.date(), indicator.due_months),
                        created_at=stamp,
                    )
                )
                made += 1
            notices.notify_orgs(
                session,
                actor,
                application.organization_ids,
                f"「{call.title()}」授榜：您的申请中榜 / your application was awarded",
                call.id,
                action="award",
            )
        payload: dict[str, Any] = {"application_ids": sorted(application_ids), "milestones": made}
        if early:
            payload["early_reason"] = early
        return payload

    return run_step(actor, uow, call_id, "award", apply, idempotency_key=idempotency_key)


@dataclass
class MilestoneView:
    milestone: CallMilestone
    overdue: bool
    paid: float
    payments: list[MilestonePayment] = field(default_factory=list)


def _may_follow(actor: Actor, call: Call, application: CallApplication) -> bool:
    """Officers, the awarded team's organizations and the posting organization follow the milestones."""
    org = actor.organization_id
    return is_officer(actor) or (
        org is not None and (org in application.organization_ids or org == call.poster_org_id)
    )


def milestones_of(
    actor: Actor, call_id: int, uow: UnitOfWork, *, today: date | None = None
) -> list[MilestoneView]:
    """The milestones of a call the actor may follow, each with its overdue flag and payments."""
    day = today or audit.now().date()
    with uow() as session:
        call = load_call(session, actor, call_id)
        rows = list(
            session.scalars(
                select(Milestones)
                .where(Milestones.call_id == call_id)
                .order_by(Milestones.application_id, Milestones.position)
            )
        )
        apps = {a.id: a for a in session.scalars(select(Applications).where(Applications.call_id == call_id))}
        rows = [m for m in rows if _may_follow(actor, call, apps[m.application_id])]
        paid: dict[int, list[MilestonePayment]] = {}
        if rows:
            for payment in session.scalars(
                select(Payments).where(Payments.milestone_id.in_([m.id for m in rows])).order_by(Payments.id)
            ):
                paid.setdefault(payment.milestone_id, []).append(payment)
    return [
        MilestoneView(
            m,
            m.is_overdue(day),
            round(sum(p.amount for p in paid.get(m.id or 0, [])), 4),
            paid.get(m.id or 0, []),
        )
        for m in rows
    ]


def _milestone(
    session: Session, actor: Actor, milestone_id: int
) -> tuple[CallMilestone, Call, CallApplication]:
    found = session.get(Milestones, milestone_id) if 1 <= milestone_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"milestone {milestone_id} not found")
    call = session.get(Calls, found.call_id)
    application = session.get(Applications, found.application_id)
    if call is None or application is None or not _may_follow(actor, call, application):
        raise NotFound(f"milestone {milestone_id} not found")
    if call.status not in ACTIVE:
        raise Conflict(
            f"the call is '{call.status.value}' (allowed in: awarded, in_progress)", field="status"
        )
    return found, call, application


def report_evidence(
    actor: Actor,
    milestone_id: int,
    evidence: str,
    uow: UnitOfWork,
    *,
    achieved_value: float | None = None,
    idempotency_key: str | None = None,
) -> CallMilestone:
    """The awarded lead organization reports what it achieved for a pending or returned milestone."""
    text = _text(evidence, "evidence")
    if not text:
        raise InvalidInput("describe the evidence", field="evidence")
    value = None
    if achieved_value is not None:
        try:
            value = check_number(float(achieved_value), high=1e15)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(str(exc), field="achieved_value") from None
    with uow() as session:
        milestone, call, application = _milestone(session, actor, milestone_id)
        if actor.organization_id != application.lead_org_id:
            raise PermissionDenied("only the awarded lead organization reports evidence")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            if milestone.status not in (MilestoneStatus.PENDING, MilestoneStatus.RETURNED):
                raise Conflict(
                    f"milestone is '{milestone.status.value}' (allowed in: pending, returned)", field="status"
                )
            milestone.status, milestone.evidence, milestone.achieved_value = (
                MilestoneStatus.REPORTED,
                text,
                value,
            )
            milestone.reported_by, milestone.reported_at = actor.name, audit.now()
            notices.notify_officers(
                session,
                actor,
                f"「{call.title()}」里程碑待审核 / milestone evidence reported",
                call.id,
                milestone_id=milestone.id,
            )
            return (
                "call_milestone",
                milestone,
                {"call_id": call.id, "to": "reported", "achieved_value": value},
            )

        audited(session, actor, idempotency_key, "call_milestone.report", write)
        return milestone


def decide_milestone(
    actor: Actor,
    milestone_id: int,
    accept: bool,
    uow: UnitOfWork,
    *,
    reason: str = "",
    idempotency_key: str | None = None,
) -> CallMilestone:
    """The officer accepts reported evidence, or returns it with a reason the awardee is told."""
    text = _text(reason, "reason")
    if not accept and not text:
        raise InvalidInput("give the reason for returning the evidence", field="reason")
    with uow() as session:
        milestone, call, application = _milestone(session, actor, milestone_id)
        if not is_officer(actor):
            raise PermissionDenied("only an officer accepts or returns milestone evidence")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            if milestone.status != MilestoneStatus.REPORTED:
                raise Conflict(
                    f"milestone is '{milestone.status.value}' (allowed in: reported)", field="status"
                )
            milestone.status = MilestoneStatus.ACCEPTED if accept else MilestoneStatus.RETURNED
            milestone.decision_reason, milestone.decided_by, milestone.decided_at = (
                text,
                actor.name,
                audit.now(),
            )
            verdict = "通过 / accepted" if accept else f"退回 / returned: {text}"
            notices.notify_orgs(
                session,
                actor,
                [application.lead_org_id],
                f"「{call.title()}」里程碑{verdict}",
                call.id,
                milestone_id=milestone.id,
            )
            return (
                "call_milestone",
                milestone,
                {"call_id": call.id, "to": milestone.status.value, "reason": text},
            )

        audited(session, actor, idempotency_key, "call_milestone.decide", write)
        return milestone


def record_payment(
    actor: Actor,
    milestone_id: int,
    amount: float,
    uow: UnitOfWork,
    *,
    paid_on: date | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> MilestonePayment:
    """An officer records money paid against a milestone (万元)."""
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise InvalidInput("must be a number (万元)", field="amount")
    try:
        value = check_number(float(amount), high=MAX_AMOUNT_WAN)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="amount") from None
    if value <= 0:
        raise InvalidInput("must be a positive amount (万元)", field="amount")
    text = _text(note, "note")
    with uow() as session:
        _, call, _ = _milestone(session, actor, milestone_id)
        if not is_officer(actor):
            raise PermissionDenied("only an officer records payments")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            row = MilestonePayment(
                milestone_id=milestone_id,
                amount=value,
                paid_on=paid_on or audit.now().date(),
                note=text,
                recorded_by=actor.name,
                created_at=audit.now(),
            )
            session.add(row)
            return (
                "milestone_payment",
                row,
                {"call_id": call.id, "milestone_id": milestone_id, "amount": value},
            )

        row, replayed = audited(session, actor, idempotency_key, "call_milestone.payment", write)
        return session.get(Payments, row.result_id) if replayed else row  # type: ignore[no-any-return,return-value]


@dataclass
class OverdueReport:
    """What one overdue check did: milestones newly flagged, and how many were flagged before."""

    flagged: list[int]
    already_flagged: int


def check_overdue(uow: UnitOfWork, *, today: date | None = None, actor: Actor | None = None) -> OverdueReport:
    """Flag every milestone past its due date and not accepted, once; notify the awardee and officers."""
    day = today or audit.now().date()
    who = actor or Actor.system("milestone-check")
    with uow() as session:
        head = audit.lock_chain(session)
        due = list(
            session.scalars(
                select(Milestones)
                .join(Calls, Calls.id == Milestones.call_id)
                .where(
                    Calls.status.in_(ACTIVE),
                    Milestones.due_on < day,
                    Milestones.status != MilestoneStatus.ACCEPTED,
                )
                .order_by(Milestones.id)
            )
        )
        fresh = [m for m in due if m.overdue_at is None]
        for milestone in fresh:
            milestone.overdue_at = audit.now()
            call: Call = session.get_one(Calls, milestone.call_id)
            application: CallApplication = session.get_one(Applications, milestone.application_id)
            text = (
                f"「{call.title()}」里程碑「{milestone.title_zh or milestone.title_en}」已逾期"
                f"（应于 {milestone.due_on} 完成）/ milestone overdue since {milestone.due_on}"
            )
            notices.notify_orgs(
                session, who, application.organization_ids, text, call.id, milestone_id=milestone.id
            )
            notices.notify_officers(session, who, text, call.id, milestone_id=milestone.id)
            audit.append(
                session,
                head,
                who,
                "call_milestone.overdue",
                "call_milestone",
                milestone.id,
                {"call_id": call.id, "due_on": str(milestone.due_on), "checked_on": str(day)},
            )
        return OverdueReport([m.id for m in fresh], len(due) - len(fresh))

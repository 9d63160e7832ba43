"""Calls from draft to final acceptance: every step one audited, idempotent transaction, refused out of turn.

Each step runs `run_step`: lock the audit chain (which serializes concurrent steps), honour an
idempotency key, reload the call, check the domain's transition table for the actor's parties, apply
the change, append the audit event and notify, all in one transaction: a crash leaves the old state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor, can_see
from kechuang.domain.calls import (
    ApplicationStatus,
    Call,
    CallApplication,
    CallCriterion,
    CallIndicator,
    CallMilestone,
    CallParty,
    CallStatus,
    MilestoneStatus,
    allowed_actions,
    check_transition,
)
from kechuang.domain.enums import Visibility
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import LONG_TEXT, MAX_ID, MAX_OFFSET, check_text
from kechuang.store.db import UnitOfWork

from .. import audit
from . import notices
from .fields import clean_call

Calls: Any = Call
Indicators: Any = CallIndicator
Criteria: Any = CallCriterion
Applications: Any = CallApplication
Milestones: Any = CallMilestone
POSTING_ROLES = frozenset({"enterprise", "institution"})


def is_officer(actor: Actor) -> bool:
    """Programme officers and administrators run calls; contract registrars do not."""
    return actor.authenticated and ("officer" in actor.roles or actor.is_admin)


def _is_poster(actor: Actor, call: Call) -> bool:
    return actor.organization_id is not None and actor.organization_id == call.poster_org_id


def may_see_call(actor: Actor, call: Call) -> bool:
    """A draft is seen by officers and its poster only; later stages by whoever the visibility admits."""
    if is_officer(actor) or _is_poster(actor, call):
        return True
    if call.status == CallStatus.DRAFT:
        return False
    return can_see(actor, call.visibility, call.poster_org_id)


def parties_of(session: Session, actor: Actor, call: Call) -> frozenset[CallParty]:
    """Every part the actor plays in this call (an officer may also belong to the posting organization)."""
    parties: set[CallParty] = set()
    if is_officer(actor):
        parties.add(CallParty.OFFICER)
    if _is_poster(actor, call):
        parties.add(CallParty.POSTER)
    if actor.organization_id is not None and call.id is not None:
        awarded = session.scalar(
            select(func.count())
            .select_from(Applications)
            .where(
                Applications.call_id == call.id,
                Applications.lead_org_id == actor.organization_id,
                Applications.status == ApplicationStatus.AWARDED,
            )
        )
        if awarded:
            parties.add(CallParty.AWARDEE)
    return frozenset(parties)


def _call_id(call_id: int) -> int:
    if not isinstance(call_id, int) or not 1 <= call_id <= MAX_ID:
        raise NotFound(f"call {call_id} not found")
    return call_id


def load_call(session: Session, actor: Actor, call_id: int, *, lock: bool = False) -> Call:
    """The call in this session, or 404 when it does not exist or the actor may not know it does."""
    call: Call | None = session.get(Calls, _call_id(call_id), populate_existing=lock)
    if call is None or not may_see_call(actor, call):
        raise NotFound(f"call {call_id} not found")
    return call


def get_call(actor: Actor, call_id: int, uow: UnitOfWork) -> Call:
    """One call as the actor may see it (404 for outsiders on drafts and non-public calls)."""
    with uow() as session:
        return load_call(session, actor, call_id)


def indicators_of(session: Session, call_id: int) -> list[CallIndicator]:
    return list(
        session.scalars(select(Indicators).where(Indicators.call_id == call_id).order_by(Indicators.position))
    )


def criteria_of(session: Session, call_id: int) -> list[CallCriterion]:
    """The call's evaluation criteria in order; their weights sum to 1 (checked when written)."""
    return list(
        session.scalars(select(Criteria).where(Criteria.call_id == call_id).order_by(Criteria.position))
    )


@dataclass
class CallDetail:
    """A call with its indicators and criteria, and what the reader may do with it now."""

    call: Call
    indicators: list[CallIndicator]
    criteria: list[CallCriterion]
    parties: frozenset[CallParty]
    actions: list[str] = field(default_factory=list)


def call_detail(actor: Actor, call_id: int, uow: UnitOfWork) -> CallDetail:
    with uow() as session:
        call = load_call(session, actor, call_id)
        parties = parties_of(session, actor, call)
        actions = allowed_actions(call.status, parties)
        if call.needs_approval and "publish" in actions and "approve" in actions:
            actions.remove("publish")
        return CallDetail(
            call, indicators_of(session, call_id), criteria_of(session, call_id), parties, actions
        )


def list_calls(
    actor: Actor, uow: UnitOfWork, *, status: str = "", q: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[Call], int]:
    """Calls the actor may see, newest first, with their total (drafts only to officers and posters)."""
    if not 1 <= limit <= 200 or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput("limit must be from 1 to 200 and offset not negative", field="limit")
    conditions: list[Any] = []
    if status:
        try:
            conditions.append(Calls.status == CallStatus(status))
        except ValueError:
            allowed = ", ".join(s.value for s in CallStatus)
            raise InvalidInput(
                f"unknown status '{status[:40]}' (one of: {allowed})", field="status"
            ) from None
    if q.strip():
        try:
            term = check_text(q.strip(), max_length=200)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="q") from None
        like = f"%{term}%"
        conditions.append(or_(Calls.title_zh.ilike(like), Calls.title_en.ilike(like)))
    if not is_officer(actor):
        org = actor.organization_id if actor.organization_id is not None else -1
        visible = [Calls.visibility == Visibility.PUBLIC]
        if actor.authenticated:
            visible.append(Calls.visibility == Visibility.MEMBERS)
        conditions.append(or_(Calls.poster_org_id == org, (Calls.status != CallStatus.DRAFT) & or_(*visible)))
    with uow() as session:
        count = session.scalar(select(func.count()).select_from(Calls).where(*conditions)) or 0
        items = list(
            session.scalars(
                select(Calls).where(*conditions).order_by(Calls.id.desc()).limit(limit).offset(offset)
            )
        )
    return items, count


# --- idempotency ----------------------------------------------------------------------------------------






def audited(
    session: Session,
    actor: Actor,
    idempotency_key: str | None,
    action: str,
    write: Callable[[Any], tuple[str, Any, dict[str, Any]]],
) -> tuple[Any, bool]:
    """Run one audited write of this module: replay a used key, else write, append the event, remember.

    `write(head)` returns (entity name, the written row, audit payload); the result is (row, replayed).
    Used by the steps that are not call transitions (applications, invitations, milestones, scenarios).
    """
    head = audit.lock_chain(session)
    done = audit.replayed(session, actor, idempotency_key, action)
    if done is not None:
        return done, True
    entity, row, payload = write(head)
    session.flush()
    audit.append(session, head, actor, action, entity, row.id, payload)
    audit.remember(session, actor, idempotency_key, action, entity, row.id)
    return row, False


def _reason(reason: str | None, required: bool, action: str) -> str:
    text = (reason or "").strip()
    try:
        text = check_text(text, max_length=LONG_TEXT, multiline=True)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="reason") from None
    if required and not text:
        raise InvalidInput(f"give a reason to {action.replace('_', ' ')} this call", field="reason")
    return text


# --- creating and editing -------------------------------------------------------------------------------


def _write_rows(
    session: Session,
    call_id: int,
    indicators: list[dict[str, Any]] | None,
    criteria: list[dict[str, Any]] | None,
) -> None:
    if indicators is not None:
        for old in indicators_of(session, call_id):
            session.delete(old)
        for position, row in enumerate(indicators, start=1):
            session.add(CallIndicator(call_id=call_id, position=position, **row))
    if criteria is not None:
        for old_criterion in criteria_of(session, call_id):
            session.delete(old_criterion)
        for position, row in enumerate(criteria, start=1):
            session.add(CallCriterion(call_id=call_id, position=position, **row))
    session.flush()


def create_call(
    actor: Actor,
    data: Mapping[str, Any],
    uow: UnitOfWork,
    *,
    idempotency_key: str | None = None,
    is_sample: bool = False,
) -> Call:
    """An officer posts a call (approved at once); an enterprise or institution posts one for approval."""
    if not actor.authenticated:
        raise PermissionDenied("sign in to post a call")
    officer = is_officer(actor)
    if not officer and not (POSTING_ROLES & actor.roles and actor.organization_id is not None):
        raise PermissionDenied("only officers, enterprises and institutions may post a call")
    clean = clean_call(data, creating=True)
    with uow() as session:

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            stamp = audit.now()
            call = Call(
                **clean.fields,
                poster_org_id=None if officer else actor.organization_id,
                approved_by=actor.name if officer else "",
                approved_at=stamp if officer else None,
                created_by=actor.name,
                created_at=stamp,
                updated_at=stamp,
                is_sample=is_sample,
            )
            session.add(call)
            session.flush()
            _write_rows(session, call.id or 0, clean.indicators, clean.criteria)
            return "call", call, {"to": CallStatus.DRAFT.value, "title": call.title()}

        row, replayed = audited(session, actor, idempotency_key, "call.create", write)
        return load_call(session, actor, row.result_id) if replayed else row  # type: ignore[no-any-return]


def edit_call(
    actor: Actor,
    call_id: int,
    data: Mapping[str, Any],
    uow: UnitOfWork,
    *,
    idempotency_key: str | None = None,
) -> Call:
    """Change a draft (fields, indicators, criteria); an enterprise's edit voids an earlier approval."""
    clean = clean_call(data, creating=False)

    def apply(session: Session, call: Call, parties: frozenset[CallParty]) -> dict[str, Any]:
        for key, value in clean.fields.items():
            setattr(call, key, value)
        if not (call.title_zh or call.title_en):
            raise InvalidInput("give a title in Chinese or English", field="title_zh")
        _write_rows(session, call.id or 0, clean.indicators, clean.criteria)
        if (
            call.poster_org_id is not None
            and CallParty.OFFICER not in parties
            and call.approved_at is not None
        ):
            call.approved_at, call.approved_by = None, ""
        changed = sorted(clean.fields) + [k for k in ("indicators", "criteria") if k in data]
        return {"changed": changed}

    return run_step(actor, uow, call_id, "edit", apply, idempotency_key=idempotency_key)


# --- the steps ------------------------------------------------------------------------------------------

Apply = Callable[[Session, Call, frozenset[CallParty]], dict[str, Any]]


def run_step(
    actor: Actor,
    uow: UnitOfWork,
    call_id: int,
    action: str,
    apply: Apply | None = None,
    *,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> Call:
    """Take one step of the state machine on a call: checked, applied, audited, notified, idempotent."""
    _call_id(call_id)
    with uow() as session:
        head = audit.lock_chain(session)
        done = audit.replayed(session, actor, idempotency_key, f"call.{action}")
        call = load_call(session, actor, call_id, lock=True)
        if done is not None:
            return call
        parties = parties_of(session, actor, call)
        step = check_transition(action, call.status, parties)
        text = _reason(reason, step.needs_reason, action)
        before = call.status
        payload = _STEP_EFFECTS.get(action, _no_effect)(session, actor, call, text)
        if apply is not None:
            payload.update(apply(session, call, parties))
        if step.to is not None:
            call.status = step.to
        stamp = audit.now()
        call.version += 1
        call.updated_at = stamp
        session.flush()
        body = {"from": before.value, "to": call.status.value, **payload}
        if text:
            body["reason"] = text
        audit.append(session, head, actor, f"call.{action}", "call", call.id, body)
        _notify(session, actor, call, action, text)
        audit.remember(session, actor, idempotency_key, f"call.{action}", "call", call.id)
        return call


def transition(
    actor: Actor,
    call_id: int,
    action: str,
    uow: UnitOfWork,
    *,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> Call:
    """Move a call by a named action of `domain.calls.TRANSITIONS` (audited, idempotent with a key).

    Steps that carry data have their own services: `edit_call`, `awards.award` and the review's
    `review_results.publish_result` (which writes the ranking in the same step).
    """
    if action == "edit":
        raise InvalidInput("edit a call with its fields (PATCH /api/calls/{id})", field="action")
    if action == "award":
        raise InvalidInput("award a call by naming its winning applications (awards.award)", field="action")
    if action == "publish_result":
        raise InvalidInput(
            "publish the result with its ranking (review_results.publish_result)", field="action"
        )
    if action == "link_key_task":
        raise InvalidInput("tie a call to a key task by naming it (awards.link_key_task)", field="action")
    return run_step(actor, uow, call_id, action, reason=reason, idempotency_key=idempotency_key)


def _no_effect(_session: Session, _actor: Actor, _call: Call, _reason: str) -> dict[str, Any]:
    return {}


def _submit(_session: Session, _actor: Actor, call: Call, _reason: str) -> dict[str, Any]:
    if call.approved_at is not None:
        raise Conflict("this call is already approved; an officer may publish it", field="status")
    call.submitted_at = audit.now()
    return {}


def _approve(_session: Session, actor: Actor, call: Call, _reason: str) -> dict[str, Any]:
    if call.approved_at is not None:
        raise Conflict("this call is already approved", field="status")
    call.approved_at, call.approved_by = audit.now(), actor.name
    return {}


def _publish(session: Session, _actor: Actor, call: Call, _reason: str) -> dict[str, Any]:
    if call.needs_approval:
        raise Conflict(
            "an officer must approve this enterprise's call before it is published", field="status"
        )
    if not criteria_of(session, call.id or 0):
        raise Conflict("a call needs evaluation criteria before it is published", field="criteria")
    if not indicators_of(session, call.id or 0):
        raise Conflict(
            "a call needs at least one technical indicator before it is published", field="indicators"
        )
    if call.deadline is not None and call.deadline < audit.now().date():
        raise Conflict("the application deadline has already passed", field="deadline")
    call.published_at = audit.now()
    return {}


def _close(session: Session, _actor: Actor, call: Call, _reason: str) -> dict[str, Any]:
    call.closed_at = audit.now()
    drafts = session.scalars(
        select(Applications).where(
            Applications.call_id == call.id, Applications.status == ApplicationStatus.DRAFT
        )
    )
    return {"unsubmitted_drafts": len(list(drafts))}


def _publish_result(_session: Session, _actor: Actor, call: Call, _reason: str) -> dict[str, Any]:
    call.result_at = audit.now()
    return {"appeal_days": call.appeal_days}


def _end(_session: Session, actor: Actor, call: Call, reason: str) -> dict[str, Any]:
    call.ended_at, call.ended_by, call.end_reason = audit.now(), actor.name, reason
    return {}


def _accept(session: Session, actor: Actor, call: Call, reason: str) -> dict[str, Any]:
    """A call is accepted (验收) only when every milestone of its awarded work was accepted."""
    statuses = list(session.scalars(select(Milestones.status).where(Milestones.call_id == call.id)))
    if open_ := [s for s in statuses if s != MilestoneStatus.ACCEPTED]:
        raise Conflict(f"{len(open_)} milestone(s) are not accepted yet", field="milestones")
    return {"milestones": len(statuses), **_end(session, actor, call, reason)}


_STEP_EFFECTS: dict[str, Callable[[Session, Actor, Call, str], dict[str, Any]]] = {
    "submit": _submit,
    "approve": _approve,
    "publish": _publish,
    "close": _close,
    "publish_result": _publish_result,
    "accept": _accept,
    "fail": _end,
    "withdraw": _end,
}


_NOTICES: dict[str, tuple[str, str]] = {
    "submit": ("officers", "「{title}」已提交审核 / submitted for approval"),
    "approve": ("poster", "「{title}」已通过审核 / approved"),
    "publish": ("poster", "「{title}」已发布 / published"),
    "close": ("applicants", "「{title}」已截止申报 / closed for applications"),
    "start_review": ("applicants", "「{title}」进入评审 / in review"),
    "publish_result": ("applicants", "「{title}」评审结果公示 / result published"),
    "start": ("officers", "「{title}」开始攻关 / work started"),
    "accept": ("applicants", "「{title}」已通过验收 / accepted"),
    "fail": ("applicants", "「{title}」未通过验收 / failed: {reason}"),
    "withdraw": ("applicants", "「{title}」已撤榜 / withdrawn: {reason}"),
}


def _notify(session: Session, actor: Actor, call: Call, action: str, reason: str) -> None:
    spec = _NOTICES.get(action)
    if spec is None:
        return
    audience, template = spec
    text = template.format(title=call.title(), reason=reason)
    if audience == "officers":
        notices.notify_officers(session, actor, text, call.id, action=action)
        return
    orgs = {call.poster_org_id} if call.poster_org_id else set()
    if audience == "applicants":
        for application in applications_in(session, call.id or 0):
            if application.status != ApplicationStatus.DRAFT:
                orgs.update(application.organization_ids)
    notices.notify_orgs(session, actor, {o for o in orgs if o}, text, call.id, action=action)


def applications_in(session: Session, call_id: int) -> list[CallApplication]:
    return list(
        session.scalars(select(Applications).where(Applications.call_id == call_id).order_by(Applications.id))
    )

"""The review panel of a call: assigning reviewers past the conflict check, recusal, and blind scoring.

Every step is one audited, idempotent transaction on the shared chain (`calls.audited`). A reviewer with
a conflict of interest against any applicant is refused with 409 `conflict_of_interest` and the reasons,
unless an officer overrides with a written justification, which the audit event quotes. In a blind call
the reviewer is shown applications under a code, with every applicant name cut out of the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.domain.calls import Call, CallCriterion
from kechuang.domain.conflicts import (
    ConflictKind,
    ConflictOfInterest,
    ConflictOfInterestError,
    describe,
)
from kechuang.domain.entities import Organization, Person
from kechuang.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import LONG_TEXT, MAX_ID, check_text
from kechuang.domain.review import (
    AggregationRule,
    AssignmentStatus,
    Review,
    ReviewerAssignment,
    ReviewPlan,
    check_score,
    check_stage,
    weighted_total,
)
from kechuang.store.db import UnitOfWork

from .. import audit
from . import notices
from .applications import applications_of
from .calls import audited, criteria_of, is_officer, load_call
from .conflicts import find_conflicts

Assignments: Any = ReviewerAssignment
Reviews: Any = Review
Plans: Any = ReviewPlan
Users: Any = User
People: Any = Person
Orgs: Any = Organization
MIN_JUSTIFICATION = 10
COMMENT_CHARS = 5000


def _text(value: str | None, field_name: str, max_length: int = LONG_TEXT) -> str:
    try:
        return check_text((value or "").strip(), max_length=max_length, multiline=True)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field_name) from None


def _require_officer(actor: Actor) -> None:
    if not is_officer(actor):
        raise PermissionDenied("only programme officers run the review of a call")


# --- the plan: aggregation rule and conflict window ------------------------------------------------------


def plan_of(session: Session, call_id: int) -> ReviewPlan:
    """The call's review plan, or the default (mean, conflicts within 3 years) when none was set."""
    found: ReviewPlan | None = session.scalar(select(Plans).where(Plans.call_id == call_id))
    return found or ReviewPlan(call_id=call_id)


def plan_of_call(uow: UnitOfWork, call_id: int) -> ReviewPlan:
    """The review plan of a call, read on its own (for pages and the CLI)."""
    with uow() as session:
        return plan_of(session, call_id)


def set_plan(
    actor: Actor,
    uow: UnitOfWork,
    call_id: int,
    *,
    rule: str | None = None,
    conflict_years: int | None = None,
    idempotency_key: str | None = None,
) -> ReviewPlan:
    """An officer chooses how reviews are aggregated (mean, median, trimmed mean) and the conflict window."""
    problems: dict[str, str] = {}
    chosen: AggregationRule | None = None
    if rule is not None:
        try:
            chosen = AggregationRule(rule)
        except ValueError:
            problems["rule"] = f"must be one of: {', '.join(r.value for r in AggregationRule)}"
    if conflict_years is not None and (
        isinstance(conflict_years, bool)
        or not isinstance(conflict_years, int)
        or not 0 <= conflict_years <= 30
    ):
        problems["conflict_years"] = "must be a whole number of years from 0 to 30"
    if problems:
        raise InvalidFields(problems)
    with uow() as session:
        call = load_call(session, actor, call_id)
        _require_officer(actor)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            check_stage("plan", call.status)
            plan = session.scalar(select(Plans).where(Plans.call_id == call_id))
            if plan is None:
                plan = ReviewPlan(call_id=call_id)
                session.add(plan)
            if chosen is not None:
                plan.rule = chosen
            if conflict_years is not None:
                plan.conflict_years = conflict_years
            plan.updated_by, plan.updated_at = actor.name, audit.now()
            return (
                "call_review_plan",
                plan,
                {"call_id": call_id, "rule": plan.rule.value, "conflict_years": plan.conflict_years},
            )

        row, replayed = audited(session, actor, idempotency_key, "call_review.plan", write)
        return plan_of(session, call_id) if replayed else row  # type: ignore[no-any-return]


# --- conflicts against the call's applicants -------------------------------------------------------------


@dataclass(frozen=True)
class Applicants:
    """Everyone behind a call's submitted applications: organizations and team members."""

    organization_ids: frozenset[int]
    person_ids: frozenset[int]


def applicants_of(session: Session, call_id: int) -> Applicants:
    orgs: set[int] = set()
    people: set[int] = set()
    for application in applications_of(session, call_id):
        orgs.update(application.organization_ids)
        people.update(application.team_person_ids)
    return Applicants(frozenset(orgs), frozenset(people))


def conflicts_on_call(
    session: Session, call: Call, person_id: int, applicants: Applicants | None = None
) -> list[ConflictOfInterest]:
    """A person's conflicts with every applicant of the call, within the call's conflict window."""
    found = applicants or applicants_of(session, call.id or 0)
    return find_conflicts(
        session,
        person_id,
        organization_ids=found.organization_ids,
        person_ids=found.person_ids,
        years=plan_of(session, call.id or 0).conflict_years,
        today=audit.now().date(),
    )


# --- assigning, recusing ---------------------------------------------------------------------------------


def _reviewer_account(session: Session, person: Person, user_id: int | None) -> int | None:
    """The account that scores for the person: the one named, else the only active one with their e-mail."""
    if user_id is not None:
        user = session.get(Users, user_id) if isinstance(user_id, int) and 1 <= user_id <= MAX_ID else None
        if user is None or not user.active:
            raise InvalidInput(f"user {user_id} is not an active account", field="user_id")
        return user_id
    if not person.email:
        return None
    found = list(
        session.scalars(
            select(Users.id).where(func.lower(Users.email) == person.email.lower(), Users.active.is_(True))
        )
    )
    return found[0] if len(found) == 1 else None


def assign_reviewer(
    actor: Actor,
    uow: UnitOfWork,
    call_id: int,
    person_id: int,
    *,
    user_id: int | None = None,
    override_justification: str = "",
    idempotency_key: str | None = None,
) -> ReviewerAssignment:
    """Put a registry person on the call's panel; a conflicted one is refused unless an officer overrides."""
    justification = _text(override_justification, "override_justification")
    with uow() as session:
        call = load_call(session, actor, call_id)
        _require_officer(actor)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            check_stage("assign", call.status)
            person = session.get(People, person_id) if 1 <= person_id <= MAX_ID else None
            if person is None or person.merged_into_id is not None:
                raise InvalidInput(f"person {person_id} is not in the registry", field="person_id")
            taken = session.scalar(
                select(Assignments).where(Assignments.call_id == call_id, Assignments.person_id == person_id)
            )
            if taken is not None:
                raise Conflict(
                    f"person {person_id} is already on this call's panel ({taken.status.value})",
                    field="person_id",
                )
            conflicts = conflicts_on_call(session, call, person_id)
            if conflicts and len(justification) < MIN_JUSTIFICATION:
                raise ConflictOfInterestError(
                    f"{person.name_zh or person.name_en} has a conflict of interest: {describe(conflicts)}. "
                    f"To assign anyway, give a written override_justification "
                    f"(at least {MIN_JUSTIFICATION} characters).",
                    conflicts,
                )
            row = ReviewerAssignment(
                call_id=call_id,
                person_id=person_id,
                user_id=_reviewer_account(session, person, user_id),
                conflicts=[c.as_dict() for c in conflicts],
                override_justification=justification if conflicts else "",
                assigned_by=actor.name,
                assigned_at=audit.now(),
            )
            session.add(row)
            session.flush()
            if row.user_id is not None:
                notices.notify_users(
                    session,
                    actor,
                    [row.user_id],
                    f"您受邀评审「{call.title('zh')}」/ You are invited to review '{call.title('en')}'",
                    call_id,
                    action="review.assign",
                )
            payload: dict[str, Any] = {"call_id": call_id, "person_id": person_id, "user_id": row.user_id}
            if conflicts:
                payload["override_justification"] = justification
                payload["conflicts"] = [{"kind": c.kind, "reason": c.reason} for c in conflicts]
            return "call_reviewer", row, payload

        row, replayed = audited(session, actor, idempotency_key, "call_review.assign", write)
        return session.get(Assignments, row.result_id) if replayed else row  # type: ignore[no-any-return,return-value]


def _own_assignment(session: Session, actor: Actor, call_id: int) -> ReviewerAssignment | None:
    if actor.user_id is None:
        return None
    found: ReviewerAssignment | None = session.scalar(
        select(Assignments).where(Assignments.call_id == call_id, Assignments.user_id == actor.user_id)
    )
    return found


def is_reviewer(session: Session, actor: Actor, call_id: int) -> bool:
    """Whether the actor scores on this call's panel (a blind call hides applicants from them everywhere)."""
    return _own_assignment(session, actor, call_id) is not None


def _assignment_for(
    session: Session, actor: Actor, call_id: int, assignment_id: int | None
) -> tuple[ReviewerAssignment, bool]:
    """The assignment the actor acts on: their own, or (for an officer entering a paper form) the one named.

    Returns it and whether the officer acts on the reviewer's behalf; anyone else gets 404."""
    own = _own_assignment(session, actor, call_id)
    if assignment_id is None or (own is not None and own.id == assignment_id):
        if own is None:
            raise NotFound(f"you are not a reviewer of call {call_id}")
        return own, False
    if not is_officer(actor):
        raise NotFound(f"reviewer {assignment_id} not found on call {call_id}")
    named: ReviewerAssignment | None = (
        session.get(Assignments, assignment_id) if 1 <= assignment_id <= MAX_ID else None
    )
    if named is None or named.call_id != call_id:
        raise NotFound(f"reviewer {assignment_id} not found on call {call_id}")
    return named, True


def declare_conflict(
    actor: Actor,
    uow: UnitOfWork,
    call_id: int,
    reason: str,
    *,
    assignment_id: int | None = None,
    idempotency_key: str | None = None,
) -> ReviewerAssignment:
    """A reviewer declares a conflict and recuses: their scores no longer count. Audited with the reason."""
    text = _text(reason, "reason")
    if not text:
        raise InvalidInput("say what the conflict is", field="reason")
    with uow() as session:
        call = load_call(session, actor, call_id)
        assignment, on_behalf = _assignment_for(session, actor, call_id, assignment_id)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            check_stage("declare_conflict", call.status)
            if assignment.status == AssignmentStatus.RECUSED:
                raise Conflict("this reviewer has already declared a conflict", field="status")
            declared = ConflictOfInterest(
                ConflictKind.DECLARED.value, text, ({"record": "declaration", "by": actor.name},)
            )
            assignment.status = AssignmentStatus.RECUSED
            assignment.declared_reason, assignment.declared_at = text, audit.now()
            assignment.conflicts = [*assignment.conflicts, declared.as_dict()]
            notices.notify_officers(
                session,
                actor,
                f"评审专家声明回避「{call.title('zh')}」/ A reviewer recused: {text[:200]}",
                call_id,
                action="review.declare_conflict",
            )
            return (
                "call_reviewer",
                assignment,
                {
                    "call_id": call_id,
                    "person_id": assignment.person_id,
                    "reason": text,
                    "on_behalf": on_behalf,
                },
            )

        audited(session, actor, idempotency_key, "call_review.declare_conflict", write)
        return assignment


# --- scoring ---------------------------------------------------------------------------------------------


def _clean_scores(
    criteria: list[CallCriterion], scores: Mapping[Any, Any], comments: Mapping[Any, Any] | None
) -> tuple[dict[str, float], dict[str, str]]:
    """Scores keyed by criterion id (as text), each 0-10, every criterion once; comments per criterion."""
    by_id = {str(c.id): c for c in criteria}
    problems: dict[str, str] = {}
    clean: dict[str, float] = {}
    if not isinstance(scores, Mapping):
        raise InvalidInput("scores must map each criterion id to a score from 0 to 10", field="scores")
    for key, value in scores.items():
        name = str(key)
        if name not in by_id:
            problems[f"scores.{name[:20]}"] = "is not a criterion of this call"
            continue
        try:
            clean[name] = check_score(value, name)
        except ValueError as exc:
            problems[f"scores.{name}"] = str(exc)
    for name in by_id:
        if name not in clean and f"scores.{name}" not in problems:
            problems[f"scores.{name}"] = "score every criterion of the call"
    notes: dict[str, str] = {}
    for key, value in (comments or {}).items():
        name = str(key)
        if name not in by_id:
            problems[f"comments.{name[:20]}"] = "is not a criterion of this call"
            continue
        try:
            notes[name] = check_text(str(value or "").strip(), max_length=COMMENT_CHARS, multiline=True)
        except ValueError as exc:
            problems[f"comments.{name}"] = str(exc)
    if problems:
        raise InvalidFields(problems)
    return clean, {k: v for k, v in notes.items() if v}


def weights_of(criteria: list[CallCriterion]) -> dict[str, float]:
    return {str(c.id): c.weight for c in criteria}


def submit_review(
    actor: Actor,
    uow: UnitOfWork,
    call_id: int,
    application_id: int,
    scores: Mapping[Any, Any],
    *,
    comments: Mapping[Any, Any] | None = None,
    comment: str = "",
    assignment_id: int | None = None,
    idempotency_key: str | None = None,
) -> Review:
    """Score one application on every criterion (0-10) with comments; a second submission replaces the first.

    The reviewer acts through their account; an officer may enter a paper form for a named assignment
    (`assignment_id`), which the audit records as done on the reviewer's behalf."""
    overall = _text(comment, "comment", COMMENT_CHARS)
    with uow() as session:
        call = load_call(session, actor, call_id)
        assignment, on_behalf = _assignment_for(session, actor, call_id, assignment_id)
        criteria = criteria_of(session, call_id)
        clean, notes = _clean_scores(criteria, scores, comments)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            check_stage("score", call.status)
            if assignment.status != AssignmentStatus.ASSIGNED:
                raise Conflict("a reviewer who declared a conflict does not score", field="status")
            if application_id not in {a.id for a in applications_of(session, call_id)}:
                raise NotFound(f"application {application_id} is not under review in call {call_id}")
            review = session.scalar(
                select(Reviews).where(
                    Reviews.assignment_id == assignment.id, Reviews.application_id == application_id
                )
            )
            stamp = audit.now()
            if review is None:
                review = Review(
                    call_id=call_id,
                    assignment_id=assignment.id or 0,
                    application_id=application_id,
                    submitted_at=stamp,
                )
                session.add(review)
            review.scores, review.comments, review.comment = clean, notes, overall
            review.total = weighted_total(clean, weights_of(criteria))
            review.submitted_by, review.updated_at = actor.name, stamp
            return (
                "call_review",
                review,
                {
                    "call_id": call_id,
                    "application_id": application_id,
                    "assignment_id": assignment.id,
                    "total": review.total,
                    "on_behalf": on_behalf,
                },
            )

        row, replayed = audited(session, actor, idempotency_key, "call_review.score", write)
        return session.get(Reviews, row.result_id) if replayed else row  # type: ignore[no-any-return,return-value]


# --- the officer's view of the panel ---------------------------------------------------------------------


@dataclass
class PanelMember:
    assignment: ReviewerAssignment
    person: Person | None
    reviews: list[Review]


def panel(actor: Actor, uow: UnitOfWork, call_id: int) -> list[PanelMember]:
    """Every reviewer of the call with their conflicts, override and reviews (officers only; else 404)."""
    with uow() as session:
        load_call(session, actor, call_id)
        if not is_officer(actor):
            raise NotFound(f"the review of call {call_id} is not found")
        assignments = list(
            session.scalars(
                select(Assignments).where(Assignments.call_id == call_id).order_by(Assignments.id)
            )
        )
        people = {
            p.id: p
            for p in session.scalars(
                select(People).where(People.id.in_([a.person_id for a in assignments] or [-1]))
            )
        }
        reviews = list(
            session.scalars(select(Reviews).where(Reviews.call_id == call_id).order_by(Reviews.id))
        )
        return [
            PanelMember(a, people.get(a.person_id), [r for r in reviews if r.assignment_id == a.id])
            for a in assignments
        ]


# --- for the pages ---------------------------------------------------------------------------------------


def account_id(uow: UnitOfWork, username: str) -> int | None:
    """The active account of this username (the officer names the account that scores for a reviewer)."""
    name = username.strip()
    if not name:
        return None
    with uow() as session:
        found: int | None = session.scalar(
            select(Users.id).where(Users.username == name, Users.active.is_(True))
        )
    if found is None:
        raise InvalidInput(f"no active account '{name[:60]}'", field="username")
    return found


def my_reviews(actor: Actor, uow: UnitOfWork) -> list[tuple[ReviewerAssignment, Call]]:
    """The calls the actor reviews (their assignments), newest first."""
    with uow() as session:
        rows: list[tuple[ReviewerAssignment, Call]] = []
        if actor.user_id is not None:
            query = (
                select(Assignments, Call)
                .join(Call, Call.id == Assignments.call_id)  # type: ignore[arg-type]
                .where(Assignments.user_id == actor.user_id)
                .order_by(Assignments.id.desc())
            )
            rows = [(a, c) for a, c in session.execute(query)]
        return rows

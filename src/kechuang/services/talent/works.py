"""Representative works (代表作) and their peer review, and contests of evidence items.

A person nominates up to five of their own achievements; an officer assigns reviewers, refused when the
open-calls conflict rules find a tie with the nominee (same organization, co-authorship, co-owned
achievement, shared project, deal or contract); the reviewer (or an officer recording a panel's score)
scores each work 0-10, and the mean feeds the representative-works dimension. A person contests an
evidence item with a reason; an officer upholds it (the item is left out of later runs) or rejects it.
Every step is one audited transaction; repeating a step that already happened returns its result.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.clock import now
from kechuang.domain.conflicts import ConflictOfInterestError, describe
from kechuang.domain.entities import Achievement, Authorship, Person
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import LONG_TEXT, MAX_ID, check_number, check_text
from kechuang.domain.talent import (
    DIMENSIONS,
    MAX_WORKS,
    REVIEW_SCORE_MAX,
    Contest,
    ContestStatus,
    RepresentativeWork,
    ReviewStatus,
    WorkReview,
    check_contest_transition,
)
from kechuang.store.db import UnitOfWork

from .. import audit
from ..calls.conflicts import find_conflicts, reviewer_orgs
from .access import is_talent_officer, linked_person_id, require_officer, require_person_view

Works: Any = RepresentativeWork
Reviews: Any = WorkReview
Contests: Any = Contest
People: Any = Person
Achievements: Any = Achievement
Authorships: Any = Authorship
EVIDENCE_ENTITIES = ("achievement", "project", "contract", "organization", "person", "work")


def _text(value: str, field: str) -> str:
    try:
        return check_text((value or "").strip(), max_length=LONG_TEXT, multiline=True)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None


def _acting_for(uow: UnitOfWork, actor: Actor, person_id: int) -> None:
    """The person themself (through their linked account) or an officer acting on their behalf."""
    require_person_view(uow, actor, person_id)


def list_works(actor: Actor, uow: UnitOfWork, person_id: int) -> list[dict[str, Any]]:
    """A person's nominated works with their reviews (person, officers, admins)."""
    require_person_view(uow, actor, person_id)
    with uow() as session:
        works = list(session.scalars(select(Works).where(Works.person_id == person_id).order_by(Works.id)))
        titles = {
            a.id: (a.title_zh, a.title_en)
            for a in session.execute(
                select(Achievements.id, Achievements.title_zh, Achievements.title_en).where(
                    Achievements.id.in_([w.achievement_id for w in works])
                )
            )
        }
        reviews = list(session.scalars(select(Reviews).where(Reviews.work_id.in_([w.id for w in works]))))
    out = []
    for work in works:
        zh, en = titles.get(work.achievement_id, ("", ""))
        mine = [r for r in reviews if r.work_id == work.id]
        scored = [r.score for r in mine if r.status == ReviewStatus.SCORED and r.score is not None]
        out.append(
            {
                "id": work.id,
                "achievement_id": work.achievement_id,
                "title_zh": zh,
                "title_en": en,
                "statement": work.statement,
                "mean_score": sum(scored) / len(scored) if scored else None,
                "reviews": [
                    {
                        "id": r.id,
                        "reviewer_person_id": r.reviewer_person_id,
                        "status": str(r.status),
                        "score": r.score,
                        "comment": r.comment,
                    }
                    for r in mine
                ],
            }
        )
    return out


def nominate_work(
    actor: Actor, uow: UnitOfWork, person_id: int, achievement_id: int, statement: str = ""
) -> RepresentativeWork:
    """Nominate one of the person's own achievements; at most five; the same one twice returns it."""
    _acting_for(uow, actor, person_id)
    text = _text(statement, "statement")
    with uow() as session:
        head = audit.lock_chain(session)
        existing = session.scalar(
            select(Works).where(Works.person_id == person_id, Works.achievement_id == achievement_id)
        )
        if existing is not None:
            return existing  # type: ignore[no-any-return]
        authored = session.scalar(
            select(Authorships.id).where(
                Authorships.person_id == person_id, Authorships.achievement_id == achievement_id
            )
        )
        if authored is None:
            raise InvalidInput(
                "only an achievement the person authored can be a representative work", field="achievement_id"
            )
        count = (
            session.scalar(select(func.count()).select_from(Works).where(Works.person_id == person_id)) or 0
        )
        if count >= MAX_WORKS:
            raise Conflict(
                f"at most {MAX_WORKS} representative works; withdraw one first", field="achievement_id"
            )
        work = RepresentativeWork(
            person_id=person_id,
            achievement_id=achievement_id,
            statement=text,
            nominated_by=actor.name,
            created_at=audit.now(),
        )
        session.add(work)
        session.flush()
        audit.append(
            session,
            head,
            actor,
            "talent.work.nominate",
            "talent_work",
            work.id,
            {"person_id": person_id, "achievement_id": achievement_id},
        )
    return work


def reviewer_conflicts(session: Session, reviewer_person_id: int, nominee_id: int) -> list[Any]:
    """The open-calls conflict rules, with the nominee as the applicant team of one."""
    nominee = session.get(People, nominee_id)
    orgs = reviewer_orgs(session, nominee) if nominee is not None else set()
    return find_conflicts(
        session, reviewer_person_id, organization_ids=orgs, person_ids={nominee_id}, today=now().date()
    )


def assign_reviewer(actor: Actor, uow: UnitOfWork, work_id: int, reviewer_person_id: int) -> WorkReview:
    """Officers put a reviewer on a work, refused (409) with every conflict found; repeat returns it."""
    require_officer(actor, "representative works")
    with uow() as session:
        head = audit.lock_chain(session)
        work: RepresentativeWork | None = session.get(Works, work_id)
        if work is None:
            raise NotFound(f"work {work_id} not found")
        reviewer = session.get(People, reviewer_person_id)
        if reviewer is None or reviewer.merged_into_id is not None:
            raise NotFound(f"person {reviewer_person_id} not found")
        existing = session.scalar(
            select(Reviews).where(
                Reviews.work_id == work_id, Reviews.reviewer_person_id == reviewer_person_id
            )
        )
        if existing is not None:
            return existing  # type: ignore[no-any-return]
        conflicts = reviewer_conflicts(session, reviewer_person_id, work.person_id)
        if conflicts:
            raise ConflictOfInterestError(
                f"reviewer {reviewer_person_id} has a conflict of interest: {describe(conflicts)}", conflicts
            )
        review = WorkReview(
            work_id=work_id,
            reviewer_person_id=reviewer_person_id,
            assigned_by=actor.name,
            created_at=audit.now(),
        )
        session.add(review)
        session.flush()
        audit.append(
            session,
            head,
            actor,
            "talent.review.assign",
            "talent_review",
            review.id,
            {"work_id": work_id, "reviewer_person_id": reviewer_person_id},
        )
    return review


def score_review(
    actor: Actor, uow: UnitOfWork, review_id: int, score: float, comment: str = ""
) -> WorkReview:
    """The assigned reviewer (their linked account) or an officer records the score; once."""
    try:
        value = check_number(float(score), low=0, high=REVIEW_SCORE_MAX)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"score {exc}" if str(exc) else "score must be a number", field="score") from None
    text = _text(comment, "comment")
    officer = is_talent_officer(actor)
    me = linked_person_id(uow, actor)
    with uow() as session:
        head = audit.lock_chain(session)
        review: WorkReview | None = session.get(Reviews, review_id)
        if review is None or not (officer or me == review.reviewer_person_id):
            raise NotFound(f"review {review_id} not found")
        if review.status == ReviewStatus.SCORED:
            if review.score == value and review.comment == text:
                return review
            raise Conflict("this review is already scored", field="score")
        review.status, review.score, review.comment = ReviewStatus.SCORED, value, text
        review.scored_by, review.scored_at = actor.name, audit.now()
        audit.append(
            session,
            head,
            actor,
            "talent.review.score",
            "talent_review",
            review.id,
            {"work_id": review.work_id, "score": value},
        )
    return review


def raise_contest(
    actor: Actor,
    uow: UnitOfWork,
    person_id: int,
    *,
    dimension: str,
    evidence_entity: str,
    evidence_id: int | None,
    reason: str,
    evaluation_id: int | None = None,
) -> Contest:
    """The person disputes one evidence item (or a whole dimension) with a reason."""
    require_person_view(uow, actor, person_id)
    if not is_talent_officer(actor) and linked_person_id(uow, actor) != person_id:
        raise PermissionDenied("only the person evaluated may contest their evaluation")
    if dimension not in DIMENSIONS:
        raise InvalidInput(f"unknown dimension '{dimension}'", field="dimension")
    if evidence_entity and evidence_entity not in EVIDENCE_ENTITIES:
        raise InvalidInput(
            f"evidence_entity must be one of {', '.join(EVIDENCE_ENTITIES)}", field="evidence_entity"
        )
    if evidence_id is not None and not 1 <= evidence_id <= MAX_ID:
        raise InvalidInput(f"no evidence item {evidence_id}", field="evidence_id")
    text = _text(reason, "reason")
    if not text:
        raise InvalidInput("say why the item is wrong", field="reason")
    with uow() as session:
        head = audit.lock_chain(session)
        same = session.scalar(
            select(Contests).where(
                Contests.person_id == person_id,
                Contests.dimension == dimension,
                Contests.evidence_entity == evidence_entity,
                Contests.evidence_id == evidence_id,
                Contests.status == ContestStatus.OPEN,
            )
        )
        if same is not None:
            return same  # type: ignore[no-any-return]
        contest = Contest(
            person_id=person_id,
            evaluation_id=evaluation_id,
            dimension=dimension,
            evidence_entity=evidence_entity,
            evidence_id=evidence_id,
            reason=text,
            raised_by=actor.name,
            created_at=audit.now(),
        )
        session.add(contest)
        session.flush()
        audit.append(
            session,
            head,
            actor,
            "talent.contest.raise",
            "talent_contest",
            contest.id,
            {"person_id": person_id, "dimension": dimension, "evidence": [evidence_entity, evidence_id]},
        )
    return contest


def resolve_contest(actor: Actor, uow: UnitOfWork, contest_id: int, decision: str, note: str = "") -> Contest:
    """Officers uphold (the item leaves later runs) or reject a contest, with a note; once."""
    require_officer(actor, "contests")
    try:
        target = ContestStatus(decision)
    except ValueError:
        raise InvalidInput("decision must be 'upheld' or 'rejected'", field="decision") from None
    text = _text(note, "note")
    with uow() as session:
        head = audit.lock_chain(session)
        contest: Contest | None = session.get(Contests, contest_id)
        if contest is None:
            raise NotFound(f"contest {contest_id} not found")
        if contest.status == target and contest.resolution == text:
            return contest
        check_contest_transition(contest.status, target)
        contest.status, contest.resolution = target, text
        contest.resolved_by, contest.resolved_at = actor.name, audit.now()
        audit.append(
            session,
            head,
            actor,
            "talent.contest.resolve",
            "talent_contest",
            contest.id,
            {"decision": target.value},
        )
    return contest


def list_contests(
    actor: Actor, uow: UnitOfWork, *, person_id: int | None = None, status: str = ""
) -> list[Contest]:
    """Officers see every contest; a person sees their own."""
    if person_id is None:
        require_officer(actor, "contests")
    else:
        require_person_view(uow, actor, person_id)
    statement = select(Contests).order_by(Contests.id.desc())
    if person_id is not None:
        statement = statement.where(Contests.person_id == person_id)
    if status:
        statement = statement.where(Contests.status == status)
    with uow() as session:
        return list(session.scalars(statement))

"""Application scenarios (场景清单): the owner opens a registry scenario, companies apply with a solution,
the owner shortlists and selects with reasons, and the pilot is recorded with its dates and outcome.

Selection is a single-stage review with the same conflict-of-interest checks as a call: the owner names
the registry people who judged, each is checked against the applying company and its team, and a
conflicted judge is refused (409 `conflict_of_interest`) unless a written justification is given, which
the audit keeps. Applications are seen by the owner, officers and the applying company only (404 else).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor, can_see
from kechuang.domain.calls import (
    PilotOutcome,
    ScenarioApplication,
    ScenarioApplicationStatus,
    ScenarioOpening,
)
from kechuang.domain.conflicts import ConflictOfInterestError, describe
from kechuang.domain.entities import Organization, Person, Scenario
from kechuang.domain.enums import OrgKind
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import LONG_TEXT, MAX_ID, check_text
from kechuang.store.db import UnitOfWork

from .. import audit
from . import notices
from .calls import audited, is_officer
from .conflicts import find_conflicts

Openings: Any = ScenarioOpening
Scenarios: Any = Scenario
Applications: Any = ScenarioApplication
People: Any = Person
Status = ScenarioApplicationStatus
MIN_JUSTIFICATION = 10
DECISIONS = {"shortlist": Status.SHORTLISTED, "select": Status.SELECTED, "decline": Status.DECLINED}
DECIDABLE = {
    "shortlist": (Status.SUBMITTED,),
    "select": (Status.SUBMITTED, Status.SHORTLISTED),
    "decline": (Status.SUBMITTED, Status.SHORTLISTED),
}


def _text(value: str | None, field: str) -> str:
    try:
        return check_text((value or "").strip(), max_length=LONG_TEXT, multiline=True)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None


def _scenario(session: Session, actor: Actor, scenario_id: int) -> Scenario:
    found = session.get(Scenario, scenario_id) if 1 <= scenario_id <= MAX_ID else None
    if (
        found is None
        or found.merged_into_id is not None
        or not can_see(actor, found.visibility, found.owner_org_id)
    ):
        raise NotFound(f"scenario {scenario_id} not found")
    return found


def _is_owner(actor: Actor, scenario: Scenario) -> bool:
    return actor.is_admin or (
        actor.organization_id is not None and actor.organization_id == scenario.owner_org_id
    )


def opening_of(session: Session, scenario_id: int) -> ScenarioOpening | None:
    found: ScenarioOpening | None = session.scalar(
        select(Openings).where(Openings.scenario_id == scenario_id)
    )
    return found


def set_open(
    actor: Actor,
    scenario_id: int,
    is_open: bool,
    uow: UnitOfWork,
    *,
    closes_on: date | None = None,
    idempotency_key: str | None = None,
) -> ScenarioOpening:
    """The scenario's owner opens it for applications (until `closes_on`) or closes it."""
    with uow() as session:
        scenario = _scenario(session, actor, scenario_id)
        if not _is_owner(actor, scenario):
            raise PermissionDenied("only the scenario's owner opens or closes it for applications")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            opening = opening_of(session, scenario_id)
            if opening is None:
                opening = ScenarioOpening(scenario_id=scenario_id)
                session.add(opening)
            elif opening.open == is_open and not (is_open and closes_on != opening.closes_on):
                raise Conflict(f"the scenario is already {'open' if is_open else 'closed'}", field="open")
            opening.open, opening.closes_on = is_open, closes_on if is_open else opening.closes_on
            opening.opened_by, opening.opened_at = actor.name, audit.now()
            return (
                "scenario_opening",
                opening,
                {
                    "scenario_id": scenario_id,
                    "open": is_open,
                    "closes_on": str(closes_on) if closes_on else None,
                },
            )

        action = "scenario.open" if is_open else "scenario.close"
        row, replayed = audited(session, actor, idempotency_key, action, write)
        return opening_of(session, scenario_id) if replayed else row  # type: ignore[return-value]


def may_see(actor: Actor, scenario: Scenario, application: ScenarioApplication) -> bool:
    return (
        _is_owner(actor, scenario)
        or is_officer(actor)
        or actor.organization_id == application.applicant_org_id
    )


def list_applications(actor: Actor, scenario_id: int, uow: UnitOfWork) -> list[ScenarioApplication]:
    """All applications for the owner and officers; the actor's own company's for anyone else."""
    with uow() as session:
        scenario = _scenario(session, actor, scenario_id)
        rows = session.scalars(
            select(Applications).where(Applications.scenario_id == scenario_id).order_by(Applications.id)
        )
        return [a for a in rows if may_see(actor, scenario, a)]


def _load(session: Session, actor: Actor, scenario_id: int, application_id: int) -> tuple[Scenario, Any]:
    scenario = _scenario(session, actor, scenario_id)
    found = session.get(Applications, application_id) if 1 <= application_id <= MAX_ID else None
    if found is None or found.scenario_id != scenario_id or not may_see(actor, scenario, found):
        raise NotFound(f"application {application_id} not found")
    return scenario, found


def get_application(
    actor: Actor, scenario_id: int, application_id: int, uow: UnitOfWork
) -> ScenarioApplication:
    with uow() as session:
        return _load(session, actor, scenario_id, application_id)[1]  # type: ignore[no-any-return]


def apply(
    actor: Actor,
    scenario_id: int,
    data: Mapping[str, Any],
    uow: UnitOfWork,
    *,
    idempotency_key: str | None = None,
    is_sample: bool = False,
) -> ScenarioApplication:
    """A company applies to an open scenario with its solution and (optionally) its team."""
    if not actor.authenticated or actor.organization_id is None:
        raise PermissionDenied("sign in as a member of a company to apply")
    solution = _text(str(data.get("solution") or ""), "solution")
    if not solution:
        raise InvalidInput("describe the solution", field="solution")
    team = data.get("team_person_ids") or []
    if (
        not isinstance(team, list)
        or len(team) > 200
        or not all(isinstance(t, int) and 1 <= t <= MAX_ID for t in team)
    ):
        raise InvalidInput("must be a list of registry person ids", field="team_person_ids")
    with uow() as session:
        scenario = _scenario(session, actor, scenario_id)
        company = session.get(Organization, actor.organization_id)
        if company is None or company.kind != OrgKind.ENTERPRISE:
            raise PermissionDenied("only companies apply to application scenarios")
        if _is_owner(actor, scenario):
            raise Conflict("the scenario's owner cannot apply to it", field="scenario_id")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            opening = opening_of(session, scenario_id)
            if (
                opening is None
                or not opening.open
                or (opening.closes_on and audit.now().date() > opening.closes_on)
            ):
                raise Conflict(f"scenario {scenario_id} is not open for applications", field="scenario_id")
            known = set(session.scalars(select(People.id).where(People.id.in_(team or [-1]))))
            if missing := [t for t in team if t not in known]:
                raise InvalidInput(f"person {missing[0]} is not in the registry", field="team_person_ids")
            again = session.scalar(
                select(Applications.id).where(
                    Applications.scenario_id == scenario_id,
                    Applications.applicant_org_id == actor.organization_id,
                    Applications.status != Status.WITHDRAWN,
                )
            )
            if again is not None:
                raise Conflict(
                    f"your company already has application {again} for this scenario", field="scenario_id"
                )
            stamp = audit.now()
            row = ScenarioApplication(
                scenario_id=scenario_id,
                applicant_org_id=actor.organization_id or 0,
                team_person_ids=list(dict.fromkeys(team)),
                solution=solution,
                created_by=actor.name,
                created_at=stamp,
                updated_at=stamp,
                is_sample=is_sample,
            )
            session.add(row)
            owners = notices.users_of_orgs(session, [scenario.owner_org_id or 0])
            notices.notify_users(
                session,
                actor,
                owners,
                f"场景「{scenario.title_zh or scenario.title_en}」收到新的应用方案 / new application",
                scenario_id,
                entity="scenario",
            )
            return "scenario_application", row, {"scenario_id": scenario_id, "to": Status.SUBMITTED.value}

        row, replayed = audited(session, actor, idempotency_key, "scenario_application.create", write)
        return session.get(Applications, row.result_id) if replayed else row  # type: ignore[no-any-return,return-value]


def decide(
    actor: Actor,
    scenario_id: int,
    application_id: int,
    decision: str,
    uow: UnitOfWork,
    *,
    reason: str,
    reviewer_person_ids: list[int] | None = None,
    override_justification: str = "",
    today: date | None = None,
    idempotency_key: str | None = None,
) -> ScenarioApplication:
    """The owner shortlists, selects or declines an application with a reason, naming who judged it.

    Each named judge is checked for conflicts of interest with the company and its team, as reviewers of
    a call are; a conflicted judge is refused unless a written justification is given.
    """
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of: {', '.join(DECISIONS)}", field="decision")
    text = _text(reason, "reason")
    if not text:
        raise InvalidInput("give the reason for the decision", field="reason")
    justification = _text(override_justification, "override_justification")
    judges = list(dict.fromkeys(reviewer_person_ids or []))
    if len(judges) > 20 or not all(isinstance(j, int) and 1 <= j <= MAX_ID for j in judges):
        raise InvalidInput("must be a list of at most 20 registry person ids", field="reviewer_person_ids")
    with uow() as session:
        scenario, application = _load(session, actor, scenario_id, application_id)
        if not _is_owner(actor, scenario):
            raise PermissionDenied("only the scenario's owner decides on its applications")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            if application.status not in DECIDABLE[decision]:
                allowed = ", ".join(s.value for s in DECIDABLE[decision])
                raise Conflict(
                    f"cannot {decision} an application that is '{application.status.value}' "
                    f"(allowed in: {allowed})",
                    field="status",
                )
            found = []
            for judge in judges:
                person = session.get(People, judge)
                if person is None:
                    raise InvalidInput(f"person {judge} is not in the registry", field="reviewer_person_ids")
                found += find_conflicts(
                    session,
                    judge,
                    organization_ids=[application.applicant_org_id],
                    person_ids=application.team_person_ids,
                    today=today or audit.now().date(),
                )
            if found and len(justification) < MIN_JUSTIFICATION:
                raise ConflictOfInterestError(
                    f"a judge has a conflict of interest: {describe(found)}. To decide anyway, give a "
                    "written "
                    f"override_justification (at least {MIN_JUSTIFICATION} characters).",
                    found,
                )
            application.status = DECISIONS[decision]
            application.decision_reason, application.reviewer_person_ids = text, judges
            application.conflicts = [c.as_dict() for c in found]
            application.override_justification = justification if found else ""
            application.decided_by, application.decided_at = actor.name, audit.now()
            application.updated_at = application.decided_at
            notices.notify_users(
                session,
                actor,
                notices.users_of_orgs(session, [application.applicant_org_id]),
                f"场景「{scenario.title_zh or scenario.title_en}」：{application.status.zh} / "
                f"{application.status.en}: {text}",
                scenario_id,
                entity="scenario",
            )
            payload: dict[str, Any] = {
                "scenario_id": scenario_id,
                "to": application.status.value,
                "reason": text,
                "reviewer_person_ids": judges,
            }
            if found:
                payload["conflicts"] = [{"kind": c.kind, "reason": c.reason} for c in found]
                payload["override_justification"] = justification
            return "scenario_application", application, payload

        audited(session, actor, idempotency_key, f"scenario_application.{decision}", write)
        return application  # type: ignore[no-any-return]


def record_pilot(
    actor: Actor,
    scenario_id: int,
    application_id: int,
    uow: UnitOfWork,
    *,
    starts_on: date,
    ends_on: date | None = None,
    outcome: str = "pending",
    note: str = "",
    idempotency_key: str | None = None,
) -> ScenarioApplication:
    """The owner records the pilot of a selected solution: its dates and, when known, its outcome."""
    try:
        result = PilotOutcome(outcome)
    except ValueError:
        raise InvalidInput(
            f"outcome must be one of: {', '.join(o.value for o in PilotOutcome)}", field="outcome"
        ) from None
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("the pilot cannot end before it starts", field="ends_on")
    text = _text(note, "note")
    with uow() as session:
        scenario, application = _load(session, actor, scenario_id, application_id)
        if not _is_owner(actor, scenario):
            raise PermissionDenied("only the scenario's owner records the pilot")

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            if application.status != Status.SELECTED:
                raise Conflict(
                    f"only a selected application runs a pilot (it is '{application.status.value}')",
                    field="status",
                )
            application.pilot_starts_on, application.pilot_ends_on = starts_on, ends_on
            application.pilot_outcome, application.pilot_note = result, text
            application.updated_at = audit.now()
            return (
                "scenario_application",
                application,
                {
                    "scenario_id": scenario_id,
                    "pilot_starts_on": str(starts_on),
                    "pilot_ends_on": str(ends_on) if ends_on else None,
                    "outcome": result.value,
                },
            )

        audited(session, actor, idempotency_key, "scenario_application.pilot", write)
        return application  # type: ignore[no-any-return]


def open_scenarios(actor: Actor, uow: UnitOfWork) -> list[tuple[Scenario, ScenarioOpening]]:
    """Scenarios open for applications now that the actor may see, with their openings."""
    today = audit.now().date()
    with uow() as session:
        rows = session.execute(
            select(Scenarios, Openings)
            .join(Openings, Openings.scenario_id == Scenarios.id)
            .where(Openings.open.is_(True), Scenarios.merged_into_id.is_(None))
            .order_by(Scenarios.id)
        ).all()
    return [
        (s, o)
        for s, o in rows
        if can_see(actor, s.visibility, s.owner_org_id) and (o.closes_on is None or o.closes_on >= today)
    ]


def scenario_view(
    actor: Actor, scenario_id: int, uow: UnitOfWork
) -> tuple[Scenario, ScenarioOpening | None, bool]:
    """A scenario, its opening (None until first opened) and whether the actor owns it."""
    with uow() as session:
        scenario = _scenario(session, actor, scenario_id)
        return scenario, opening_of(session, scenario_id), _is_owner(actor, scenario)

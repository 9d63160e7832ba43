"""Applications to a call (揭榜): drafted by the lead organization, checked for eligibility when submitted.

An applicant sees only its own application (its lead and partner organizations); officers see all.
Everyone else, the anonymous included, gets 404: they may not know an application exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.access import Actor
from kechuang.domain.calls import (
    ApplicationStatus,
    Call,
    CallApplication,
    CallStatus,
    EligibilityFacts,
    eligibility_refusal,
)
from kechuang.domain.entities import Organization, Person
from kechuang.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import LONG_TEXT, MAX_AMOUNT_WAN, MAX_ID, SHORT_TEXT, check_number, check_text
from kechuang.store.db import UnitOfWork

from .. import audit
from . import notices
from .calls import audited, indicators_of, is_officer, load_call

Applications: Any = CallApplication
Orgs: Any = Organization
People: Any = Person
REVIEWABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.AWARDED, ApplicationStatus.NOT_AWARDED)
MAX_PARTNERS = 20
MAX_TEAM = 500


def applications_of(session: Session, call_id: int) -> list[CallApplication]:
    """The submitted applications of a call, in submission order: what reviewers review and rank."""
    return list(
        session.scalars(
            select(Applications)
            .where(Applications.call_id == call_id, Applications.status.in_(REVIEWABLE))
            .order_by(Applications.submitted_at, Applications.id)
        )
    )


def is_applicant(actor: Actor, application: CallApplication) -> bool:
    return actor.organization_id is not None and actor.organization_id in application.organization_ids


def may_see_application(actor: Actor, application: CallApplication) -> bool:
    return is_officer(actor) or is_applicant(actor, application)


def load_application(session: Session, actor: Actor, application_id: int) -> CallApplication:
    """The application in this session, or 404 for everyone but its organizations and officers."""
    found = session.get(Applications, application_id) if 1 <= application_id <= MAX_ID else None
    if found is None or not may_see_application(actor, found):
        raise NotFound(f"application {application_id} not found")
    return found  # type: ignore[no-any-return]


def get_application(actor: Actor, application_id: int, uow: UnitOfWork) -> CallApplication:
    with uow() as session:
        return load_application(session, actor, application_id)


def list_applications(actor: Actor, call_id: int, uow: UnitOfWork) -> list[CallApplication]:
    """All applications of a call for an officer; the actor's own organization's for anyone else."""
    with uow() as session:
        load_call(session, actor, call_id)
        query = select(Applications).where(Applications.call_id == call_id).order_by(Applications.id)
        rows = list(session.scalars(query))
    return [a for a in rows if may_see_application(actor, a)]


def _ids(value: Any, field: str, most: int) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValueError("must be a list of ids")
    if len(value) > most:
        raise ValueError(f"has {len(value)} ids; at most {most} are allowed")
    if any(not 1 <= v <= MAX_ID for v in value):
        raise ValueError(f"{field} holds an id out of range")
    return list(dict.fromkeys(value))


def _clean(data: Mapping[str, Any], session: Session, call: Call, lead_org_id: int) -> dict[str, Any]:
    """Check an application's fields against the registry and the call's indicators, all problems at once."""
    known = {"partner_org_ids", "team_person_ids", "title", "proposal", "commitments", "requested_budget"}
    problems: dict[str, str] = {k: "is not a field of an application" for k in sorted(set(data) - known)}
    out: dict[str, Any] = {}
    for key, most in (("partner_org_ids", MAX_PARTNERS), ("team_person_ids", MAX_TEAM)):
        if key in data:
            try:
                out[key] = _ids(data[key], key, most)
            except ValueError as exc:
                problems[key] = str(exc)
    for key, limit in (("title", SHORT_TEXT), ("proposal", LONG_TEXT)):
        if key in data:
            try:
                out[key] = check_text(
                    str(data[key] or "").strip(), max_length=limit, multiline=key == "proposal"
                )
            except ValueError as exc:
                problems[key] = str(exc)
    if "requested_budget" in data and data["requested_budget"] is not None:
        value = data["requested_budget"]
        try:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError("must be a number (万元)")
            out["requested_budget"] = check_number(float(value), high=MAX_AMOUNT_WAN)
        except ValueError as exc:
            problems["requested_budget"] = str(exc)
    elif "requested_budget" in data:
        out["requested_budget"] = None
    if "commitments" in data:
        out["commitments"] = _commitments(data["commitments"], session, call, problems)
    partners = out.get("partner_org_ids", [])
    if lead_org_id in partners:
        problems["partner_org_ids"] = "the lead organization cannot also be a partner"
    elif partners:
        found = set(
            session.scalars(select(Orgs.id).where(Orgs.id.in_(partners), Orgs.merged_into_id.is_(None)))
        )
        if missing := [p for p in partners if p not in found]:
            problems["partner_org_ids"] = f"organization {missing[0]} is not in the registry"
    team = out.get("team_person_ids", [])
    if team:
        found = set(
            session.scalars(select(People.id).where(People.id.in_(team), People.merged_into_id.is_(None)))
        )
        if missing := [p for p in team if p not in found]:
            problems["team_person_ids"] = f"person {missing[0]} is not in the registry"
    if problems:
        raise InvalidFields(problems)
    return out


def _commitments(raw: Any, session: Session, call: Call, problems: dict[str, str]) -> list[dict[str, Any]]:
    indicators = {i.id: i for i in indicators_of(session, call.id or 0)}
    if not isinstance(raw, list) or len(raw) > len(indicators):
        problems["commitments"] = "must be a list with at most one commitment per indicator of the call"
        return []
    out: list[dict[str, Any]] = []
    for index, item in enumerate(raw, start=1):
        where = f"commitments[{index}]"
        if not isinstance(item, Mapping) or set(item) - {"indicator_id", "value", "note"}:
            problems[where] = "must be an object with indicator_id, value and note"
            continue
        indicator_id, value = item.get("indicator_id"), item.get("value")
        if indicator_id not in indicators or any(c["indicator_id"] == indicator_id for c in out):
            problems[f"{where}.indicator_id"] = "must name an indicator of this call, once"
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems[f"{where}.value"] = "must be a number"
            continue
        try:
            number = check_number(float(value), high=1e15)
            note = check_text(str(item.get("note") or "").strip(), max_length=SHORT_TEXT)
        except ValueError as exc:
            problems[f"{where}.value"] = str(exc)
            continue
        out.append({"indicator_id": indicator_id, "value": number, "note": note})
    return out


def _require_applicant_org(actor: Actor) -> int:
    if not actor.authenticated or actor.organization_id is None:
        raise PermissionDenied("sign in as a member of an organization to apply")
    return actor.organization_id


def create_application(
    actor: Actor,
    call_id: int,
    data: Mapping[str, Any],
    uow: UnitOfWork,
    *,
    idempotency_key: str | None = None,
    is_sample: bool = False,
) -> CallApplication:
    """Start a draft application led by the actor's organization, on a call open for applications."""
    lead = _require_applicant_org(actor)
    if is_officer(actor):
        raise PermissionDenied("officers run calls; they do not apply to them")
    with uow() as session:
        call = load_call(session, actor, call_id)
        if call.status != CallStatus.PUBLISHED:
            raise Conflict(
                f"call {call_id} is not open for applications (allowed in: published)", field="status"
            )
        if lead == call.poster_org_id:
            raise Conflict("the organization that posted a call cannot apply to it", field="lead_org_id")
        fields = _clean(data, session, call, lead)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            running = session.scalar(
                select(Applications.id).where(
                    Applications.call_id == call_id,
                    Applications.lead_org_id == lead,
                    Applications.status != ApplicationStatus.WITHDRAWN,
                )
            )
            if running is not None:
                raise Conflict(
                    f"your organization already has application {running} to this call", field="call_id"
                )
            stamp = audit.now()
            row = CallApplication(
                call_id=call_id,
                lead_org_id=lead,
                created_by=actor.name,
                created_at=stamp,
                updated_at=stamp,
                is_sample=is_sample,
                **fields,
            )
            session.add(row)
            return "call_application", row, {"call_id": call_id, "to": ApplicationStatus.DRAFT.value}

        row, replayed = audited(session, actor, idempotency_key, "call_application.create", write)
        return load_application(session, actor, row.result_id) if replayed else row  # type: ignore[no-any-return]


def _own_draft(session: Session, actor: Actor, application_id: int) -> tuple[CallApplication, Call]:
    application = load_application(session, actor, application_id)
    if actor.organization_id != application.lead_org_id:
        raise PermissionDenied("only the lead organization may change or submit its application")
    call = load_call(session, actor, application.call_id)
    return application, call


def update_application(
    actor: Actor,
    application_id: int,
    data: Mapping[str, Any],
    uow: UnitOfWork,
    *,
    idempotency_key: str | None = None,
) -> CallApplication:
    """Change a draft application while its call is open."""
    with uow() as session:
        application, call = _own_draft(session, actor, application_id)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            _require_open_draft(application, call)
            fields = _clean(data, session, call, application.lead_org_id)
            for key, value in fields.items():
                setattr(application, key, value)
            application.updated_at = audit.now()
            return "call_application", application, {"changed": sorted(fields)}

        audited(session, actor, idempotency_key, "call_application.edit", write)
        return application


def _require_open_draft(application: CallApplication, call: Call) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(f"application is '{application.status.value}' (allowed in: draft)", field="status")
    if call.status != CallStatus.PUBLISHED:
        raise Conflict(f"the call is '{call.status.value}' (allowed in: published)", field="status")


def eligibility_facts(session: Session, application: CallApplication) -> EligibilityFacts:
    orgs = {o.id: o for o in session.scalars(select(Orgs).where(Orgs.id.in_(application.organization_ids)))}
    ordered = [orgs[i] for i in application.organization_ids if i in orgs]
    return EligibilityFacts(
        org_kinds=[o.kind for o in ordered],
        org_regions=[o.region_code for o in ordered],
        org_countries=[o.country_code for o in ordered],
        team_size=len(application.team_person_ids),
        partner_count=len(application.partner_org_ids),
    )


def submit_application(
    actor: Actor, application_id: int, uow: UnitOfWork, *, idempotency_key: str | None = None
) -> CallApplication:
    """Submit a draft: eligibility is checked now, and a refusal names the rule (field = the rule)."""
    with uow() as session:
        application, call = _own_draft(session, actor, application_id)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            _require_open_draft(application, call)
            refusal = eligibility_refusal(call, eligibility_facts(session, application), audit.now().date())
            if refusal is not None:
                rule = refusal.split(":", 1)[0]
                raise InvalidInput(f"not eligible: {refusal}", field=rule)
            indicators = {i.id or 0 for i in indicators_of(session, call.id or 0)}
            if missing := sorted(indicators - {c["indicator_id"] for c in application.commitments}):
                raise InvalidInput(
                    f"commit to every indicator of the call (missing: {missing[0]})", field="commitments"
                )
            if not application.proposal.strip():
                raise InvalidInput("write the proposal before submitting", field="proposal")
            stamp = audit.now()
            application.status, application.submitted_at, application.submitted_by = (
                ApplicationStatus.SUBMITTED,
                stamp,
                actor.name,
            )
            application.updated_at = stamp
            notices.notify_officers(
                session,
                actor,
                f"「{call.title()}」收到新的揭榜申请 / new application",
                call.id,
                application_id=application.id,
            )
            return (
                "call_application",
                application,
                {"call_id": call.id, "to": ApplicationStatus.SUBMITTED.value},
            )

        audited(session, actor, idempotency_key, "call_application.submit", write)
        return application


def withdraw_application(
    actor: Actor,
    application_id: int,
    uow: UnitOfWork,
    *,
    reason: str = "",
    idempotency_key: str | None = None,
) -> CallApplication:
    """The lead organization takes its application back before the call is awarded."""
    with uow() as session:
        application, call = _own_draft(session, actor, application_id)

        def write(_head: Any) -> tuple[str, Any, dict[str, Any]]:
            if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED):
                raise Conflict(
                    f"application is '{application.status.value}' (allowed in: draft, submitted)",
                    field="status",
                )
            if call.status not in (CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.REVIEW):
                raise Conflict(
                    f"the call is '{call.status.value}' (allowed in: published, closed, review)",
                    field="status",
                )
            try:
                text = check_text(reason.strip(), max_length=LONG_TEXT, multiline=True)
            except ValueError as exc:
                raise InvalidInput(str(exc), field="reason") from None
            application.status, application.updated_at = ApplicationStatus.WITHDRAWN, audit.now()
            return "call_application", application, {"call_id": call.id, "to": "withdrawn", "reason": text}

        audited(session, actor, idempotency_key, "call_application.withdraw", write)
        return application

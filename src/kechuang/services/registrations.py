"""Self-registration: a person asks for an account in an organization; a platform admin approves or rejects.

The account exists from the start but stays inactive (it cannot sign in) until approved; the request
remembers the organization claimed, or the name of a new one, which approval creates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from sqlalchemy import select

from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.accounts import Registration, User
from kechuang.domain.clock import now
from kechuang.domain.entities import Organization
from kechuang.domain.enums import Role
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import MAX_ID, check_text
from kechuang.store.db import UnitOfWork
from kechuang.text.normalize import CJK_RUNS

from . import audit
from .accounts import _parse_role, _validate_language, _validate_username, hash_password
from .registry import get_record

# the roles a person may ask for; admin, officer and registrar are given by an admin only
SELF_SERVICE_ROLES = (Role.ENTERPRISE, Role.INSTITUTION, Role.RESEARCHER, Role.INVESTOR, Role.FOREIGN_PARTNER)
MAX_NOTE = 1000
Registrations: Any = Registration
Users: Any = User
Orgs: Any = Organization


@dataclass(frozen=True)
class PendingAccount:
    """A registration with its account, for the admin's list."""

    registration: Registration
    user: User
    organization_name: str


def _text(value: str, field: str, limit: int, *, multiline: bool = False) -> str:
    try:
        return check_text(value.strip(), max_length=limit, multiline=multiline)
    except ValueError as exc:
        raise InvalidInput(f"{field.replace('_', ' ')} {exc}", field=field) from None


def register(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    display_name: str,
    language: str = "zh",
    organization_id: int | None = None,
    proposed_organization: str = "",
    role: Role | str = Role.ENTERPRISE,
    email: str = "",
    note: str = "",
) -> User:
    """Create an inactive account and its pending registration (audited)."""
    username = _validate_username(username)
    display_name = _text(display_name, "display_name", 200)
    if not display_name:
        raise InvalidInput("give your name", field="display_name")
    proposed = _text(proposed_organization, "proposed_organization", 200)
    if (organization_id is None) == (not proposed):
        raise InvalidInput(
            "choose your organization or propose a new one (one of them)", field="organization_id"
        )
    if organization_id is not None:
        # only an organization anyone may see can be claimed: no probing of confidential ones
        try:
            get_record(ANONYMOUS, "organization", organization_id, uow)
        except NotFound:
            raise InvalidInput(
                f"organization {organization_id} does not exist", field="organization_id"
            ) from None
    chosen = _parse_role(role)
    if chosen not in SELF_SERVICE_ROLES:
        raise InvalidInput(
            f"role must be one of: {', '.join(r.value for r in SELF_SERVICE_ROLES)}", field="role"
        )
    user = User(
        username=username,
        display_name=display_name,
        email=_text(email, "email", 200),
        password_hash=hash_password(password, username=username),
        organization_id=organization_id,
        role=chosen,
        language=_validate_language(language),
        active=False,
        created_at=now(),
    )
    note = _text(note, "note", MAX_NOTE, multiline=True)
    with uow() as session:
        if session.scalar(select(Users.id).where(Users.username == username)) is not None:
            raise Conflict(f"username '{username}' is taken", field="username")
        session.add(user)
        session.flush()
        request = Registration(
            user_id=user.id or 0,
            organization_id=organization_id,
            proposed_organization=proposed,
            note=note,
            created_at=now(),
        )
        session.add(request)
        session.flush()
        _audit(
            session,
            Actor(name=username),
            "account.register",
            user.id,
            {"organization_id": organization_id, "proposed_organization": proposed, "role": chosen.value},
        )
    return user


def _audit(session: Any, actor: Actor, action: str, user_id: int | None, payload: dict[str, Any]) -> None:
    audit.append(session, audit.lock_chain(session), actor, action, "user", user_id, payload)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only a platform administrator may manage accounts")


def list_registrations(actor: Actor, uow: UnitOfWork, status: str = "pending") -> list[PendingAccount]:
    """Registrations in a state, oldest first, with the organization each names."""
    _require_admin(actor)
    with uow() as session:
        rows = session.execute(
            select(Registrations, Users)
            .join(Users, Users.id == Registrations.user_id)
            .where(Registrations.status == status)
            .order_by(Registrations.id)
        ).all()
        names = {
            org.id: org.name_zh or org.name_en
            for org in session.scalars(
                select(Orgs).where(Orgs.id.in_({r.organization_id for r, _ in rows} - {None}))
            )
        }
    return [
        PendingAccount(reg, user, names.get(reg.organization_id, "") if reg.organization_id else "")
        for reg, user in rows
    ]


def registration_status(uow: UnitOfWork, user_id: int) -> str:
    """pending, approved, rejected, or '' for an account that was not self-registered."""
    with uow() as session:
        return session.scalar(select(Registrations.status).where(Registrations.user_id == user_id)) or ""


def _pending(session: Any, registration_id: int) -> Registration:
    found = (
        session.get(Registration, registration_id, with_for_update=True)
        if 1 <= registration_id <= MAX_ID
        else None
    )
    if found is None:
        raise NotFound(f"registration {registration_id} not found")
    if found.status != "pending":
        raise Conflict(f"registration {registration_id} was already {found.status}")
    return found


def approve(actor: Actor, uow: UnitOfWork, registration_id: int, *, role: Role | str | None = None) -> User:
    """Switch the account on in its organization (creating a proposed one); optionally with another role."""
    _require_admin(actor)
    chosen = _parse_role(role) if role else None
    with uow() as session:
        request = _pending(session, registration_id)
        user = session.get(User, request.user_id)
        assert user is not None  # the registration cascades with its user
        if request.organization_id is None:
            created = _new_organization(request.proposed_organization)
            session.add(created)
            session.flush()
            request.organization_id = created.id
            user.organization_id = created.id
        user.active = True
        if chosen is not None:
            user.role = chosen
        request.status = "approved"
        request.decided_by = actor.name
        request.decided_at = now()
        _audit(
            session,
            actor,
            "account.approve",
            user.id,
            {"organization_id": user.organization_id, "role": user.role.value},
        )
    return user


def _new_organization(name: str) -> Organization:
    """The organization a registrant proposed, public, for its members to complete later."""
    stamp = now()
    chinese = bool(CJK_RUNS.search(name))
    return Organization(
        external_id=f"organization-{uuid4().hex[:12]}",
        name_zh=name if chinese else "",
        name_en="" if chinese else name,
        created_at=stamp,
        updated_at=stamp,
    )


def reject(actor: Actor, uow: UnitOfWork, registration_id: int, reason: str) -> User:
    """Refuse a registration with a reason; the account stays unable to sign in."""
    _require_admin(actor)
    reason = _text(reason, "reason", MAX_NOTE, multiline=True)
    if not reason:
        raise InvalidInput("give the reason for rejecting the registration", field="reason")
    with uow() as session:
        request = _pending(session, registration_id)
        request.status = "rejected"
        request.reason = reason
        request.decided_by = actor.name
        request.decided_at = now()
        user = session.get(User, request.user_id)
        assert user is not None
        _audit(session, actor, "account.reject", user.id, {"reason": reason})
    return user

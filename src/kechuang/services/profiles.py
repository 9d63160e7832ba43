"""The account page (display name, language, notification kinds) and the admins' user administration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.accounts import Registration, User, UserPreferences
from kechuang.domain.entities import Organization
from kechuang.domain.enums import NotificationKind, Role
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.domain.limits import MAX_ID, check_text
from kechuang.store.db import UnitOfWork

from . import audit
from .accounts import _parse_role, _validate_language, deactivate_user, reactivate_user

ACCOUNT_STATES = ("pending", "active", "disabled")
NOTIFICATION_KINDS = tuple(kind.value for kind in NotificationKind)
Users: Any = User
Registrations: Any = Registration
Prefs: Any = UserPreferences
Orgs: Any = Organization


@dataclass(frozen=True)
class AccountRow:
    """One account in the admins' list: its state (pending, active, disabled) and registration, if any."""

    user: User
    state: str
    registration: Registration | None
    organization: Organization | None = None


def _signed_in(actor: Actor) -> int:
    if not actor.authenticated or actor.user_id is None:
        raise PermissionDenied("sign in to change your account")
    return actor.user_id


def update_profile(actor: Actor, uow: UnitOfWork, *, display_name: str, language: str) -> User:
    """Change the signed-in user's display name and interface language."""
    user_id = _signed_in(actor)
    try:
        name = check_text(display_name.strip(), max_length=200)
    except ValueError as exc:
        raise InvalidInput(f"display name {exc}", field="display_name") from None
    if not name:
        raise InvalidInput("give your name", field="display_name")
    language = _validate_language(language)
    with uow() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        user.display_name = name
        user.language = language
    return user


def received_kinds(uow: UnitOfWork, user_id: int) -> list[str]:
    """The notification kinds the user still receives (all, unless turned off on the account page)."""
    with uow() as session:
        prefs = session.scalar(select(Prefs).where(Prefs.user_id == user_id))
    muted = set(prefs.muted_kinds) if prefs else set()
    return [kind for kind in NOTIFICATION_KINDS if kind not in muted]


def set_received_kinds(actor: Actor, uow: UnitOfWork, kinds: list[str]) -> list[str]:
    """Choose which notification kinds to receive; the others are no longer shown or counted."""
    user_id = _signed_in(actor)
    unknown = sorted(set(kinds) - set(NOTIFICATION_KINDS))
    if unknown:
        raise InvalidInput(
            f"unknown notification kind '{unknown[0]}'; one of: {', '.join(NOTIFICATION_KINDS)}",
            field="kinds",
        )
    muted = [kind for kind in NOTIFICATION_KINDS if kind not in kinds]
    with uow() as session:
        prefs = session.scalar(select(Prefs).where(Prefs.user_id == user_id))
        if prefs is None:
            session.add(UserPreferences(user_id=user_id, muted_kinds=muted))
        else:
            prefs.muted_kinds = muted
    return [kind for kind in NOTIFICATION_KINDS if kind not in muted]


# --- administration ---------------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only a platform administrator may manage accounts")


def list_accounts(actor: Actor, uow: UnitOfWork, state: str = "") -> list[AccountRow]:
    """Every account (or those in one state), pending registrations first, then by username."""
    _require_admin(actor)
    if state and state not in ACCOUNT_STATES:
        raise InvalidInput(f"state must be one of: {', '.join(ACCOUNT_STATES)}", field="state")
    with uow() as session:
        rows = session.execute(
            select(Users, Registrations, Orgs)
            .outerjoin(Registrations, Registrations.user_id == Users.id)
            .outerjoin(Orgs, Orgs.id == Users.organization_id)
            .order_by(Users.username)
        ).all()
    found = [AccountRow(user, _state(user, reg), reg, org) for user, reg, org in rows]
    found.sort(key=lambda row: row.state != "pending")
    return [row for row in found if not state or row.state == state]


def _state(user: User, registration: Registration | None) -> str:
    if user.active:
        return "active"
    return "pending" if registration is not None and registration.status == "pending" else "disabled"


def _account(session: Any, user_id: int) -> User:
    user = session.get(User, user_id) if 1 <= user_id <= MAX_ID else None
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def set_role(actor: Actor, uow: UnitOfWork, user_id: int, role: Role | str) -> User:
    """Give an account another role (audited); admins cannot change their own."""
    _require_admin(actor)
    chosen = _parse_role(role)
    if user_id == actor.user_id:
        raise InvalidInput("you cannot change your own role", field="role")
    with uow() as session:
        user = _account(session, user_id)
        before = user.role.value
        user.role = chosen
        audit.append(
            session,
            audit.lock_chain(session),
            actor,
            "account.role",
            "user",
            user_id,
            {"from": before, "to": chosen.value},
        )
    return user


def set_active(actor: Actor, uow: UnitOfWork, user_id: int, active: bool) -> User:
    """Disable an account (its sessions end) or enable it again; a pending one is approved instead."""
    _require_admin(actor)
    with uow() as session:
        _account(session, user_id)
        pending = session.scalar(
            select(Registrations.id).where(
                Registrations.user_id == user_id, Registrations.status == "pending"
            )
        )
    if pending is not None:
        raise Conflict("this account awaits approval; approve or reject its registration")
    user = reactivate_user(actor, uow, user_id) if active else deactivate_user(actor, uow, user_id)
    with uow() as session:
        audit.append(
            session,
            audit.lock_chain(session),
            actor,
            "account.enable" if active else "account.disable",
            "user",
            user_id,
            {},
        )
    return user

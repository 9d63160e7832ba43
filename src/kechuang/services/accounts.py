"""Accounts: users, password sign-in with lockout, server-side sessions, API tokens, invitations."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from kechuang.domain.access import Actor
from kechuang.domain.accounts import (
    LANGUAGES,
    LOCKOUT_MINUTES,
    MAX_FAILED_LOGINS,
    MIN_PASSWORD_LENGTH,
    ApiToken,
    Invitation,
    LoginSession,
    User,
)
from kechuang.domain.entities import Organization
from kechuang.domain.enums import Role
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from kechuang.store.db import UnitOfWork

SESSION_COOKIE = "kechuang_session"
SESSION_DAYS = 14
TOKEN_DAYS = 30
INVITATION_DAYS = 14
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
_hasher = PasswordHasher()
# the mapped classes typed loosely for query building; the dataclasses themselves stay plain
Users: Any = User
Tokens: Any = ApiToken
Sessions: Any = LoginSession
Invites: Any = Invitation


def now() -> datetime:
    """Naive UTC, as stored in every DateTime column."""
    return datetime.now(UTC).replace(tzinfo=None)


def digest(secret: str) -> str:
    """What the database keeps of a session key, token or invitation code: a leaked table opens nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")


def actor_for(user: User) -> Actor:
    """The actor a signed-in user acts as: their organization, role and language."""
    roles = frozenset({user.role.value})
    return Actor(
        name=user.username,
        organization_id=user.organization_id,
        roles=roles,
        authenticated=True,
        user_id=user.id,
        language=user.language,
    )


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only a platform administrator may manage accounts")


def _validate_username(username: str) -> str:
    name = username.strip().lower()
    if not 3 <= len(name) <= 80 or not set(name) <= USERNAME_CHARS:
        raise InvalidInput("username must be 3-80 characters of a-z, 0-9, '_', '.' or '-'", field="username")
    return name


def _validate_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput("language must be 'zh' or 'en'", field="language")
    return language


def create_user(
    actor: Actor,
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    organization_id: int | None,
    role: Role | str,
    display_name: str = "",
    email: str = "",
    language: str = "zh",
    is_sample: bool = False,
) -> User:
    """An admin creates an account directly (the sample loader and the CLI act as admin)."""
    _require_admin(actor)
    return _insert_user(
        uow,
        User(
            username=_validate_username(username),
            display_name=display_name.strip() or username,
            email=email.strip(),
            password_hash=hash_password(password),
            organization_id=organization_id,
            role=_parse_role(role),
            language=_validate_language(language),
            created_at=now(),
            is_sample=is_sample,
        ),
    )


def _parse_role(role: Role | str) -> Role:
    try:
        return role if isinstance(role, Role) else Role(Role.parse(role))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="role") from None


def _insert_user(uow: UnitOfWork, user: User) -> User:
    with uow() as session:
        if session.scalar(select(Users.id).where(Users.username == user.username)) is not None:
            raise Conflict(f"username '{user.username}' is taken", field="username")
        if user.organization_id is not None and session.get(Organization, user.organization_id) is None:
            raise InvalidInput(f"organization {user.organization_id} does not exist", field="organization_id")
        session.add(user)
        session.flush()
    return user


def authenticate(uow: UnitOfWork, username: str, password: str) -> User:
    """The user for a correct password; counts failures and locks the account after too many."""
    stamp = now()
    with uow() as session:
        user = session.scalar(select(Users).where(Users.username == username.strip().lower()))
        if user is None:
            _hasher_dummy_verify(password)  # same cost as a real check: no username probing by timing
            raise Unauthenticated("wrong username or password")
        if not user.active:
            raise Unauthenticated("this account is deactivated")
        if user.locked_until is not None and user.locked_until > stamp:
            raise Unauthenticated(
                f"too many failed sign-ins; try again after {user.locked_until:%H:%M} UTC", field="password"
            )
        if not _verify(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = stamp + timedelta(minutes=LOCKOUT_MINUTES)
                user.failed_logins = 0
            session.commit()  # the failure must count even though we raise
            raise Unauthenticated("wrong username or password", field="password")
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = stamp
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Hashed on first need, not at import: every CLI start and test run would pay for it."""
    return _hasher.hash("not-a-real-password")


def _hasher_dummy_verify(password: str) -> None:
    _verify(_dummy_hash(), password)


# --- API tokens -------------------------------------------------------------------------------------


def issue_token(uow: UnitOfWork, user: User) -> str:
    """A new bearer token for `user`; only its hash is stored, so it is shown once."""
    raw = secrets.token_urlsafe(32)
    stamp = now()
    with uow() as session:
        session.add(
            ApiToken(
                token_hash=digest(raw),
                user_id=user.id or 0,
                created_at=stamp,
                expires_at=stamp + timedelta(days=TOKEN_DAYS),
            )
        )
    return raw


def actor_from_token(uow: UnitOfWork, raw: str) -> Actor | None:
    """The actor of a live token of an active user, else None."""
    stamp = now()
    with uow() as session:
        row = session.execute(
            select(Users)
            .join(Tokens, Tokens.user_id == Users.id)
            .where(
                Tokens.token_hash == digest(raw),
                Tokens.revoked_at.is_(None),
                Tokens.expires_at > stamp,
                Users.active.is_(True),
            )
        ).scalar_one_or_none()
    return actor_for(row) if row is not None else None


def revoke_token(uow: UnitOfWork, raw: str) -> None:
    with uow() as session:
        session.execute(update(Tokens).where(Tokens.token_hash == digest(raw)).values(revoked_at=now()))


# --- browser sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    """A live browser session: who, and the token its forms must echo (CSRF)."""

    actor: Actor
    csrf_token: str
    user: User


def start_session(uow: UnitOfWork, user: User) -> tuple[str, str]:
    """A new server-side session; returns the cookie key and its CSRF token."""
    key = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    stamp = now()
    with uow() as session:
        session.add(
            LoginSession(
                key_hash=digest(key),
                user_id=user.id or 0,
                csrf_token=csrf,
                created_at=stamp,
                expires_at=stamp + timedelta(days=SESSION_DAYS),
            )
        )
    return key, csrf


def session_info(uow: UnitOfWork, key: str) -> SessionInfo | None:
    """The session behind a cookie key, if it is live and its user active."""
    with uow() as session:
        row = session.execute(
            select(Users, Sessions.csrf_token)
            .join(Sessions, Sessions.user_id == Users.id)
            .where(
                Sessions.key_hash == digest(key), Sessions.expires_at > now(), Users.active.is_(True)
            )
        ).one_or_none()
    if row is None:
        return None
    user, csrf = row
    return SessionInfo(actor_for(user), csrf, user)


def end_session(uow: UnitOfWork, key: str) -> None:
    with uow() as session:
        session.execute(delete(Sessions).where(Sessions.key_hash == digest(key)))


# --- account management -------------------------------------------------------------------------------


def set_language(actor: Actor, uow: UnitOfWork, language: str) -> None:
    """Remember the interface language of a signed-in user."""
    if actor.user_id is None:
        raise PermissionDenied("sign in to save a language")
    language = _validate_language(language)
    with uow() as session:
        session.execute(update(Users).where(Users.id == actor.user_id).values(language=language))


def change_password(actor: Actor, uow: UnitOfWork, old: str, new: str) -> None:
    if actor.user_id is None:
        raise PermissionDenied("sign in to change your password")
    with uow() as session:
        user = session.get(User, actor.user_id)
        if user is None or not _verify(user.password_hash, old):
            raise InvalidInput("the current password is wrong", field="old_password")
        user.password_hash = hash_password(new)


def list_users(actor: Actor, uow: UnitOfWork) -> list[User]:
    _require_admin(actor)
    with uow() as session:
        return list(session.scalars(select(Users).order_by(Users.username)))


def get_user(uow: UnitOfWork, user_id: int) -> User:
    with uow() as session:
        user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def find_user(uow: UnitOfWork, username: str) -> User:
    """The account with this username (any case), active or not."""
    with uow() as session:
        user = session.scalar(select(Users).where(Users.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"user '{username}' not found", field="username")
    return user


def deactivate_user(actor: Actor, uow: UnitOfWork, user_id: int) -> User:
    """Switch an account off: its sessions end and its tokens stop working at once."""
    _require_admin(actor)
    if user_id == actor.user_id:
        raise InvalidInput("you cannot deactivate your own account", field="user_id")
    stamp = now()
    with uow() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        user.active = False
        session.execute(delete(Sessions).where(Sessions.user_id == user_id))
        session.execute(
            update(Tokens)
            .where(Tokens.user_id == user_id, Tokens.revoked_at.is_(None))
            .values(revoked_at=stamp)
        )
    return user


def reactivate_user(actor: Actor, uow: UnitOfWork, user_id: int) -> User:
    _require_admin(actor)
    with uow() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        user.active = True
        user.failed_logins = 0
        user.locked_until = None
    return user


def invite(actor: Actor, uow: UnitOfWork, *, organization_id: int, role: Role | str, email: str = "") -> str:
    """An admin invites someone into an organization with a role; returns the one-time code."""
    _require_admin(actor)
    code = secrets.token_urlsafe(18)
    stamp = now()
    with uow() as session:
        if session.get(Organization, organization_id) is None:
            raise InvalidInput(f"organization {organization_id} does not exist", field="organization_id")
        session.add(
            Invitation(
                code_hash=digest(code),
                email=email.strip(),
                organization_id=organization_id,
                role=_parse_role(role),
                invited_by=actor.name,
                created_at=stamp,
                expires_at=stamp + timedelta(days=INVITATION_DAYS),
            )
        )
    return code


def accept_invitation(
    uow: UnitOfWork, code: str, *, username: str, password: str, display_name: str = "", language: str = "zh"
) -> User:
    """Create the invited account; the code then stops working."""
    username = _validate_username(username)
    password_hash = hash_password(password)
    with uow() as session:
        invitation = session.scalar(
            select(Invites).where(Invites.code_hash == digest(code)).with_for_update()
        )
        if invitation is None or invitation.used_by_user_id is not None or invitation.expires_at <= now():
            raise InvalidInput("this invitation is unknown, used or expired", field="code")
        if session.scalar(select(Users.id).where(Users.username == username)) is not None:
            raise Conflict(f"username '{username}' is taken", field="username")
        user = User(
            username=username,
            display_name=display_name.strip() or username,
            email=invitation.email,
            password_hash=password_hash,
            organization_id=invitation.organization_id,
            role=invitation.role,
            language=_validate_language(language),
            created_at=now(),
        )
        session.add(user)
        session.flush()
        invitation.used_by_user_id = user.id
    return user


def users_of_organization(uow: UnitOfWork, organization_id: int) -> list[User]:
    """Active members of an organization: who hears about its listings."""
    with uow() as session:
        return list(
            session.scalars(
                select(Users).where(Users.organization_id == organization_id, Users.active.is_(True))
            )
        )

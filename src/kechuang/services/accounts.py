"""Accounts: users, password sign-in with lockout, server-side sessions, API tokens, invitations."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, or_, select, update

from kechuang.domain.access import Actor
from kechuang.domain.accounts import (
    LANGUAGES,
    LOCKOUT_MINUTES,
    MAX_FAILED_LOGINS,
    ApiToken,
    Invitation,
    LoginSession,
    Registration,
    User,
)
from kechuang.domain.clock import now
from kechuang.domain.entities import Organization
from kechuang.domain.enums import Role
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from kechuang.domain.passwords import MAX_PASSWORD_LENGTH, password_problem
from kechuang.store.db import UnitOfWork

SESSION_COOKIE = "kechuang_session"
SESSION_DAYS = 14
TOKEN_DAYS = 30
INVITATION_DAYS = 14
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
WRONG_CREDENTIALS = "wrong username or password"  # unknown user, wrong password, deactivated: one answer
_hasher = PasswordHasher()
# the mapped classes typed loosely for query building; the dataclasses themselves stay plain
Users: Any = User
Tokens: Any = ApiToken
Sessions: Any = LoginSession
Invites: Any = Invitation
Registrations: Any = Registration


def digest(secret: str) -> str:
    """What the database keeps of a session key, token or invitation code: a leaked table opens nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str, *, username: str, demo: bool = False) -> str:
    """The argon2 hash of a password that passes the policy (domain.passwords), else InvalidInput."""
    require_acceptable(password, username=username, demo=demo)
    return _hasher.hash(password)


def require_acceptable(
    password: str, *, username: str, old_password: str = "", demo: bool = False, field: str = "password"
) -> None:
    problem = password_problem(password, username=username, old_password=old_password, demo=demo)
    if problem:
        raise InvalidInput(problem, field=field)


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
    username = _validate_username(username)
    return _insert_user(
        uow,
        User(
            username=username,
            display_name=display_name.strip() or username,
            email=email.strip(),
            password_hash=hash_password(password, username=username, demo=is_sample),
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
    """The user for a correct password; failures count toward a lockout, and an unknown user, a wrong
    password and a deactivated account get the same answer after the same password check."""
    stamp = now()
    name = username.strip().lower()
    if any(ord(char) < 32 for char in name):  # no account has such a name: answered like any unknown one
        name = ""
    attempt = _check_password(uow, Users.username == name, password, stamp)
    if attempt.locked_until is not None:
        raise Unauthenticated(_locked(attempt.locked_until), field="password")
    if attempt.user_id is not None and attempt.right and not attempt.active:
        _refuse_unapproved(uow, attempt.user_id)
    if attempt.user_id is None or not attempt.right or not attempt.active:
        raise Unauthenticated(WRONG_CREDENTIALS)
    rehashed = _hasher.hash(password) if _hasher.check_needs_rehash(attempt.password_hash) else None
    with uow() as session:
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": stamp}
        if rehashed:
            values["password_hash"] = rehashed
        session.execute(_quiet(update(Users).where(Users.id == attempt.user_id).values(**values)))
        user: User | None = session.get(User, attempt.user_id)
    assert user is not None
    return user


def _refuse_unapproved(uow: UnitOfWork, user_id: int) -> None:
    """Someone who registered and gave the right password learns why they cannot sign in yet."""
    with uow() as session:
        status = session.scalar(select(Registrations.status).where(Registrations.user_id == user_id))
    if status == "pending":
        raise Unauthenticated("your registration is waiting for an administrator's approval")
    if status == "rejected":
        raise Unauthenticated("your registration was not approved")


def _locked(until: datetime) -> str:
    return f"too many failed sign-ins; try again after {until:%H:%M} UTC"


@dataclass(frozen=True)
class _Attempt:
    """The outcome of one counted password check."""

    user_id: int | None = None  # None: no such account
    locked_until: datetime | None = None  # set: the account is locked and the password was not checked
    right: bool = False
    active: bool = False
    password_hash: str = ""


def _check_password(uow: UnitOfWork, which: ColumnElement[bool], password: str, stamp: datetime) -> _Attempt:
    """Count the attempt first, in one atomic UPDATE, then check: parallel guesses each take a numbered
    place, and only the first MAX_FAILED_LOGINS of them are ever checked."""
    candidate = password if len(password) <= MAX_PASSWORD_LENGTH else ""  # never matches: too short
    open_ = or_(Users.locked_until.is_(None), Users.locked_until <= stamp)
    with uow() as session:
        claimed = session.execute(
            _quiet(update(Users).where(which, open_).values(failed_logins=Users.failed_logins + 1))
            .returning(Users.id, Users.failed_logins, Users.password_hash, Users.active)
        ).one_or_none()
        lock_of = select(Users.id, Users.locked_until).where(which)
        locked = None if claimed else session.execute(lock_of).first()  # no such account, or locked
    if claimed is None:
        if locked is None:
            _hasher_dummy_verify(candidate)  # same cost as a real check: no username probing by timing
            return _Attempt()
        return _Attempt(locked.id, locked.locked_until)
    if claimed.failed_logins > MAX_FAILED_LOGINS:  # a parallel guess beyond the allowance
        return _Attempt(claimed.id, _lock(uow, claimed.id, stamp))
    right = _verify(claimed.password_hash, candidate)
    if not right and claimed.failed_logins >= MAX_FAILED_LOGINS:
        _lock(uow, claimed.id, stamp)
    return _Attempt(claimed.id, None, right, claimed.active, claimed.password_hash)


def _lock(uow: UnitOfWork, user_id: int, stamp: datetime) -> datetime:
    until = stamp + timedelta(minutes=LOCKOUT_MINUTES)
    with uow() as session:
        session.execute(
            _quiet(update(Users).where(Users.id == user_id).values(locked_until=until, failed_logins=0))
        )
    return until


def _quiet(statement: Any) -> Any:
    """A bulk UPDATE that leaves the session's objects alone (there are none to synchronise)."""
    return statement.execution_options(synchronize_session=False)


def password_matches(user: User, password: str) -> bool:
    """Whether `password` is the user's, without counting an attempt: for operator checks, not sign-in."""
    return _verify(user.password_hash, password)


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


def change_password(actor: Actor, uow: UnitOfWork, old: str, new: str, *, keep: str | None = None) -> None:
    """Replace the password; a wrong current password counts toward the lockout like a failed sign-in, and
    every session and token of the account ends except `keep` (the raw key or token of this request)."""
    if actor.user_id is None:
        raise PermissionDenied("sign in to change your password")
    require_acceptable(new, username=actor.name, old_password=old, field="new_password")
    stamp = now()
    attempt = _check_password(uow, Users.id == actor.user_id, old, stamp)
    if attempt.locked_until is not None:
        raise Unauthenticated(_locked(attempt.locked_until), field="old_password")
    if not attempt.right:
        raise InvalidInput("the current password is wrong", field="old_password")
    new_hash = _hasher.hash(new)
    kept = digest(keep) if keep else ""
    with uow() as session:
        account = update(Users).where(Users.id == actor.user_id)
        session.execute(_quiet(account.values(password_hash=new_hash, failed_logins=0)))
        session.execute(delete(Sessions).where(Sessions.user_id == actor.user_id, Sessions.key_hash != kept))
        session.execute(
            update(Tokens)
            .where(Tokens.user_id == actor.user_id, Tokens.revoked_at.is_(None), Tokens.token_hash != kept)
            .values(revoked_at=stamp)
        )


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


def display_names(uow: UnitOfWork, usernames: set[str]) -> dict[str, str]:
    """The display name of each account among `usernames` that has one (pages show people, not logins)."""
    wanted = sorted(name for name in usernames if name)
    with uow() as session:
        rows = session.execute(select(Users.username, Users.display_name).where(Users.username.in_(wanted)))
        return {username: shown for username, shown in rows if shown}


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
    password_hash = hash_password(password, username=username)
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

"""Password reset by a one-time link an admin issues: stored hashed, expiring, used once, audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from kechuang.domain.access import Actor
from kechuang.domain.accounts import RESET_LINK_HOURS, ApiToken, LoginSession, ResetLink, User
from kechuang.domain.clock import now
from kechuang.domain.errors import InvalidInput, NotFound, PermissionDenied
from kechuang.store.db import UnitOfWork

from . import audit, mail
from .accounts import _hasher, digest, require_acceptable

Links: Any = ResetLink
Sessions: Any = LoginSession
Tokens: Any = ApiToken
MAX_TOKEN_CHARS = 100
UNUSABLE = "this password-reset link is unknown, used or expired; ask an administrator for a new one"


@dataclass(frozen=True)
class IssuedLink:
    """A freshly issued link: its path (shown once) and whether it went out by e-mail."""

    path: str
    emailed_to: str = ""


def issue_reset_link(actor: Actor, uow: UnitOfWork, user_id: int) -> str:
    """A new one-time token for the account (earlier unused ones stop working); shown once."""
    if not actor.is_admin:
        raise PermissionDenied("only a platform administrator may issue password-reset links")
    raw = secrets.token_urlsafe(32)
    stamp = now()
    with uow() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        session.execute(
            update(Links).where(Links.user_id == user_id, Links.used_at.is_(None)).values(used_at=stamp)
        )
        session.add(
            ResetLink(
                token_hash=digest(raw),
                user_id=user_id,
                issued_by=actor.name,
                created_at=stamp,
                expires_at=stamp + timedelta(hours=RESET_LINK_HOURS),
            )
        )
        audit.append(session, audit.lock_chain(session), actor, "account.reset_link", "user", user_id, {})
    return raw


def send_reset_link(
    actor: Actor, uow: UnitOfWork, user_id: int, *, base_url: str, smtp: mail.SmtpSettings
) -> IssuedLink:
    """Issue a link and e-mail it when SMTP is configured and the account has an address."""
    raw = issue_reset_link(actor, uow, user_id)
    path = f"/reset/{raw}"
    with uow() as session:
        user = session.get(User, user_id)
    assert user is not None
    if not smtp.enabled or not user.email:
        return IssuedLink(path)
    message = mail.reset_message(
        smtp.sender,
        user.email,
        name=user.display_name,
        username=user.username,
        link=base_url.rstrip("/") + path,
        hours=RESET_LINK_HOURS,
        lang=user.language,
    )
    mail.send(smtp, message)
    return IssuedLink(path, user.email)


def _usable(session: Any, raw: str, *, lock: bool = False) -> ResetLink | None:
    if not raw or len(raw) > MAX_TOKEN_CHARS:
        return None
    stmt = select(Links).where(Links.token_hash == digest(raw))
    link: ResetLink | None = session.scalar(stmt.with_for_update() if lock else stmt)
    if link is None or link.used_at is not None or link.expires_at is None or link.expires_at <= now():
        return None
    return link


def reset_link_user(uow: UnitOfWork, raw: str) -> User:
    """The account a usable link belongs to (for the form's greeting), else InvalidInput."""
    with uow() as session:
        link = _usable(session, raw)
        user = session.get(User, link.user_id) if link else None
    if user is None or not user.active:
        raise InvalidInput(UNUSABLE, field="token")
    return user


def reset_password(uow: UnitOfWork, raw: str, new_password: str) -> User:
    """Set a new password through a link: the link is spent, the lockout lifted, every session ended."""
    stamp = now()
    with uow() as session:
        link = _usable(session, raw, lock=True)
        user = session.get(User, link.user_id) if link else None
        if link is None or user is None or not user.active:
            raise InvalidInput(UNUSABLE, field="token")
        require_acceptable(new_password, username=user.username, field="new_password")
        user.password_hash = _hasher.hash(new_password)
        user.failed_logins = 0
        user.locked_until = None
        link.used_at = stamp
        session.execute(delete(Sessions).where(Sessions.user_id == user.id))
        session.execute(
            update(Tokens)
            .where(Tokens.user_id == user.id, Tokens.revoked_at.is_(None))
            .values(revoked_at=stamp)
        )
        audit.append(
            session,
            audit.lock_chain(session),
            Actor(name=user.username),
            "account.reset_password",
            "user",
            user.id,
            {},
        )
    return user

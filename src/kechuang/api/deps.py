"""Request dependencies: the unit of work and the acting user (bearer token or session cookie)."""

from __future__ import annotations

import hmac

from fastapi import Request

from kechuang.config import Settings
from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.errors import PermissionDenied, Unauthenticated
from kechuang.services import accounts
from kechuang.store.db import UnitOfWork

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_uow(request: Request) -> UnitOfWork:
    return request.app.state.uow  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def count_password_attempt(request: Request, account: str) -> None:
    """Sign-in and password change: refuse with 429 beyond the per-address or per-account limit."""
    address = request.client.host if request.client else ""
    request.app.state.sign_in_throttle.attempt(address, account)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header; a malformed header is an error, not anonymity."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use the header 'Authorization: Bearer <token>'")
    return token.strip()


def current_actor(request: Request) -> Actor:
    """The caller: bearer token user, else session user (CSRF-checked on writes), else anonymous."""
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    actor = _resolve_actor(request)
    request.state.actor = actor
    return actor


def _resolve_actor(request: Request) -> Actor:
    uow = get_uow(request)
    token = bearer_token(request)
    if token is not None:
        actor = accounts.actor_from_token(uow, token)
        if actor is None:
            raise Unauthenticated("the token is invalid, expired or revoked, or its account is deactivated")
        return actor
    key = request.cookies.get(accounts.SESSION_COOKIE)
    info = accounts.session_info(uow, key) if key else None
    if info is None:
        return ANONYMOUS
    sent = (request.headers.get("x-csrf-token") or "").encode()
    if request.method not in SAFE_METHODS and not hmac.compare_digest(sent, info.csrf_token.encode()):
        raise PermissionDenied("a browser request that changes data needs the X-CSRF-Token header")
    return info.actor


def signed_in(request: Request) -> Actor:
    """Like current_actor, but anonymous callers get 401."""
    actor = current_actor(request)
    if not actor.authenticated:
        raise Unauthenticated("sign in first: POST /api/auth/token, then send Authorization: Bearer <token>")
    return actor

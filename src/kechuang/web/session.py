"""Who is browsing: the session cookie's user (or an anonymous visitor), their language and CSRF token."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData

from kechuang.config import Settings
from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.accounts import User
from kechuang.services import accounts
from kechuang.store.db import UnitOfWork

from .i18n import normalize_language

LANGUAGE_COOKIE = "kechuang_lang"
ANON_CSRF_COOKIE = "kechuang_csrf"  # double-submit token of visitors who have not signed in yet
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfRejected(Exception):
    """A form or htmx request that changes something arrived without the visitor's CSRF token."""


@dataclass
class Visitor:
    """The person behind a page request, resolved once per request from cookies."""

    actor: Actor
    lang: str
    csrf: str
    user: User | None = None
    session_key: str | None = None
    new_csrf_cookie: bool = False  # an anonymous token to hand out with this response

    @property
    def signed_in(self) -> bool:
        return self.user is not None


def uow_of(request: Request) -> UnitOfWork:
    return request.app.state.uow  # type: ignore[no-any-return]


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def secure_cookies(request: Request) -> bool:
    """Cookies go over HTTPS only when the setting says so (a TLS proxy hides the scheme) or we see https."""
    return settings_of(request).secure_cookies or request.url.scheme == "https"


def count_password_attempt(request: Request, account: str) -> None:
    """The sign-in form shares the API's limits: 429 beyond the per-address or per-account limit."""
    address = request.client.host if request.client else ""
    request.app.state.sign_in_throttle.attempt(address, account)


def visitor(request: Request) -> Visitor:
    """The visitor of this request (cached on the request): signed-in user, else anonymous."""
    cached: Visitor | None = getattr(request.state, "visitor", None)
    if cached is not None:
        return cached
    default = settings_of(request).default_language
    key = request.cookies.get(accounts.SESSION_COOKIE)
    info = accounts.session_info(uow_of(request), key) if key else None
    if info is not None:
        found = Visitor(info.actor, normalize_language(info.user.language, default), info.csrf_token,
                        info.user, key)
    else:
        token = request.cookies.get(ANON_CSRF_COOKIE) or ""
        fresh = len(token) < 20
        found = Visitor(
            ANONYMOUS,
            normalize_language(request.cookies.get(LANGUAGE_COOKIE), default),
            secrets.token_urlsafe(24) if fresh else token,
            new_csrf_cookie=fresh,
        )
    request.state.visitor = found
    return found


async def csrf_guard(request: Request) -> None:
    """Router dependency: every unsafe request must echo the visitor's token (form field or header)."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = visitor(request).csrf
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form: FormData = await request.form()  # starlette caches it for the handler
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected()

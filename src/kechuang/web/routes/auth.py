"""Sign-in and sign-out with a server-side session cookie, and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.errors import TooManyRequests, Unauthenticated
from kechuang.services import accounts

from ..i18n import normalize_language
from ..render import render
from ..session import LANGUAGE_COOKIE, count_password_attempt, csrf_guard, secure_cookies, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
YEAR = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Only local paths: a crafted `next` must not send the visitor to another site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=safe_next(next), username="", error="")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    uow = uow_of(request)
    try:
        count_password_attempt(request, username)
        user = accounts.authenticate(uow, username, password)
    except TooManyRequests as exc:
        page = render(request, "login.html", status_code=429, next=target, username=username,
                      error=exc.message)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except Unauthenticated as exc:
        return render(request, "login.html", status_code=401, next=target, username=username,
                      error=exc.message)
    key, _csrf = accounts.start_session(uow, user)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(accounts.SESSION_COOKIE, key, max_age=accounts.SESSION_DAYS * 24 * 3600,
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    who = visitor(request)
    if who.session_key:
        accounts.end_session(uow_of(request), who.session_key)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(accounts.SESSION_COOKIE)
    return response


@router.post("/language")
async def switch_language(request: Request) -> Response:
    """Remember the language: on the account when signed in, in a cookie otherwise (and as a fallback)."""
    form = await request.form()
    who = visitor(request)
    lang = normalize_language(str(form.get("lang", "")), who.lang)
    if who.signed_in:
        accounts.set_language(who.actor, uow_of(request), lang)
    response = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, lang, max_age=YEAR, httponly=True, samesite="lax",
                        secure=secure_cookies(request))
    return response

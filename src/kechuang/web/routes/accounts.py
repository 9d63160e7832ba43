"""Account pages: self-registration, password reset by link, the account page, user administration,
saved searches, and the CSV/XLSX download of a registry list."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.accounts import LANGUAGES
from kechuang.domain.enums import Role
from kechuang.domain.errors import InvalidInput, PermissionDenied, TooManyRequests, Unauthenticated
from kechuang.services import accounts, exporting, password_reset, profiles, registrations, registry
from kechuang.services import saved_searches as saved
from kechuang.services.mail import smtp_settings

from ..forms import field_errors
from ..pages import BY_ENTITY, PAGES
from ..render import render
from ..session import Visitor, count_password_attempt, csrf_guard, settings_of, uow_of, visitor
from .registry import chosen_filters

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
MAX_ORGANIZATIONS_LISTED = 500
REGISTER_FIELDS = (
    "username",
    "display_name",
    "email",
    "language",
    "organization_id",
    "proposed_organization",
    "role",
    "note",
)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _form_text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _signed_in(request: Request) -> Visitor:
    who = visitor(request)
    if not who.signed_in:
        raise Unauthenticated("sign in first")
    return who


def _admin(request: Request) -> Visitor:
    who = _signed_in(request)
    if not who.actor.is_admin:
        raise PermissionDenied("only a platform administrator may manage accounts")
    return who


# --- registration -------------------------------------------------------------------------------------


def _register_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    organizations = registry.list_records(
        ANONYMOUS, "organization", uow_of(request), sort="newest", limit=MAX_ORGANIZATIONS_LISTED
    ).items
    return render(
        request,
        "accounts/register.html",
        status_code=status,
        values=values,
        errors=errors,
        organizations=sorted(organizations, key=lambda o: o.text("name", visitor(request).lang)),
        roles=registrations.SELF_SERVICE_ROLES,
        languages=LANGUAGES,
    )


@router.get("/register")
def register_page(request: Request) -> Response:
    return _register_page(request, {"language": visitor(request).lang, "role": "enterprise"}, {})


@router.post("/register")
async def register(request: Request) -> Response:
    form = await request.form()
    values = {name: _form_text(form, name).strip() for name in REGISTER_FIELDS}
    password = _form_text(form, "password")
    org = values["organization_id"]
    try:
        count_password_attempt(request, values["username"])  # each registration hashes a password
        if org and not org.isdigit():
            raise InvalidInput(
                "choose your organization or propose a new one (one of them)", field="organization_id"
            )
        if password != _form_text(form, "password_again"):
            raise InvalidInput("the two passwords differ", field="password_again")
        registrations.register(
            uow_of(request),
            username=values["username"],
            password=password,
            display_name=values["display_name"],
            language=values["language"] or "zh",
            organization_id=int(org) if org else None,
            proposed_organization=values["proposed_organization"],
            role=values["role"] or "enterprise",
            email=values["email"],
            note=values["note"],
        )
    except TooManyRequests as exc:
        return _register_page(request, values, {"username": exc.message}, status=429)
    except InvalidInput as exc:
        return _register_page(request, values, field_errors(exc), status=422)
    return render(request, "accounts/registered.html", username=values["username"])


# --- password reset -----------------------------------------------------------------------------------


@router.get("/reset/{token}")
def reset_page(request: Request, token: str) -> Response:
    try:
        user = password_reset.reset_link_user(uow_of(request), token)
    except InvalidInput as exc:
        return render(request, "accounts/reset.html", status_code=404, token="", user=None, error=exc.message)
    return render(request, "accounts/reset.html", token=token, user=user, error="")


@router.post("/reset/{token}")
async def reset(request: Request, token: str) -> Response:
    form = await request.form()
    new = _form_text(form, "new_password")
    try:
        user = password_reset.reset_link_user(uow_of(request), token)
    except InvalidInput as exc:
        return render(request, "accounts/reset.html", status_code=404, token="", user=None, error=exc.message)
    try:
        count_password_attempt(request, user.username)
        if new != _form_text(form, "new_password_again"):
            raise InvalidInput("the two passwords differ", field="new_password_again")
        password_reset.reset_password(uow_of(request), token, new)
    except InvalidInput as exc:
        return render(
            request, "accounts/reset.html", status_code=422, token=token, user=user, error=exc.message
        )
    return RedirectResponse("/login?reset=1", status_code=303)


# --- the account page ---------------------------------------------------------------------------------


def _account_page(request: Request, who: Visitor, status: int = 200, **extra: Any) -> Response:
    kinds = profiles.received_kinds(uow_of(request), who.actor.user_id or 0)
    context: dict[str, Any] = {"errors": {}, "saved": "", **extra}
    return render(
        request,
        "accounts/account.html",
        status_code=status,
        received=kinds,
        kinds=profiles.NOTIFICATION_KINDS,
        languages=LANGUAGES,
        **context,
    )


@router.get("/account")
def account_page(request: Request, saved: str = "") -> Response:
    return _account_page(
        request, _signed_in(request), saved=saved if saved in ("profile", "password", "notifications") else ""
    )


@router.post("/account/profile")
async def update_profile(request: Request) -> Response:
    who = _signed_in(request)
    form = await request.form()
    try:
        profiles.update_profile(
            who.actor,
            uow_of(request),
            display_name=_form_text(form, "display_name"),
            language=_form_text(form, "language"),
        )
    except InvalidInput as exc:
        return _account_page(request, who, 422, errors=field_errors(exc))
    return RedirectResponse("/account?saved=profile", status_code=303)


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    who = _signed_in(request)
    form = await request.form()
    new = _form_text(form, "new_password")
    try:
        count_password_attempt(request, who.actor.name)
        if new != _form_text(form, "new_password_again"):
            raise InvalidInput("the two passwords differ", field="new_password_again")
        accounts.change_password(
            who.actor, uow_of(request), _form_text(form, "old_password"), new, keep=who.session_key
        )
    except (InvalidInput, Unauthenticated, TooManyRequests) as exc:
        return _account_page(request, who, 422, errors={exc.field or "old_password": exc.message})
    return RedirectResponse("/account?saved=password", status_code=303)


@router.post("/account/notifications")
async def notification_kinds(request: Request) -> Response:
    who = _signed_in(request)
    form = await request.form()
    kinds = [value for value in form.getlist("kinds") if isinstance(value, str)]
    try:
        profiles.set_received_kinds(who.actor, uow_of(request), kinds)
    except InvalidInput as exc:
        return _account_page(request, who, 422, errors=field_errors(exc))
    return RedirectResponse("/account?saved=notifications", status_code=303)


# --- user administration ------------------------------------------------------------------------------


def _users_page(request: Request, who: Visitor, state: str, status: int = 200, **extra: Any) -> Response:
    state = state if state in profiles.ACCOUNT_STATES else ""
    rows = profiles.list_accounts(who.actor, uow_of(request), state)
    context: dict[str, Any] = {"issued": None, "error": "", "done": "", **extra}
    return render(
        request,
        "accounts/users.html",
        status_code=status,
        rows=rows,
        state=state,
        states=profiles.ACCOUNT_STATES,
        roles=list(Role),
        **context,
    )


@router.get("/admin/users")
def users_page(request: Request, state: str = "", done: str = "") -> Response:
    return _users_page(request, _admin(request), state, done=done if done.isidentifier() else "")


def _back(form: Any, done: str) -> RedirectResponse:
    state = _form_text(form, "state")
    query = urlencode({"state": state, "done": done} if state in profiles.ACCOUNT_STATES else {"done": done})
    return RedirectResponse(f"/admin/users?{query}", status_code=303)


async def _admin_action(request: Request, action: Any, done: str) -> Response:
    who = _admin(request)
    form = await request.form()
    try:
        action(who, form)
    except InvalidInput as exc:
        return _users_page(request, who, _form_text(form, "state"), 422, error=exc.message)
    return _back(form, done)


@router.post("/admin/registrations/{registration_id}/approve")
async def approve(request: Request, registration_id: int) -> Response:
    def act(who: Visitor, form: Any) -> None:
        registrations.approve(
            who.actor, uow_of(request), registration_id, role=_form_text(form, "role") or None
        )

    return await _admin_action(request, act, "approved")


@router.post("/admin/registrations/{registration_id}/reject")
async def reject(request: Request, registration_id: int) -> Response:
    def act(who: Visitor, form: Any) -> None:
        registrations.reject(who.actor, uow_of(request), registration_id, _form_text(form, "reason"))

    return await _admin_action(request, act, "rejected")


@router.post("/admin/users/{user_id}/active")
async def set_active(request: Request, user_id: int) -> Response:
    def act(who: Visitor, form: Any) -> None:
        profiles.set_active(who.actor, uow_of(request), user_id, _form_text(form, "active") == "1")

    return await _admin_action(request, act, "saved")


@router.post("/admin/users/{user_id}/role")
async def set_role(request: Request, user_id: int) -> Response:
    def act(who: Visitor, form: Any) -> None:
        profiles.set_role(who.actor, uow_of(request), user_id, _form_text(form, "role"))

    return await _admin_action(request, act, "saved")


@router.post("/admin/users/{user_id}/reset-link")
async def reset_link(request: Request, user_id: int) -> Response:
    who = _admin(request)
    form = await request.form()
    settings = settings_of(request)
    base = settings.public_url or str(request.base_url)
    issued = password_reset.send_reset_link(
        who.actor, uow_of(request), user_id, base_url=base, smtp=smtp_settings(settings)
    )
    user = accounts.get_user(uow_of(request), user_id)
    link = base.rstrip("/") + issued.path
    return _users_page(
        request,
        who,
        _form_text(form, "state"),
        issued={"user": user, "link": "" if issued.emailed_to else link, "emailed_to": issued.emailed_to},
    )


# --- saved searches -----------------------------------------------------------------------------------


@router.get("/saved-searches")
def saved_searches_page(request: Request) -> Response:
    who = _signed_in(request)
    return render(
        request,
        "accounts/saved_searches.html",
        saved_search_url=saved_search_url,
        items=saved.list_saved_searches(who.actor, uow_of(request)),
    )


@router.post("/saved-searches")
async def save_search(request: Request) -> Response:
    who = _signed_in(request)
    form = await request.form()
    plural = _form_text(form, "list")
    page = PAGES.get(plural)
    filters: dict[str, Any] = {}
    if page is not None:
        filters = chosen_filters(page, form)
    saved.save_search(
        who.actor,
        uow_of(request),
        entity=page.entity if page else "",
        q=_form_text(form, "q"),
        filters=filters,
        name=_form_text(form, "name"),
        indexes=request.app.state.indexes,
    )
    return RedirectResponse("/saved-searches?saved=1", status_code=303)


@router.post("/saved-searches/{search_id}/delete")
def delete_saved_search(request: Request, search_id: int) -> Response:
    who = _signed_in(request)
    saved.delete_saved_search(who.actor, uow_of(request), search_id)
    return RedirectResponse("/saved-searches", status_code=303)


def saved_search_url(entity: str, q: str, filters: dict[str, Any]) -> str:
    """The list (or site search) page a saved search stands for."""
    query = urlencode({**({"q": q} if q else {}), **{k: str(v) for k, v in filters.items()}})
    path = f"/{BY_ENTITY[entity].plural}" if entity in BY_ENTITY else "/search"
    return f"{path}?{query}" if query else path


# --- list downloads -----------------------------------------------------------------------------------


def _add_export(plural: str) -> None:
    page = PAGES[plural]

    @router.get(f"/{plural}/export", name=f"page_export_{plural}")
    def export(request: Request, format: str = "csv", q: str = "", sort: str = "") -> Response:
        who = visitor(request)
        sorts = registry.sort_options(page.entity)[0 if q.strip() else 1 :]
        body = exporting.export_list(
            who.actor,
            page.entity,
            format,
            uow_of(request),
            q=q,
            sort=sort if sort in sorts else "",
            filters=chosen_filters(page, request.query_params),
            indexes=request.app.state.indexes,
            lang=who.lang,
        )
        name = f"{plural}.{format}"
        return Response(
            body, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )


for _plural in PAGES:
    _add_export(_plural)

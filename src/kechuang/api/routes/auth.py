"""Sign-in for API clients (bearer tokens), the caller's own account, and account administration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kechuang.domain.access import Actor
from kechuang.domain.accounts import User
from kechuang.domain.limits import check_text
from kechuang.domain.passwords import MAX_PASSWORD_LENGTH
from kechuang.services import accounts
from kechuang.store.db import UnitOfWork

from ..deps import bearer_token, count_password_attempt, get_uow, signed_in
from ..params import BodyId, ItemId, ShortText
from ..schemas import Page

router = APIRouter(prefix="/api", tags=["accounts"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
    user: UserOut


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    email: str
    organization_id: int | None
    role: str
    language: str
    active: bool


Username = Annotated[str, Field(max_length=64), AfterValidator(check_text)]
Password = Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]
RoleName = Annotated[str, Field(max_length=32)]


class LanguageIn(BaseModel):
    language: str = Field(max_length=8, description="zh or en")


class PasswordChange(BaseModel):
    old_password: Password
    new_password: Password


class UserIn(BaseModel):
    username: Username
    password: Password
    organization_id: BodyId | None = None
    role: RoleName
    display_name: ShortText = ""
    email: ShortText = ""
    language: str = Field("zh", max_length=8)


class InvitationIn(BaseModel):
    organization_id: BodyId
    role: RoleName
    email: ShortText = ""


class InvitationAccept(BaseModel):
    code: str = Field(max_length=128)
    username: Username
    password: Password
    display_name: str = ""
    language: str = "zh"


TokenOut.model_rebuild()


@router.post(
    "/auth/token", response_model=TokenOut, summary="Sign in: exchange username and password for a token"
)
def issue_token(body: Credentials, request: Request, uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Five wrong passwords lock the account for 15 minutes, bursts get 429; the token is shown once."""
    count_password_attempt(request, body.username)
    user = accounts.authenticate(uow, body.username, body.password)
    token = accounts.issue_token(uow, user)
    return {"access_token": token, "expires_in": accounts.TOKEN_DAYS * 86400, "user": user}


@router.post("/auth/logout", status_code=204, summary="Revoke the token of this request")
def logout(request: Request, _actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> None:
    token = bearer_token(request)
    if token:
        accounts.revoke_token(uow, token)


@router.get("/me", response_model=UserOut, summary="The signed-in user")
def me(actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> User:
    return accounts.get_user(uow, actor.user_id or 0)


@router.put("/me/language", response_model=UserOut, summary="Remember the interface language (zh or en)")
def set_language(
    body: LanguageIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> User:
    accounts.set_language(actor, uow, body.language)
    return accounts.get_user(uow, actor.user_id or 0)


@router.post("/me/password", status_code=204, summary="Change your password")
def change_password(
    body: PasswordChange,
    request: Request,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> None:
    """A wrong current password counts like a failed sign-in; every other session and token ends."""
    count_password_attempt(request, actor.name)
    keep = bearer_token(request) or request.cookies.get(accounts.SESSION_COOKIE)
    accounts.change_password(actor, uow, body.old_password, body.new_password, keep=keep)


@router.get("/users", response_model=Page[UserOut], summary="All accounts (admins)")
def list_users(actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    users = accounts.list_users(actor, uow)
    return {"data": users, "count": len(users)}


@router.post("/users", response_model=UserOut, status_code=201, summary="Create an account (admins)")
def create_user(body: UserIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> User:
    return accounts.create_user(actor, uow, **body.model_dump())


@router.post("/users/{user_id}/deactivate", response_model=UserOut, summary="Deactivate an account (admins)")
def deactivate(
    user_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> User:
    """Its sessions end and its tokens stop working at once."""
    return accounts.deactivate_user(actor, uow, user_id)


@router.post("/users/{user_id}/reactivate", response_model=UserOut, summary="Reactivate an account (admins)")
def reactivate(
    user_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> User:
    return accounts.reactivate_user(actor, uow, user_id)


@router.post("/invitations", status_code=201, summary="Invite someone into an organization (admins)")
def create_invitation(
    body: InvitationIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, str]:
    """Returns the one-time code to send to the invitee."""
    code = accounts.invite(actor, uow, organization_id=body.organization_id, role=body.role, email=body.email)
    return {"code": code}


@router.post(
    "/invitations/accept", response_model=UserOut, status_code=201, summary="Create an invited account"
)
def accept_invitation(body: InvitationAccept, uow: UnitOfWork = Depends(get_uow)) -> User:
    return accounts.accept_invitation(
        uow,
        body.code,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
        language=body.language,
    )

"""Self-registration (public), its approval by admins, and the signed-in user's saved searches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, BaseModel, Field

from kechuang.domain.access import Actor
from kechuang.domain.limits import check_text
from kechuang.services import registrations
from kechuang.services import saved_searches as saved
from kechuang.store.db import UnitOfWork

from ..deps import count_password_attempt, get_uow, signed_in
from ..params import BodyId, ItemId

router = APIRouter(prefix="/api", tags=["accounts"])
Short = Annotated[str, Field(max_length=200), AfterValidator(check_text)]


class RegistrationIn(BaseModel):
    username: Annotated[str, Field(min_length=3, max_length=80)]
    password: Annotated[str, Field(min_length=1, max_length=128)]
    display_name: Short
    language: Annotated[str, Field(pattern="^(zh|en)$")] = "zh"
    organization_id: BodyId | None = Field(
        None, description="An existing (public) organization you belong to"
    )
    proposed_organization: Short = Field("", description="Or the name of a new organization")
    role: Short = Field(
        "enterprise", description="enterprise, institution, researcher, investor, foreign_partner"
    )
    email: Short = ""
    note: Annotated[str, Field(max_length=registrations.MAX_NOTE)] = ""


class RegistrationOut(BaseModel):
    username: str
    status: str = Field(description="pending: the account cannot sign in until an admin approves it")


class DecisionIn(BaseModel):
    role: Short = Field("", description="Approve with another role than the one asked for")
    reason: Annotated[str, Field(max_length=registrations.MAX_NOTE)] = Field(
        "", description="Why (to reject)"
    )


class SavedSearchIn(BaseModel):
    entity: Short = Field("", description="A registry entity (demand, achievement...), or empty: site search")
    q: Annotated[str, Field(max_length=500)] = ""
    filters: dict[str, str | int] = Field(
        default_factory=dict, description="List filters, e.g. {status: open}"
    )
    name: Short = ""


class SavedSearchOut(BaseModel):
    id: int
    name: str
    entity: str
    q: str
    filters: dict[str, Any]


@router.post("/registrations", status_code=201, response_model=RegistrationOut, summary="Ask for an account")
def register(request: Request, body: RegistrationIn, uow: UnitOfWork = Depends(get_uow)) -> dict[str, str]:
    """The account is created inactive; a platform administrator approves or rejects it. Rate-limited
    like sign-in (each registration hashes a password)."""
    count_password_attempt(request, body.username)
    user = registrations.register(uow, **body.model_dump())
    return {"username": user.username, "status": "pending"}


@router.get("/registrations", summary="Registrations in a state (admins)")
def list_registrations(
    status: str = Query("pending", pattern="^(pending|approved|rejected)$"),
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    rows = registrations.list_registrations(actor, uow, status)
    data = [
        {
            "id": row.registration.id,
            "username": row.user.username,
            "display_name": row.user.display_name,
            "organization_id": row.registration.organization_id,
            "organization": row.organization_name,
            "proposed_organization": row.registration.proposed_organization,
            "role": row.user.role.value,
            "status": row.registration.status,
        }
        for row in rows
    ]
    return {"data": data, "count": len(data)}


@router.post("/registrations/{item_id}/approve", summary="Approve a registration (admins)")
def approve(
    item_id: ItemId,
    body: DecisionIn | None = None,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    user = registrations.approve(actor, uow, item_id, role=(body.role if body else "") or None)
    return {"username": user.username, "status": "approved", "organization_id": user.organization_id}


@router.post("/registrations/{item_id}/reject", summary="Reject a registration with a reason (admins)")
def reject(
    item_id: ItemId, body: DecisionIn, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, str]:
    user = registrations.reject(actor, uow, item_id, body.reason)
    return {"username": user.username, "status": "rejected"}


@router.get("/saved-searches", summary="Your saved searches")
def list_saved(actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    data = [
        SavedSearchOut.model_validate(s, from_attributes=True) for s in saved.list_saved_searches(actor, uow)
    ]
    return {"data": data, "count": len(data)}


@router.post("/saved-searches", status_code=201, response_model=SavedSearchOut, summary="Save a search")
def save(
    request: Request,
    body: SavedSearchIn,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> Any:
    """New listings that match and that you may see are announced in your notifications."""
    return saved.save_search(actor, uow, indexes=request.app.state.indexes, **body.model_dump())


@router.delete("/saved-searches/{item_id}", status_code=204, summary="Delete one of your saved searches")
def delete(item_id: ItemId, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> None:
    saved.delete_saved_search(actor, uow, item_id)

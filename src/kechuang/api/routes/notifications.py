"""The signed-in user's notifications, and messages to the organization that owns a listing."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel, Field

from kechuang.domain.access import Actor
from kechuang.domain.limits import check_text
from kechuang.services import notifications
from kechuang.store.db import UnitOfWork

from ..deps import get_uow, signed_in
from ..params import BodyId, ItemId, Offset
from ..schemas import Page, public_model
from .registry import PLURALS

router = APIRouter(prefix="/api", tags=["notifications"])


class ReadIn(BaseModel):
    id: BodyId | None = Field(None, description="One notification; leave out to mark all read")


class MessageIn(BaseModel):
    text: Annotated[
        str,
        Field(min_length=1, max_length=notifications.MAX_MESSAGE_CHARS),
        AfterValidator(partial(check_text, max_length=notifications.MAX_MESSAGE_CHARS, multiline=True)),
    ]


NotificationPublic: Any = public_model(notifications.NotificationView)


@router.get(
    "/notifications",
    response_model=Page[NotificationPublic],  # type: ignore[valid-type]
    summary="Your notifications",
)
def list_notifications(
    unread: bool = Query(False, description="Only unread ones"),
    limit: int = Query(50, ge=1, le=200),
    offset: Offset = 0,
    actor: Actor = Depends(signed_in),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    page = notifications.list_notifications(actor, uow, unread_only=unread, limit=limit, offset=offset)
    return {"data": page.items, "count": page.count}


@router.get("/notifications/unread", summary="How many notifications you have not read")
def unread(actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)) -> dict[str, int]:
    return {"unread": notifications.unread_count(actor, uow)}


@router.post("/notifications/read", summary="Mark one or all of your notifications read")
def mark_read(
    body: ReadIn | None = None, actor: Actor = Depends(signed_in), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, int]:
    marked = notifications.mark_read(actor, uow, body.id if body else None)
    return {"marked": marked}


def _add_message_route(plural: str, entity: str) -> None:
    @router.post(
        f"/{plural}/{{item_id}}/messages",
        status_code=201,
        name=f"message_{entity}",
        summary=f"Write to the organization that owns a {entity}",
    )
    def send(
        item_id: ItemId,
        body: MessageIn,
        actor: Actor = Depends(signed_in),
        uow: UnitOfWork = Depends(get_uow),
    ) -> dict[str, int]:
        """Every active account of the owner organization gets the message as a notification."""
        return {"recipients": notifications.send_message(actor, uow, entity, item_id, body.text)}


for _plural, _entity in PLURALS.items():
    _add_message_route(_plural, _entity)

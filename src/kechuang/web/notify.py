"""Notifications for the pages: the header badge, the list, and news of matches for new listings."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.background import BackgroundTask

from kechuang.services import notifications

from .session import Visitor, uow_of


def unread_count(request: Request, who: Visitor) -> int:
    return notifications.unread_count(who.actor, uow_of(request))


def listing(request: Request, who: Visitor, unread_only: bool = False, limit: int = 50) -> list[Any]:
    found = notifications.list_notifications(who.actor, uow_of(request), unread_only=unread_only, limit=limit)
    return list(found.items)


def mark_read(request: Request, who: Visitor, notification_id: int | None = None) -> None:
    notifications.mark_read(who.actor, uow_of(request), notification_id=notification_id)


def new_record(request: Request, entity: str, record_id: int) -> BackgroundTask:
    """Matching a new listing and telling the people concerned runs after the answer, as in the API."""
    return BackgroundTask(
        notifications.announce_new_listing, uow_of(request), request.app.state.indexes, entity, record_id
    )
